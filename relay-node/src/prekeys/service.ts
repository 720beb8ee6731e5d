/**
 * `/parley/prekeys/1.0.0` on relay-node: an owner (the PeerID its Noise
 * handshake proved) publishes, asks the status of and clears its own signed
 * prekeys; anyone connected fetches an owner's bundle, which consumes the
 * one-time records in it. One request per stream (one-request/server.ts).
 *
 * PUBLISH: every record's signature is checked against the owner's key
 * (Ed25519, from its PeerID) before anything is stored; one bad record
 * refuses the whole request (`bad-request`). A PeerID of another key type
 * cannot publish (`forbidden`).
 *
 * FETCH: at most `fetchPerMinute` from one requester; and one requester gets
 * one-time records of one owner in at most `pairOneTimePerHour` bundles an
 * hour, and requesters from one network (limits.ts `networkOf`: an IPv4
 * address, an IPv6 /64, or one connection without an address) in at most
 * `networkOneTimePerHour`, whatever their PeerIDs; past either, bundles carry
 * the last-resort key and no EC one-time key (anti-draining, in memory: a
 * restart forgets it).
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAX_REQUEST_BYTES, PREKEYS_PROTOCOL, PREKEYS_SERVER_FRAMES, PrekeysRefusedError
} from '@parley/protocol/prekeys/codec'
import { oneRequestHandler } from '@parley/protocol/one-request/server'
import { RateLimiter } from '@parley/protocol/rate-limit'
import { PREKEY_PQ_ONE_TIME } from '@parley/protocol/session/constants'
import { PrekeyError } from '@parley/protocol/session/errors'
import { verifyPrekey } from '@parley/protocol/session/records'
import { join } from 'node:path'
import { PREKEYS_DIR, PREKEYS_PUBLISH_PER_MINUTE, PREKEYS_RATE_PER_PEER, PREKEYS_SWEEP_INTERVAL_MS } from '../constants.ts'
import { networkOf } from '../limits.ts'
import { prekeysMetrics } from '../ops.ts'
import { openPrekeys } from './store.ts'
import type { PrekeyStore } from './store.ts'
import type { RelayConfig } from '../config/options.ts'
import type { Logger } from '../log.ts'
import type { Registry } from 'prom-client'
import type { PrekeysErrorName, PrekeysReply, PrekeysRequest, PrekeyUpload } from '@parley/protocol/prekeys/codec'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** A request must arrive and be answered within this time. */
export const PREKEYS_REQUEST_TIMEOUT_MS = 10_000
/** Bytes of the varint length prefix at most (MAX_REQUEST_BYTES needs 3). */
const MAX_PREFIX_BYTES = 3
/** The window of the (requester, owner) rule. */
const PAIR_WINDOW_MS = 60 * 60_000
/** (requester, owner) pairs remembered at once; past it, a new pair gets no one-time records until old ones lapse. */
export const MAX_PAIRS = 65_536

export interface PrekeysServiceInit {
  store: PrekeyStore
  fetchPerMinute: number
  pairOneTimePerHour: number
  /** bundles with one-time records requesters from one network get of one owner per hour */
  networkOneTimePerHour: number
  /** TEST ONLY: every FETCH is answered `not-found` (config `testHidePrekeys`) */
  hideAll?: boolean
  maxInboundStreams: number
  draining(): boolean
  log: Logger
  metrics: PrekeysMetrics
  now?(): number
}

export interface PrekeysMetrics {
  published(): void
  /** a bundle handed out: with a PQ one-time record (true), or the last-resort one */
  fetched(pqOneTime: boolean): void
  cleared(): void
  refused(code: PrekeysErrorName): void
  /** a bundle went out with the last-resort key because a share was spent: the requester's (`peer`) or its network's */
  shareSpent(by: 'peer' | 'network'): void
}

/**
 * Hand-outs of one-time records per (requester, owner) pair within the last
 * hour. Bounded: the least recently used pair goes when its window has
 * lapsed; when every remembered pair is still live, a new pair is refused
 * one-time records (fail closed: draining stays bounded).
 */
export class PairLimiter {
  readonly #pairs = new Map<string, number[]>()

  constructor (private readonly perWindow: number, private readonly now: () => number = Date.now, private readonly maxPairs = MAX_PAIRS) {}

  /** Counts a hand-out for `pair` if it is allowed now; `release` takes it back when nothing was handed out. */
  reserve (pair: string): { allowed: boolean, release(): void } {
    const now = this.now()
    const times = (this.#pairs.get(pair) ?? []).filter(t => t > now - PAIR_WINDOW_MS)
    this.#pairs.delete(pair)
    if (times.length === 0 && this.#pairs.size >= this.maxPairs) {
      const [oldest, last] = this.#pairs.entries().next().value ?? []
      if (oldest == null || last == null || (last.at(-1) ?? 0) > now - PAIR_WINDOW_MS) return { allowed: false, release: () => {} }
      this.#pairs.delete(oldest)
    }
    const allowed = times.length < this.perWindow
    if (allowed) times.push(now)
    if (times.length > 0) this.#pairs.set(pair, times)
    return {
      allowed,
      release: () => {
        const at = times.lastIndexOf(now)
        if (allowed && at >= 0) times.splice(at, 1)
      }
    }
  }

  get size (): number {
    return this.#pairs.size
  }
}

/** The base58btc PeerID of an owner multihash, or a bad-request refusal. */
function ownerOf (multihash: Uint8Array): string {
  try {
    const peer = peerIdFromMultihash(Digest.decode(multihash))
    if (peer.type !== 'Ed25519') throw new Error('not an Ed25519 PeerID')
    return peer.toString()
  } catch {
    throw new PrekeysRefusedError('bad-request', 'the owner is not an Ed25519 PeerID')
  }
}

/** Checks every record of an upload against the owner's key: `bad-request` naming the first that does not hold. */
function verifyUpload (owner: PeerId, upload: PrekeyUpload): void {
  if (owner.type !== 'Ed25519') throw new PrekeysRefusedError('forbidden', 'only an Ed25519 PeerID can publish prekeys')
  const multihash = owner.toMultihash().bytes
  for (const record of [upload.signed, upload.lastResort, ...upload.oneTime]) {
    try {
      verifyPrekey(record, owner.publicKey.raw, multihash)
    } catch (err) {
      if (err instanceof PrekeyError) throw new PrekeysRefusedError('bad-request', `${err.message}: nothing was stored`)
      throw err
    }
  }
}

export async function startPrekeys (node: Libp2p, init: PrekeysServiceInit): Promise<{ stop(): Promise<void> }> {
  const shutdown = new AbortController()
  const now = init.now ?? Date.now
  const fetches = new RateLimiter(init.fetchPerMinute, init.fetchPerMinute / 60_000, now)
  const publishes = new RateLimiter(PREKEYS_PUBLISH_PER_MINUTE, PREKEYS_PUBLISH_PER_MINUTE / 60_000, now)
  const pairs = new PairLimiter(init.pairOneTimePerHour, now)
  const networks = new PairLimiter(init.networkOneTimePerHour, now)

  async function answer (request: PrekeysRequest, requester: PeerId, network: string): Promise<PrekeysReply> {
    const peer = requester.toString()
    switch (request.op) {
      case 'publish': {
        if (!publishes.take(peer)) throw new PrekeysRefusedError('rate-limited', `at most ${PREKEYS_PUBLISH_PER_MINUTE} prekey publishes a minute`)
        verifyUpload(requester, request)
        const status = await init.store.publish(peer, request)
        init.metrics.published()
        return { op: 'publish', status }
      }
      case 'status':
        return { op: 'status', status: await init.store.status(peer) }
      case 'fetch': {
        const owner = ownerOf(request.owner)
        if (!fetches.take(peer)) throw new PrekeysRefusedError('rate-limited', `at most ${init.fetchPerMinute} prekey bundles a minute`)
        if (init.hideAll === true) throw new PrekeysRefusedError('not-found', 'this relay holds no prekeys for that owner')
        // both shares must allow it; a share counts only a bundle that carried one-time records
        const byPeer = pairs.reserve(`${peer}>${owner}`)
        const byNetwork = byPeer.allowed ? networks.reserve(`${network}>${owner}`) : { allowed: false, release: () => {} }
        const release = (): void => { byPeer.release(); byNetwork.release() }
        const allowed = byPeer.allowed && byNetwork.allowed
        if (!allowed) release()
        try {
          const fetched = await init.store.fetch(owner, allowed)
          if (!fetched.oneTime) release()
          if (!allowed) init.metrics.shareSpent(byPeer.allowed ? 'network' : 'peer')
          init.metrics.fetched(fetched.bundle.pq.kind === PREKEY_PQ_ONE_TIME)
          return { op: 'fetch', bundle: fetched.bundle }
        } catch (err) {
          release()
          throw err
        }
      }
      case 'clear':
        if (await init.store.clear(peer)) init.metrics.cleared()
        return { op: 'clear' }
    }
  }

  const handle = oneRequestHandler<PrekeysRequest, PrekeysReply, PrekeysErrorName>({
    name: 'prekeys',
    timeoutMs: PREKEYS_REQUEST_TIMEOUT_MS,
    maxRequestBytes: MAX_REQUEST_BYTES,
    maxPrefixBytes: MAX_PREFIX_BYTES,
    ratePerMinute: PREKEYS_RATE_PER_PEER,
    now,
    ...PREKEYS_SERVER_FRAMES,
    answer: async (request, connection) => answer(request, connection.remotePeer, networkOf(connection)),
    draining: init.draining,
    refused: (code) => { init.metrics.refused(code) },
    log: init.log
  }, shutdown.signal)

  await node.handle(PREKEYS_PROTOCOL, handle, { maxInboundStreams: init.maxInboundStreams })
  return {
    stop: async () => {
      shutdown.abort()
      await node.unhandle(PREKEYS_PROTOCOL)
    }
  }
}

/**
 * The whole feature as relay-node runs it: the store in `<data-dir>/prekeys`,
 * its metrics, the protocol handler and the hourly sweep of unseen owners.
 * `stop` ends requests in progress and closes the store.
 */
export async function servePrekeys (node: Libp2p, config: RelayConfig, registry: Registry, run: { draining(): boolean, log: Logger, now?: () => number }): Promise<{ stop(): Promise<void> }> {
  const store = await openPrekeys(join(config.dataDir, PREKEYS_DIR), config, run.now)
  const metrics = prekeysMetrics(registry, () => store.usage)
  let service: { stop(): Promise<void> }
  try {
    service = await startPrekeys(node, {
      store,
      fetchPerMinute: config.prekeysFetchPerMinute,
      pairOneTimePerHour: config.prekeysPairOneTimePerHour,
      networkOneTimePerHour: config.prekeysNetworkOneTimePerHour,
      hideAll: config.testHidePrekeys,
      maxInboundStreams: config.maxInboundStreams,
      draining: run.draining,
      log: run.log,
      metrics,
      now: run.now
    })
  } catch (err) {
    await store.close()
    throw err
  }
  const sweep = (): void => {
    store.sweep().then(
      (n) => { if (n > 0) { metrics.dropped(n); run.log.info('dropped the prekeys of owners unseen too long', { count: n }) } },
      (err: unknown) => { run.log.error('prekey sweep failed', { error: err }) })
  }
  sweep()
  const sweeper = setInterval(sweep, PREKEYS_SWEEP_INTERVAL_MS)
  sweeper.unref()
  return {
    stop: async () => {
      clearInterval(sweeper)
      await service.stop()
      await store.close()
    }
  }
}
