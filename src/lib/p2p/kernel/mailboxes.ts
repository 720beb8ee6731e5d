/** Where a contact's mailbox is: the relays its circuit addresses go through (docs/protocols.md, "Mailboxes"). */
import { circuitRelayAddress, circuitRelayId } from '@parley/protocol/multiaddr'
import type { ContactRow } from '../../db/types.ts'

/** A message is deposited on at most this many of the contact's relays. */
export const MAX_MAILBOX_RELAYS = 3

/**
 * The relays a contact's circuit addresses go through, one dialable address
 * each (`<relay address>/p2p/<relay>`), in the order first listed, at most
 * MAX_MAILBOX_RELAYS.
 */
export function mailboxRelaysOf (contact: Pick<ContactRow, 'addresses'>): string[] {
  const byRelay = new Map<string, string>()
  for (const address of contact.addresses) {
    const relay = circuitRelayAddress(address)
    const relayId = relay === undefined ? undefined : circuitRelayId(address)
    if (relay === undefined || relayId === undefined || byRelay.has(relayId)) continue
    byRelay.set(relayId, relay)
    if (byRelay.size >= MAX_MAILBOX_RELAYS) break
  }
  return [...byRelay.values()]
}
