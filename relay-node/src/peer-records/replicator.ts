/**
 * Re-replication of the peer records a relay holds: when its routing table
 * changes, the relays that became one of the K closest to a record's key (as
 * this relay sees them) get the record in a PUT_VALUE. A relay that joined
 * is one of them when it is among the K closest now; when one left, the relay
 * that moved up to K-th place is, if the one that left was closer than it.
 * Runs at most every REPLICATE_GAP_MS, however many changes come meanwhile
 * (single-flight), REPLICATE_CONCURRENCY PUTs at a time, each within
 * REPLICATE_TIMEOUT_MS. A record keeps its own expiry wherever it is copied
 * (record.ts): copying never makes it live longer.
 */
import { createHash } from 'node:crypto'
import { MessageType } from '@libp2p/kad-dht'
import { Libp2pRecord } from '@libp2p/record'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import type { HeldRecord, PeerRecordStore } from './store.ts'
import type { Logger } from '../log.ts'
import type { KadRoutingTable } from './kad-internals.ts'
import type { PeerId } from '@libp2p/interface'

/** Kademlia's K, kad-dht's default bucket size: how many relays hold each record. */
export const RECORD_REPLICAS = 20
/** Re-replication runs at most this often. */
export const REPLICATE_GAP_MS = 5_000
/** PUT_VALUEs sent at once while re-replicating. */
export const REPLICATE_CONCURRENCY = 8
/** One re-replicating PUT_VALUE gives up after this long. */
export const REPLICATE_TIMEOUT_MS = 10_000
/** Routing table changes remembered between runs; past it the oldest are forgotten (their records reach the relays that joined at the next change, or with the owner's next publication). */
export const MAX_PENDING_CHANGES = 1024

/** The Kademlia id of bytes: SHA-256, as @libp2p/kad-dht computes it. */
export function kadIdOf (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/** Whether `a` is closer than `b` to `target` in XOR distance. */
export function closerTo (target: Uint8Array, a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < target.length; i++) {
    const da = (a[i] ?? 0) ^ (target[i] ?? 0)
    const db = (b[i] ?? 0) ^ (target[i] ?? 0)
    if (da !== db) return da < db
  }
  return false
}

interface Change { kind: 'add' | 'remove', peer: PeerId, kadId: Uint8Array }

export interface ReplicatorInit {
  log: Logger
  replicated(outcome: 'sent' | 'failed'): void
}

export class Replicator {
  readonly #table: KadRoutingTable
  readonly #store: PeerRecordStore
  readonly #init: ReplicatorInit
  readonly #flight: SingleFlight
  #changes: Change[] = []
  #stopped = new AbortController()

  constructor (table: KadRoutingTable, store: PeerRecordStore, init: ReplicatorInit) {
    this.#table = table
    this.#store = store
    this.#init = init
    this.#flight = new SingleFlight(async () => this.#run(), (err) => { init.log.error('re-replicating peer records failed', { error: err }) }, { minGapMs: REPLICATE_GAP_MS })
  }

  readonly #onAdd = (event: CustomEvent<PeerId>): void => { this.#changed('add', event.detail) }
  readonly #onRemove = (event: CustomEvent<PeerId>): void => { this.#changed('remove', event.detail) }

  start (): void {
    this.#stopped = new AbortController()
    this.#table.addEventListener('peer:add', this.#onAdd)
    this.#table.addEventListener('peer:remove', this.#onRemove)
  }

  stop (): void {
    this.#table.removeEventListener('peer:add', this.#onAdd)
    this.#table.removeEventListener('peer:remove', this.#onRemove)
    this.#stopped.abort()
    this.#flight.stop()
    this.#changes = []
  }

  #changed (kind: Change['kind'], peer: PeerId): void {
    this.#changes.push({ kind, peer, kadId: kadIdOf(peer.toMultihash().bytes) })
    if (this.#changes.length > MAX_PENDING_CHANGES) this.#changes.shift()
    void this.#flight.request()
  }

  /** Which relays get which records for the changes since the last run. */
  #targets (changes: Change[]): Array<{ to: PeerId, record: HeldRecord }> {
    const jobs: Array<{ to: PeerId, record: HeldRecord }> = []
    for (const record of this.#store.records()) {
      const target = kadIdOf(record.key)
      const closest = this.#table.closestPeers(target, { count: RECORD_REPLICAS })
      const to = new Map<string, PeerId>()
      for (const change of changes) {
        if (change.kind === 'add') {
          if (closest.some(p => p.equals(change.peer))) to.set(change.peer.toString(), change.peer)
          continue
        }
        const last = closest.at(-1)
        if (closest.length === RECORD_REPLICAS && last != null && closerTo(target, change.kadId, kadIdOf(last.toMultihash().bytes))) to.set(last.toString(), last)
      }
      for (const peer of to.values()) jobs.push({ to: peer, record })
    }
    return jobs
  }

  async #run (): Promise<void> {
    const changes = this.#changes
    this.#changes = []
    if (changes.length === 0) return
    const jobs = this.#targets(changes)
    const network = this.#table.network
    const path = { index: -1, queued: 0, running: 0, total: 0 }
    const send = async ({ to, record }: { to: PeerId, record: HeldRecord }): Promise<void> => {
      const signal = AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(REPLICATE_TIMEOUT_MS)])
      const msg = { type: MessageType.PUT_VALUE, key: record.key, record: new Libp2pRecord(record.key, record.bytes, new Date()).serialize() }
      let answered = false
      for await (const event of network.sendRequest(to, msg, { signal, path })) {
        if (event.name === 'PEER_RESPONSE') answered = true
      }
      this.#init.replicated(answered ? 'sent' : 'failed')
    }
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < jobs.length && !this.#stopped.signal.aborted) {
        const job = jobs[next++]
        if (job !== undefined) await send(job).catch(() => { this.#init.replicated('failed') })
      }
    }
    await Promise.all(Array.from({ length: Math.min(REPLICATE_CONCURRENCY, jobs.length) }, worker))
    if (jobs.length > 0) this.#init.log.debug('re-replicated peer records', { puts: jobs.length, changes: changes.length })
  }
}
