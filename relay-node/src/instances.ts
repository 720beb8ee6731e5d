/**
 * `/parley/instance/1.0.0` on relay-node (docs/protocols.md, "One identity,
 * one place"). Circuit relay v2 keeps one reservation per PeerID, so two
 * running copies of one identity (a backup restored in a second browser while
 * the first still runs) fight over it: relayed connections reach one of them,
 * the other looks connected and gets nothing. Each running node opens one
 * instance stream per connection here and says HELLO with its instance id;
 * the relay keeps the live instances of each PeerID while their streams are
 * open, and pushes to each stream the OTHER live instances of its PeerID, at
 * once and whenever they change. The Noise handshake proved the PeerID, so
 * only the key's holder can speak for it.
 */
import { toError } from '@parley/protocol/abort'
import { FrameStream } from '@parley/protocol/framing'
import {
  INSTANCE_HELLO_BYTES, INSTANCE_PROTOCOL, MAX_INSTANCES_PER_PEER, MAX_OTHER_INSTANCES, decodeInstanceHello,
  encodeInstanceError, encodeInstanceOthers, instanceHex
} from '@parley/protocol/instance/codec'
import { RateLimiter } from '@parley/protocol/rate-limit'
import type { InstanceErrorName, OtherInstance } from '@parley/protocol/instance/codec'
import { DEFAULT_MAX_INSTANCE_STREAMS } from './constants.ts'
import type { Logger } from './log.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

/** The HELLO must arrive within this time of the stream opening, or the stream is reset. */
export const INSTANCE_HELLO_TIMEOUT_MS = 10_000
/** One OTHERS frame (or error frame) must be taken by the node within this time, or the stream is reset. */
export const INSTANCE_WRITE_TIMEOUT_MS = 10_000
/** Instance streams one connection may have open at once: a node needs one, two while it replaces it. */
export const MAX_INSTANCE_STREAMS_PER_CONNECTION = 2
/**
 * HELLOs per minute from one PeerID, bursts up to this many: a node says one
 * per relay connection, again after a reconnect or a restart.
 */
export const DEFAULT_INSTANCE_RATE_PER_PEER = 30
/** Bytes read ahead of the HELLO at most (the node sends nothing after it). */
const MAX_BUFFERED_BYTES = 64

export interface InstanceMetrics {
  registered(): void
  refused(code: InstanceErrorName): void
}

export interface InstanceServiceInit {
  draining(): boolean
  log: Logger
  metrics: InstanceMetrics
  /** {@link DEFAULT_MAX_INSTANCE_STREAMS} */
  maxStreams?: number
  /** {@link DEFAULT_INSTANCE_RATE_PER_PEER} */
  ratePerPeer?: number
  /** {@link INSTANCE_HELLO_TIMEOUT_MS} (tests shorten it) */
  helloTimeoutMs?: number
  /** the clock (tests) */
  now?(): number
}

export interface InstanceService {
  /** instance streams open now */
  readonly streams: number
  /** PeerIDs with two or more live instances here now */
  readonly copies: number
  stop(): Promise<void>
}

interface Instance {
  id: Uint8Array
  /** when its first stream of this live period opened (ms) */
  since: number
  streams: Set<unknown>
}

/**
 * The live instances of each PeerID, by instance id, each with its open
 * streams (a node with two connections here, or replacing its stream, has
 * two). Bounded: MAX_INSTANCES_PER_PEER streams per PeerID, `maxStreams` in
 * all.
 */
export class InstanceRegistry<S> {
  readonly #peers = new Map<string, Map<string, Instance>>()
  /** streams per PeerID */
  readonly #counts = new Map<string, number>()
  #streams = 0

  constructor (private readonly maxStreams: number, private readonly now: () => number = Date.now) {}

  /** instance streams held */
  get streams (): number {
    return this.#streams
  }

  /** PeerIDs with two or more live instances */
  get copies (): number {
    let n = 0
    for (const instances of this.#peers.values()) if (instances.size > 1) n++
    return n
  }

  /**
   * Adds `stream` of instance `id` of `peer`. `changed`: the instance is new,
   * so the PeerID's other streams have news. Refuses, changing nothing, when
   * the PeerID or the relay is full.
   */
  add (peer: string, id: Uint8Array, stream: S): { result: 'ok', changed: boolean } | { result: 'too-many' | 'full' } {
    if ((this.#counts.get(peer) ?? 0) >= MAX_INSTANCES_PER_PEER) return { result: 'too-many' }
    if (this.#streams >= this.maxStreams) return { result: 'full' }
    let instances = this.#peers.get(peer)
    if (instances == null) {
      instances = new Map()
      this.#peers.set(peer, instances)
    }
    const key = instanceHex(id)
    let instance = instances.get(key)
    const changed = instance == null
    if (instance == null) {
      instance = { id, since: this.now(), streams: new Set() }
      instances.set(key, instance)
    }
    instance.streams.add(stream)
    this.#counts.set(peer, (this.#counts.get(peer) ?? 0) + 1)
    this.#streams++
    return { result: 'ok', changed }
  }

  /** Removes `stream`; true when its instance went with it (the PeerID's other streams have news). */
  remove (peer: string, id: Uint8Array, stream: S): boolean {
    const instances = this.#peers.get(peer)
    const key = instanceHex(id)
    const instance = instances?.get(key)
    if (instances == null || instance == null || !instance.streams.delete(stream)) return false
    this.#streams--
    const count = (this.#counts.get(peer) ?? 1) - 1
    if (count <= 0) this.#counts.delete(peer)
    else this.#counts.set(peer, count)
    if (instance.streams.size > 0) return false
    instances.delete(key)
    if (instances.size === 0) this.#peers.delete(peer)
    return true
  }

  /** The live instances of `peer` other than `id`, longest live first, with their ages in whole seconds. */
  others (peer: string, id: Uint8Array): OtherInstance[] {
    const own = instanceHex(id)
    const now = this.now()
    return [...(this.#peers.get(peer)?.entries() ?? [])]
      .filter(([key]) => key !== own)
      .map(([, instance]) => ({ id: instance.id, ageS: Math.max(0, Math.floor((now - instance.since) / 1000)), since: instance.since }))
      .sort((a, b) => a.since - b.since)
      .slice(0, MAX_OTHER_INSTANCES)
      .map(({ id, ageS }) => ({ id, ageS }))
  }

  /** Every stream of `peer`. */
  streamsOf (peer: string): S[] {
    return [...(this.#peers.get(peer)?.values() ?? [])].flatMap(instance => [...instance.streams] as S[])
  }

  clear (): void {
    this.#peers.clear()
    this.#counts.clear()
    this.#streams = 0
  }
}

/** A frame the node sent that does not follow the format (FrameStream's or the codec's error). */
function isMalformed (err: unknown): boolean {
  const name = err instanceof Error ? err.name : ''
  return name === 'InstanceFrameError' || name === 'InvalidMessageError'
}

/** One open instance stream: it writes the latest view of the other instances, never more than one frame at a time. */
class Watcher {
  #dirty = false
  #writing = false

  constructor (
    readonly peer: string,
    readonly id: Uint8Array,
    private readonly stream: Stream,
    private readonly frames: FrameStream,
    private readonly view: () => OtherInstance[],
    private readonly shutdown: AbortSignal,
    private readonly log: Logger
  ) {}

  /** Something changed: the latest view goes out after any frame being written (views in between are skipped). */
  push (): void {
    this.#dirty = true
    if (!this.#writing) void this.#flush()
  }

  async #flush (): Promise<void> {
    this.#writing = true
    try {
      while (this.#dirty && this.stream.status === 'open') {
        this.#dirty = false
        const signal = AbortSignal.any([AbortSignal.timeout(INSTANCE_WRITE_TIMEOUT_MS), this.shutdown])
        await this.frames.write(encodeInstanceOthers(this.view()), { signal })
      }
    } catch (err) {
      // a node that does not read what it is told holds a stream for nothing
      this.log.debug('instance stream write failed', { peer: this.peer, error: err })
      this.stream.abort(toError(err))
    } finally {
      this.#writing = false
    }
  }
}

export async function startInstances (node: Libp2p, init: InstanceServiceInit): Promise<InstanceService> {
  const ratePerPeer = init.ratePerPeer ?? DEFAULT_INSTANCE_RATE_PER_PEER
  const rate = new RateLimiter(ratePerPeer, ratePerPeer / 60_000, init.now)
  const registry = new InstanceRegistry<Watcher>(init.maxStreams ?? DEFAULT_MAX_INSTANCE_STREAMS, init.now)
  const shutdown = new AbortController()
  const notify = (peer: string): void => { for (const watcher of registry.streamsOf(peer)) watcher.push() }

  async function handle (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const frames = new FrameStream(stream, { protocol: 'instance', maxDataLength: INSTANCE_HELLO_BYTES, maxLengthLength: 1, maxBufferSize: MAX_BUFFERED_BYTES })
    const refuse = async (code: InstanceErrorName, reason: string): Promise<void> => {
      init.metrics.refused(code)
      await frames.write(encodeInstanceError(code, reason), { signal: AbortSignal.any([AbortSignal.timeout(INSTANCE_WRITE_TIMEOUT_MS), shutdown.signal]) })
    }
    let id: Uint8Array
    try {
      const frame = await frames.read({ signal: AbortSignal.any([AbortSignal.timeout(init.helloTimeoutMs ?? INSTANCE_HELLO_TIMEOUT_MS), shutdown.signal]) })
      if (frame == null) {
        // closed before saying anything: nothing was registered
        stream.abort(new Error('the instance stream ended before its hello'))
        return
      }
      id = decodeInstanceHello(frame)
    } catch (err) {
      init.log.debug('malformed instance hello', { peer, error: err })
      if (isMalformed(err)) await refuse('bad-request', toError(err).message).catch(() => {})
      stream.abort(toError(err))
      return
    }

    /** Registers the stream, or says why not (nothing changed then). */
    const admit = (): [InstanceErrorName, string] | undefined => {
      if (init.draining()) return ['unavailable', 'the relay is shutting down']
      if (!rate.take(peer)) return ['rate-limited', `at most ${ratePerPeer} instance hellos a minute`]
      const watcher = new Watcher(peer, id, stream, frames, () => registry.others(peer, id), shutdown.signal, init.log)
      const added = registry.add(peer, id, watcher)
      if (added.result !== 'ok') {
        return added.result === 'too-many'
          ? ['too-many', `your PeerID holds ${MAX_INSTANCES_PER_PEER} instance streams here already`]
          : ['full', 'the relay holds all the instance streams it can']
      }
      init.metrics.registered()
      const gone = (): void => { if (registry.remove(peer, id, watcher)) notify(peer) }
      if (stream.status !== 'open') {
        // it closed while the hello was read: no close event is coming
        gone()
        return undefined
      }
      stream.addEventListener('close', gone, { once: true })
      // the new instance's first answer, and news for the others; a second stream of a known instance needs only its own
      if (added.changed) notify(peer)
      else watcher.push()
      return undefined
    }

    try {
      const refusal = admit()
      if (refusal != null) {
        await refuse(...refusal)
        await stream.close({ signal: AbortSignal.timeout(INSTANCE_WRITE_TIMEOUT_MS) })
        return
      }
    } catch (err) {
      init.log.warn('instance stream failed', { peer, error: err })
      stream.abort(toError(err))
      return
    }
    if (stream.status !== 'open') return

    // the node sends nothing after its hello: its end (closing its side) means it leaves
    try {
      const more = await frames.read({ signal: shutdown.signal })
      if (more == null) {
        await stream.close({ signal: AbortSignal.timeout(INSTANCE_WRITE_TIMEOUT_MS) })
        return
      }
      await refuse('bad-request', 'nothing may follow the hello').catch(() => {})
      stream.abort(new Error('the node sent a frame after its hello'))
    } catch (err) {
      if (isMalformed(err)) await refuse('bad-request', toError(err).message).catch(() => {})
      stream.abort(toError(err))
    }
  }

  await node.handle(INSTANCE_PROTOCOL, handle, { maxInboundStreams: MAX_INSTANCE_STREAMS_PER_CONNECTION })
  return {
    get streams () { return registry.streams },
    get copies () { return registry.copies },
    stop: async () => {
      shutdown.abort()
      await node.unhandle(INSTANCE_PROTOCOL)
      registry.clear()
    }
  }
}
