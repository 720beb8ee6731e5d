/**
 * `/parley/link-rendezvous/1.0.0` on relay-node (docs/protocols.md, "The
 * short code", "On the relay"): a new device deposits its link offer, sealed
 * under its short code, under a rendezvous id; the device that links it
 * types the code and fetches the offer by the same id. The relay sees ids
 * and box sizes, never the offer. One request per stream (one-request/server.ts).
 *
 * - PUT: only from a peer holding a reservation here (the offer names circuit
 *   addresses through a relay); by its owner again, a renewal.
 * - GET: counted per entry (MAX_LINK_RENDEZVOUS_GETS, then spent), and a
 *   peer's GETs that find no box are limited on their own
 *   (DEFAULT_LINK_RENDEZVOUS_MISSES_*): past them it hears only
 *   `rate-limited`, so guessing ids is one try a minute.
 * - DELETE: by the owner, which spends the entry.
 */
import { oneRequestHandler } from '@parley/protocol/one-request/server'
import { RateLimiter } from '@parley/protocol/rate-limit'
import {
  LINK_RENDEZVOUS_PROTOCOL, LinkRendezvousFrameError, LinkRendezvousRefusedError, MAX_LINK_RENDEZVOUS_REQUEST_BYTES,
  decodeLinkRendezvousRequest, encodeLinkRendezvousError, encodeLinkRendezvousReply
} from '@parley/protocol/link-code/codec'
import { LINK_RENDEZVOUS_TTL_MS, RendezvousStore } from './store.ts'
import type { Logger } from '../log.ts'
import type { LinkRendezvousErrorName, LinkRendezvousReply, LinkRendezvousRequest } from '@parley/protocol/link-code/codec'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/** A request must arrive and be answered within this time. */
export const LINK_RENDEZVOUS_REQUEST_TIMEOUT_MS = 10_000
/** Requests per minute from one PeerID, bursts up to this many (a new device renews every 2 minutes). */
export const DEFAULT_LINK_RENDEZVOUS_RATE_PER_PEER = 30
/** GETs that find nothing, per PeerID: a burst of this many… */
export const DEFAULT_LINK_RENDEZVOUS_MISSES_BURST = 10
/** …then one a minute. */
export const DEFAULT_LINK_RENDEZVOUS_MISSES_PER_MINUTE = 1
/** Bytes of the varint length prefix at most (MAX_LINK_RENDEZVOUS_REQUEST_BYTES needs 2). */
const MAX_PREFIX_BYTES = 2

/** How a GET was answered (`parley_link_rendezvous_gets_total{result}`). */
export type RendezvousGetResult = 'found' | 'not-found' | 'expired' | 'used'
export const RENDEZVOUS_GET_RESULTS: readonly RendezvousGetResult[] = ['found', 'not-found', 'expired', 'used']

export interface RendezvousMetrics {
  put(): void
  got(result: RendezvousGetResult): void
  withdrawn(): void
  refused(code: LinkRendezvousErrorName): void
}

export interface RendezvousServiceInit {
  maxInboundStreams: number
  draining(): boolean
  /** whether `peer` holds a reservation here: only those deposit */
  reserved(peer: PeerId): boolean
  log: Logger
  metrics: RendezvousMetrics
  /** the clock of entries and rate limits; default `Date.now` (tests move theirs) */
  now?: () => number
  ratePerPeer?: number
  missesBurst?: number
  maxPerPeer?: number
  maxRecords?: number
}

export interface RendezvousService {
  readonly store: RendezvousStore
  stop(): Promise<void>
}

const refuse = (code: LinkRendezvousErrorName, reason: string): LinkRendezvousRefusedError => new LinkRendezvousRefusedError(code, reason)

export async function startLinkRendezvous (node: Libp2p, init: RendezvousServiceInit): Promise<RendezvousService> {
  const now = init.now ?? Date.now
  const store = new RendezvousStore(now, init.maxPerPeer, init.maxRecords)
  const misses = new RateLimiter(init.missesBurst ?? DEFAULT_LINK_RENDEZVOUS_MISSES_BURST, DEFAULT_LINK_RENDEZVOUS_MISSES_PER_MINUTE / 60_000, now)
  const shutdown = new AbortController()
  const ttlS = Math.round(LINK_RENDEZVOUS_TTL_MS / 1000)

  function answer (request: LinkRendezvousRequest, connection: Connection): LinkRendezvousReply {
    const peer = connection.remotePeer
    const owner = peer.toString()
    switch (request.op) {
      case 'put': {
        if (!init.reserved(peer)) throw refuse('not-reserved', 'deposit while holding a reservation here: the offer is reached through this relay')
        const result = store.put(owner, request.id, request.box)
        if (result === 'taken') throw refuse('taken', 'another peer holds this id')
        if (result === 'used') throw refuse('used', 'this id was given out or withdrawn: make a new code')
        if (result === 'too-many') throw refuse('too-many', `a peer holds at most ${init.maxPerPeer ?? 2} entries`)
        if (result === 'full') throw refuse('full', 'the relay holds all the entries it can')
        init.metrics.put()
        return { op: 'put', ttlS }
      }
      case 'get': {
        const result = store.get(request.id)
        if ('refused' in result) {
          // every GET that finds no box spends one of the peer's misses; with none left it learns nothing more
          if (!misses.take(owner)) throw refuse('rate-limited', 'too many codes that were not found here: wait a minute')
          init.metrics.got(result.refused)
          throw refuse(result.refused, result.refused === 'not-found' ? 'no entry under this id' : result.refused === 'expired' ? 'the entry\'s time ran out' : 'the entry was given out or withdrawn')
        }
        init.metrics.got('found')
        return { op: 'get', box: result.box }
      }
      case 'delete': {
        const removed = store.delete(owner, request.id)
        if (removed) init.metrics.withdrawn()
        return { op: 'delete', removed }
      }
    }
  }

  const handle = oneRequestHandler<LinkRendezvousRequest, LinkRendezvousReply, LinkRendezvousErrorName>({
    name: 'link rendezvous',
    timeoutMs: LINK_RENDEZVOUS_REQUEST_TIMEOUT_MS,
    maxRequestBytes: MAX_LINK_RENDEZVOUS_REQUEST_BYTES,
    maxPrefixBytes: MAX_PREFIX_BYTES,
    ratePerMinute: init.ratePerPeer ?? DEFAULT_LINK_RENDEZVOUS_RATE_PER_PEER,
    now,
    decode: decodeLinkRendezvousRequest,
    encodeReply: encodeLinkRendezvousReply,
    encodeError: encodeLinkRendezvousError,
    malformed: (err) => err instanceof LinkRendezvousFrameError ? 'bad-request' : undefined,
    oversizeCode: 'too-large',
    refusal: (err) => err instanceof LinkRendezvousRefusedError ? { code: err.code, reason: err.reason } : undefined,
    answer,
    draining: init.draining,
    refused: (code) => { init.metrics.refused(code) },
    log: init.log
  }, shutdown.signal)

  await node.handle(LINK_RENDEZVOUS_PROTOCOL, handle, { maxInboundStreams: init.maxInboundStreams })
  return {
    store,
    stop: async () => {
      shutdown.abort()
      store.clear()
      await node.unhandle(LINK_RENDEZVOUS_PROTOCOL)
    }
  }
}
