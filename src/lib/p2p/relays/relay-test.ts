import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection, IdentifyResult, Libp2p, ServiceMap } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import { errorClass } from '../../contract/errors.ts'

/**
 * Testing a relay (Network panel → Test): dial it, check it is a relay-node
 * (it speaks circuit relay v2 hop), and measure a round trip. Each failure
 * gets its own error class and a code the tab words as a sentence a user can act on.
 */

/** A whole test (dial, identify, ping) gives up after this long: a relay that needs more is no use for chat. */
export const RELAY_TEST_TIMEOUT_MS = 10_000

/** Nothing answered at that address (refused, closed, no route, or the browser refused to dial it): `relayTestDialFailed`, `relayTestClosed`. */
export const RelayUnreachableError = errorClass('RelayUnreachableError')
/** Something answered, but with another PeerID than the address names: `relayTestWrongPeer`. */
export const WrongRelayPeerError = errorClass('WrongRelayPeerError')
/** The relay did not finish within the test's time: `relayTestDialTimeout`, `relayTestAnswerTimeout`. */
export const RelayTestTimeoutError = errorClass('RelayTestTimeoutError')
/** A libp2p peer answered, but it does not relay (no circuit relay v2 hop protocol): `relayTestNotARelay`. */
export const NotARelayError = errorClass('NotARelayError')
/**
 * Our own node already has as many ping streams open to the relay as its ping
 * service allows (a test pressed again, the connection monitor's ping): not the
 * relay's doing, `relayTestBusy`.
 */
export const RelayTestBusyError = errorClass('RelayTestBusyError')

export interface RelayTestOptions {
  /** the caller's cancel (an AbortError comes back as is) */
  signal?: AbortSignal
  /** default {@link RELAY_TEST_TIMEOUT_MS} */
  timeoutMs?: number
}

export interface RelayTestResult {
  /** round-trip time in ms (ping; the dial's handshake when the relay has no ping) */
  rtt: number
}

/**
 * Dials `address`, checks the peer speaks circuit relay v2 hop, and pings it.
 * An open connection to that peer is reused; a connection the test opens
 * stays open (the caller closes it when it does not keep that relay).
 *
 * @throws RelayUnreachableError, WrongRelayPeerError, RelayTestTimeoutError,
 *   NotARelayError, RelayTestBusyError, each with a code saying what happened; or the caller's
 *   `signal.reason` when it aborts.
 */
export async function testRelay<S extends ServiceMap & { ping: Ping }> (node: Libp2p<S>, address: string, options: RelayTestOptions = {}): Promise<RelayTestResult> {
  const timeoutMs = options.timeoutMs ?? RELAY_TEST_TIMEOUT_MS
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  const ma = multiaddr(address)
  const peerId = ma.getComponents().findLast(c => c.name === 'p2p')?.value ?? ''
  const seconds = Math.round(timeoutMs / 100) / 10

  const fail = (err: unknown, stage: 'dial' | 'answer'): Error => {
    // an AbortError the tab does not show: the user cancelled
    if (options.signal?.aborted === true) return options.signal.reason instanceof Error ? options.signal.reason : new DOMException('The test was cancelled', 'AbortError')
    if (timeout.aborted) {
      return new RelayTestTimeoutError(stage === 'dial' ? 'relayTestDialTimeout' : 'relayTestAnswerTimeout', { seconds })
    }
    if (someError(err, isWrongPeer)) {
      return new WrongRelayPeerError('relayTestWrongPeer', { peerId: shorten(peerId) })
    }
    if (someError(err, e => e.name === 'TooManyOutboundProtocolStreamsError')) {
      return new RelayTestBusyError('relayTestBusy')
    }
    return new RelayUnreachableError(stage === 'dial' ? 'relayTestDialFailed' : 'relayTestClosed', { reason: reasonOf(err) })
  }

  // libp2p identifies every new connection by itself (and a peer may refuse a
  // second identify stream at once), so the test listens for that result
  // instead of asking again; listening starts before the dial so it cannot be missed
  const identified = new IdentifyWatch(node, peerId)
  try {
    const reused = node.getConnections().some(c => c.remotePeer.toString() === peerId && c.status === 'open')
    const dialStarted = Date.now()
    let connection: Connection
    try {
      connection = await node.dial(ma, { signal })
    } catch (err) {
      throw fail(err, 'dial')
    }
    const dialMs = Date.now() - dialStarted

    let protocols: string[]
    try {
      protocols = await identified.protocols(connection, reused, signal)
    } catch (err) {
      throw fail(err, 'answer')
    }
    if (!protocols.includes(RELAY_V2_HOP_CODEC)) {
      throw new NotARelayError('relayTestNotARelay')
    }

    try {
      return { rtt: await node.services.ping.ping(connection.remotePeer, { signal }) }
    } catch (err) {
      // a relay written elsewhere may leave ping out: the dial's handshake was round trips too
      if (someError(err, e => e.name === 'UnsupportedProtocolError')) return { rtt: dialMs }
      throw fail(err, 'answer')
    }
  } finally {
    identified.stop()
  }
}

/**
 * The protocols a peer announced in identify, per connection, heard from
 * the node's `peer:identify` events while the test runs.
 */
class IdentifyWatch {
  readonly #node: Libp2p
  readonly #peerId: string
  readonly #seen = new Map<string, string[]>()
  #wake?: () => void

  constructor (node: Libp2p, peerId: string) {
    this.#node = node
    this.#peerId = peerId
    node.addEventListener('peer:identify', this.#onIdentify)
  }

  stop (): void {
    this.#node.removeEventListener('peer:identify', this.#onIdentify)
    this.#wake = undefined
  }

  /**
   * The protocols announced on `connection`. A connection that was open
   * before the test was identified long ago: the peer store has them. Else
   * waits for its identify (until `signal` aborts).
   */
  async protocols (connection: Connection, reused: boolean, signal: AbortSignal): Promise<string[]> {
    if (reused) {
      const known = await this.#node.peerStore.get(connection.remotePeer).then(peer => peer.protocols, () => [])
      if (known.length > 0) return known
    }
    for (;;) {
      const seen = this.#seen.get(connection.id)
      if (seen !== undefined) return seen
      signal.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { reject(signal.reason) }
        signal.addEventListener('abort', onAbort, { once: true })
        this.#wake = () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
      })
    }
  }

  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.peerId.toString() !== this.#peerId) return
    // one entry per connection of this one peer: a handful at most
    this.#seen.set(evt.detail.connection.id, evt.detail.protocols)
    this.#wake?.()
  }
}

/** True when `err`, an error it aggregates (a few), or its cause (a few levels down) passes `test`. */
function someError (err: unknown, test: (e: { name: string, message: string }) => boolean, depth = 0): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false
  const { name, message, errors, cause } = err as { name?: unknown, message?: unknown, errors?: unknown, cause?: unknown }
  if (test({ name: typeof name === 'string' ? name : '', message: typeof message === 'string' ? message : '' })) return true
  if (Array.isArray(errors) && errors.slice(0, 8).some(e => someError(e, test, depth + 1))) return true
  return someError(cause, test, depth + 1)
}

/**
 * Noise found another key than the address's PeerID. @libp2p/noise throws
 * UnexpectedPeerError, which libp2p's upgrader re-wraps as
 * EncryptionFailedError keeping only the message.
 */
function isWrongPeer (e: { name: string, message: string }): boolean {
  return e.name === 'UnexpectedPeerError' || /does not match expected remote identity key/.test(e.message)
}

/** The first error's message, short, for the end of a sentence. */
function reasonOf (err: unknown): string {
  const inner = (err as { errors?: unknown } | null)?.errors
  const first = Array.isArray(inner) && inner.length > 0 ? inner[0] as unknown : err
  const message = first instanceof Error && first.message !== '' ? first.message : String(first)
  return message.length > 160 ? `${message.slice(0, 157)}…` : message
}

function shorten (peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId
}
