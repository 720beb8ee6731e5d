/**
 * The link's short code on relays (docs/protocols.md, "The short code", "What
 * the app does"): the new device deposits its sealed offer on the relays it
 * holds a reservation on, renews it and withdraws it (CodeDeposit); the
 * existing device asks its relays for it (fetchOfferByCode).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { linkRendezvousRequest } from '@parley/protocol/link-code/client'
import { LinkRendezvousRefusedError } from '@parley/protocol/link-code/codec'
import { LinkCodeBoxError, linkCodeId, openLinkOffer, sealLinkOffer } from '@parley/protocol/link-code/seal'
import { connectionTo, reservedRelays } from '../relays/index.ts'
import type { LinkEndReason } from '../../contract/link-types.ts'
import type { Connection, Libp2p, Logger } from '@libp2p/interface'

/** One rendezvous request (stream, request, reply), at most. */
export const LINK_CODE_REQUEST_TIMEOUT_MS = 10_000
/** Dialling a relay that is not connected, at most. */
export const LINK_CODE_DIAL_TIMEOUT_MS = 10_000
/** The new device renews its deposit this often while its code is shown (the relay keeps it 10 minutes). */
export const LINK_CODE_RENEW_MS = 2 * 60_000
/** Relays a deposit goes to, and relays the existing device asks, at most. */
export const MAX_LINK_CODE_RELAYS = 6

/**
 * The new device's offer under its short code on each relay it holds a
 * reservation on. `deposit()` puts (or renews) it on every such relay and
 * says whether at least one holds it; `withdraw()` takes it back from each.
 */
export class CodeDeposit {
  /** relays that took the offer (withdrawn from at the end) */
  readonly #held = new Set<string>()
  /** withdrawn: a PUT that lands after this is taken back at once */
  #closed = false

  constructor (
    private readonly node: Pick<Libp2p, 'getConnections' | 'getMultiaddrs'>,
    readonly code: string,
    private readonly offer: string,
    private readonly log: Logger
  ) {}

  /** Puts the offer on every relay we hold a reservation on; true when one holds it now. */
  async deposit (): Promise<boolean> {
    const relays = reservedRelays(this.node).slice(0, MAX_LINK_CODE_RELAYS)
    const results = await Promise.all(relays.map(async (relay) => {
      const connection = connectionTo(this.node, relay)
      if (connection === undefined) return false
      try {
        const box = sealLinkOffer(this.code, relay, this.offer)
        await linkRendezvousRequest(connection, { op: 'put', id: linkCodeId(this.code, relay), box }, { signal: AbortSignal.timeout(LINK_CODE_REQUEST_TIMEOUT_MS) })
        if (this.#closed) {
          await this.#take(relay, connection)
          return false
        }
        this.#held.add(relay)
        return true
      } catch (err) {
        // a relay without the protocol, or one that refused: the others may hold it
        this.log('depositing the link code on %s failed - %e', relay, err)
        return false
      }
    }))
    return results.some(Boolean)
  }

  /** Takes the offer back from every relay that took it (best effort: each forgets it within 10 minutes anyway). */
  async withdraw (): Promise<void> {
    this.#closed = true
    const relays = [...this.#held]
    this.#held.clear()
    await Promise.all(relays.map(async (relay) => {
      const connection = connectionTo(this.node, relay)
      if (connection !== undefined) await this.#take(relay, connection)
    }))
  }

  async #take (relay: string, connection: Connection): Promise<void> {
    try {
      await linkRendezvousRequest(connection, { op: 'delete', id: linkCodeId(this.code, relay) }, { signal: AbortSignal.timeout(LINK_CODE_REQUEST_TIMEOUT_MS) })
    } catch (err) {
      // the relay forgets it when its time runs out
      this.log('withdrawing the link code from %s failed - %e', relay, err)
    }
  }
}

/** What one relay said of a code. */
type Answer = { offer: string } | { refused: 'not-found' | 'expired' | 'used' } | { failed: true }

/**
 * The relays to ask for a code: our relay list's, then the served ones (the
 * new device's by default), one address per relay PeerID, at most
 * MAX_LINK_CODE_RELAYS.
 */
export function relaysToAsk (ours: readonly string[], served: readonly string[]): Array<{ id: string, address: string }> {
  const out = new Map<string, string>()
  for (const address of [...ours, ...served]) {
    const id = /\/p2p\/([^/]+)$/.exec(address)?.[1]
    if (id !== undefined && !address.includes('/p2p-circuit') && !out.has(id)) out.set(id, address)
  }
  return [...out].slice(0, MAX_LINK_CODE_RELAYS).map(([id, address]) => ({ id, address }))
}

async function askOne (node: Pick<Libp2p, 'getConnections' | 'dial'>, code: string, relay: { id: string, address: string }, log: Logger): Promise<Answer> {
  try {
    const connection = connectionTo(node, relay.id) ??
      await node.dial(multiaddr(relay.address), { signal: AbortSignal.timeout(LINK_CODE_DIAL_TIMEOUT_MS) })
    const reply = await linkRendezvousRequest(connection, { op: 'get', id: linkCodeId(code, relay.id) }, { signal: AbortSignal.timeout(LINK_CODE_REQUEST_TIMEOUT_MS) })
    return { offer: openLinkOffer(code, relay.id, reply.box) }
  } catch (err) {
    if (err instanceof LinkRendezvousRefusedError && (err.code === 'not-found' || err.code === 'expired' || err.code === 'used')) return { refused: err.code }
    // a box that does not open under the code is no offer of it (a relay that altered or swapped it): as if not found
    if (err instanceof LinkCodeBoxError) {
      log.error('relay %s gave a box that does not open under the code - %e', relay.id, err)
      return { refused: 'not-found' }
    }
    log('asking %s for the link code failed - %e', relay.id, err)
    return { failed: true }
  }
}

/**
 * The offer (`parley-link:` text) deposited under `code`, asked of every
 * relay at once; or why there is none: a relay that has it wins, then
 * `code-used`, `code-expired`, `code-unknown` (a relay answered, none has
 * it), `code-unreachable` (none answered).
 */
export async function fetchOfferByCode (
  node: Pick<Libp2p, 'getConnections' | 'dial'>,
  code: string,
  relays: ReadonlyArray<{ id: string, address: string }>,
  log: Logger
): Promise<{ offer: string } | { reason: LinkEndReason }> {
  const answers = await Promise.all(relays.map(async relay => askOne(node, code, relay, log)))
  for (const answer of answers) if ('offer' in answer) return answer
  const refused = new Set(answers.flatMap(a => 'refused' in a ? [a.refused] : []))
  if (refused.has('used')) return { reason: 'code-used' }
  if (refused.has('expired')) return { reason: 'code-expired' }
  if (refused.has('not-found')) return { reason: 'code-unknown' }
  return { reason: 'code-unreachable' }
}
