import { multiaddr } from '@multiformats/multiaddr'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { isRelayed, isWebRtc, markCarriesData } from '../kernel/connections.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Retry a failed upgrade after ~2 s, doubling to 60 s (plus jitter). */
export const UPGRADE_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 60_000 }
/** Give up on a peer's upgrade after this many failures in a row (until its next relayed connection). */
export const MAX_UPGRADE_ATTEMPTS = 8
/**
 * One WebRTC upgrade (signalling over the relayed connection + ICE) must finish
 * within this time, dial queue included. The attempt itself ends sooner: libp2p
 * bounds each address dial by its `addressDialTimeout` (6 s by default).
 */
export const UPGRADE_TIMEOUT_MS = 20_000
/** Peers with an upgrade in progress or scheduled, at most. */
export const MAX_UPGRADE_PEERS = 256
/**
 * A new direct WebRTC connection must carry one stream negotiation within
 * this time, or it is closed as dead (see {@link probeDirect}).
 */
export const PROBE_TIMEOUT_MS = 10_000
/** The protocol the probe negotiates: every Parley node runs the ping service. */
export const PROBE_PROTOCOL = '/ipfs/ping/1.0.0'

/**
 * Checks that a new direct WebRTC connection really carries data: opens a
 * stream and negotiates {@link PROBE_PROTOCOL} over it (both ways across the
 * data channel), then closes the stream. Resolves true when that works within
 * `timeoutMs`, false otherwise.
 *
 * Needed because @libp2p/webrtc's answering side can register a connection
 * whose ICE never connected: when the dialer gives up and its signalling
 * stream ends before ICE succeeds, the answerer stops waiting and upgrades
 * anyway (found by the NAT lab, tests/lab/). Such a connection looks direct,
 * takes every message and delivers none until the browser declares ICE
 * failed, or never.
 */
export async function probeDirect (connection: Pick<Connection, 'newStream'>, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  // its own timer: opening a stream on such a connection can wait for the data channel
  // without heeding the signal, until the connection itself fails
  const expired = new Promise<false>(resolve => {
    timer = setTimeout(() => {
      controller.abort(new Error(`no stream negotiated within ${timeoutMs} ms`))
      resolve(false)
    }, timeoutMs)
  })
  const attempt = (async (): Promise<boolean> => {
    try {
      const stream = await connection.newStream(PROBE_PROTOCOL, { signal: controller.signal })
      if (controller.signal.aborted) {
        stream.abort(new Error('probe timed out'))
        return false
      }
      await stream.close({ signal: controller.signal }).catch(() => { stream.abort(new Error('probe done')) })
      return true
    } catch {
      // refused or aborted: either way no data crossed it
      return false
    }
  })()
  try {
    return await Promise.race([attempt, expired])
  } finally {
    clearTimeout(timer)
  }
}

interface Attempt {
  attempts: number
  timer?: ReturnType<typeof setTimeout>
  running: boolean
}

export interface DirectUpgraderInit {
  /** upgrade only connections to these peers (contacts) */
  isContact(peerId: PeerId): Promise<boolean>
  /** a new direct WebRTC connection passed its probe and is now usable (connections.ts) */
  onUsable?(connection: Connection): void
}

/**
 * Connection policy (DESIGN.md §1): when a relayed connection to a contact
 * opens, dial the contact again over `/p2p-circuit/webrtc` to get a direct
 * WebRTC connection, and keep using that one. Only the side that dialled the
 * relayed connection upgrades, so the two peers never race each other. A
 * failed upgrade is retried with back-off while the relayed connection lasts;
 * chat keeps flowing over the relay meanwhile. When a direct connection closes
 * (for instance its host tab went away) while a relayed one remains, the
 * upgrade starts again.
 */
export class DirectUpgrader {
  readonly #node: Libp2p
  readonly #init: DirectUpgraderInit
  readonly #log: Logger
  readonly #peers = new Map<string, Attempt>()
  #stopped = false

  constructor (node: Libp2p, init: DirectUpgraderInit) {
    this.#node = node
    this.#init = init
    this.#log = node.logger.forComponent('parley:direct-upgrade')
    node.addEventListener('connection:open', this.#onOpen)
    node.addEventListener('connection:close', this.#onClose)
  }

  stop (): void {
    this.#stopped = true
    this.#node.removeEventListener('connection:open', this.#onOpen)
    this.#node.removeEventListener('connection:close', this.#onClose)
    for (const attempt of this.#peers.values()) clearTimeout(attempt.timer)
    this.#peers.clear()
  }

  /** Try again now for every peer that has only relayed connections (e.g. a new WebRTC host appeared). */
  retryAll (): void {
    for (const connection of this.#node.getConnections()) {
      if (this.#wantsUpgrade(connection)) {
        this.#peers.delete(connection.remotePeer.toString())
        this.#schedule(connection.remotePeer, 0)
      }
    }
  }

  readonly #onOpen = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    if (!isRelayed(connection) && isWebRtc(connection)) {
      this.#verify(connection)
      return
    }
    if (!this.#wantsUpgrade(connection)) return
    void this.#init.isContact(connection.remotePeer).then(contact => {
      if (!contact) return
      // a new relayed connection gives the peer a fresh set of attempts
      const previous = this.#peers.get(connection.remotePeer.toString())
      if (previous != null && !previous.running && previous.timer == null) this.#peers.delete(connection.remotePeer.toString())
      this.#schedule(connection.remotePeer, 0)
    }, (err: unknown) => { this.#log.error('contact lookup failed - %e', err) })
  }

  readonly #onClose = (evt: CustomEvent<Connection>): void => {
    const closed = evt.detail
    if (isRelayed(closed) || this.#stopped) return
    // a direct connection went away: upgrade again if we still have a relayed one we dialled
    const relayed = this.#node.getConnections(closed.remotePeer).find(c => this.#wantsUpgrade(c))
    if (relayed != null) {
      this.#peers.delete(closed.remotePeer.toString())
      this.#schedule(closed.remotePeer, 0)
    }
  }

  /**
   * Probes a new direct WebRTC connection ({@link probeDirect}): one that
   * carries a stream becomes usable; one that carries nothing is closed, and
   * chat stays on the relayed one.
   */
  #verify (connection: Connection): void {
    void probeDirect(connection).then(works => {
      if (this.#stopped || connection.status !== 'open') return
      if (works) {
        markCarriesData(connection)
        this.#init.onUsable?.(connection)
        return
      }
      this.#log.error('direct WebRTC connection to %p carries no data - closing it', connection.remotePeer)
      connection.abort(new Error(`The direct connection carried no data within ${PROBE_TIMEOUT_MS} ms.`))
    })
  }

  #wantsUpgrade (connection: Connection): boolean {
    if (connection.status !== 'open' || connection.direction !== 'outbound' || !isRelayed(connection)) return false
    return !this.#node.getConnections(connection.remotePeer).some(c => c.status === 'open' && !isRelayed(c))
  }

  #schedule (peerId: PeerId, delayMs: number): void {
    if (this.#stopped) return
    const key = peerId.toString()
    let attempt = this.#peers.get(key)
    if (attempt == null) {
      if (this.#peers.size >= MAX_UPGRADE_PEERS) return
      attempt = { attempts: 0, running: false }
      this.#peers.set(key, attempt)
    }
    if (attempt.running || attempt.timer != null || attempt.attempts >= MAX_UPGRADE_ATTEMPTS) return
    const current = attempt
    current.timer = setTimeout(() => {
      current.timer = undefined
      void this.#upgrade(peerId, current)
    }, delayMs)
  }

  async #upgrade (peerId: PeerId, attempt: Attempt): Promise<void> {
    const relayed = this.#node.getConnections(peerId).find(c => this.#wantsUpgrade(c))
    if (relayed == null) {
      // already direct, or the relayed connection is gone: nothing to do
      this.#peers.delete(peerId.toString())
      return
    }
    attempt.running = true
    try {
      await this.#node.dial(webRtcAddress(relayed.remoteAddr, peerId), { signal: AbortSignal.timeout(UPGRADE_TIMEOUT_MS) })
      this.#log('direct WebRTC connection to %p is up', peerId)
      this.#peers.delete(peerId.toString())
    } catch (err) {
      attempt.attempts++
      this.#log.error('WebRTC upgrade to %p failed (attempt %d) - %e', peerId, attempt.attempts, err)
      if (attempt.attempts < MAX_UPGRADE_ATTEMPTS) {
        attempt.running = false
        this.#schedule(peerId, backoffDelay(attempt.attempts - 1, UPGRADE_BACKOFF))
        return
      }
    }
    attempt.running = false
  }
}

/** `<relay>/p2p-circuit/p2p/<peer>` → `<relay>/p2p-circuit/webrtc/p2p/<peer>` */
export function webRtcAddress (circuitAddr: Multiaddr, peerId: PeerId): Multiaddr {
  const base = circuitAddr.toString().replace(new RegExp(`/p2p/${peerId.toString()}$`), '')
  return multiaddr(`${base}/webrtc/p2p/${peerId.toString()}`)
}
