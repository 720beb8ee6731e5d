/** Ports of the presence feature (see identity.ts for what a port is). */
import type { ContactId, ContactRow } from '../../../db/types.ts'
import type { Connection } from '@libp2p/interface'

/** What callers give ContactDialer.connect in all: known addresses, a lookup, the addresses it found. */
export const CONTACT_CONNECT_TIMEOUT_MS = 30_000

/** How features get a connection to a contact (presence/contact-finder.ts: known addresses, else the DHT). */
export interface ContactDialer {
  /** An open connection to the contact, or a new one; rejects when it cannot be reached before `signal` aborts. */
  connect(contact: Pick<ContactRow, 'peerId'>, options: { signal: AbortSignal }): Promise<Connection>
  /**
   * where a peer (a contact's device, say) was last known to be: the
   * addresses the peer store holds, else those the last DHT lookup of it
   * found (its peer record) though the dial failed; [] when none
   */
  knownAddresses(peerId: string): Promise<string[]>
}

/** Greeting and redialling contacts (presence/greeter.ts). */
export interface GreeterPort {
  /** a contact was added (or added again) from an invite: libp2p learns its addresses, and it is greeted */
  introduce(contactId: ContactId, peerId: string, addresses: string[]): Promise<void>
  /** dials each contact that is not connected; once connected, what we owe it goes out; never throws */
  greet(contactIds: ContactId[]): void
  /** dials the contact again after the next back-off delay */
  redial(contactId: ContactId): void
}

/** Relayed connections upgraded to direct WebRTC (presence/direct-upgrade.ts). */
export interface DirectUpgraderPort {
  /** tries again the upgrades that failed for want of a tab to host WebRTC */
  retryAll(): void
  /** probes the direct connections now and closes the dead ones (a peer connection's ICE went 'disconnected') */
  checkDirect(): void
}
