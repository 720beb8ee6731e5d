import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from './log.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

interface BootstrapEntry {
  address: string
  peer: PeerId
  /** wait after the next failure */
  wait: number
  failures: number
  timer?: ReturnType<typeof setTimeout>
}

/** First wait before dialling a bootstrap relay again after a failure. */
export const BOOTSTRAP_RETRY_MIN_MS = 1000
/** Longest wait between attempts (the wait doubles after each failure up to this). */
export const BOOTSTRAP_RETRY_MAX_MS = 5 * 60_000
/** A bootstrap dial gives up after this long. */
const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000

/**
 * Keeps a connection to each bootstrap relay-node: dials it at start, and
 * whenever it has no connection to it, again after a wait that doubles with
 * each failure (1 s up to 5 minutes) and resets once connected. A relay-node
 * started before its bootstrap peers, or whose peer restarted, thereby joins
 * the DHT without anyone's help. (libp2p's own bootstrap module dials once;
 * its reconnect queue gives up on WebSocket addresses at the first failure.)
 */
export class BootstrapKeeper {
  readonly #peers: BootstrapEntry[]
  #stopped = false

  constructor (private readonly node: Libp2p, addresses: string[], private readonly log: Logger) {
    this.#peers = addresses.map(address => ({
      address,
      peer: peerIdFromString(multiaddr(address).getComponents().findLast(c => c.name === 'p2p')?.value ?? ''),
      wait: BOOTSTRAP_RETRY_MIN_MS,
      failures: 0
    }))
    node.addEventListener('peer:disconnect', this.#onDisconnect)
    for (const entry of this.#peers) this.#schedule(entry, 0)
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    for (const entry of this.#peers) {
      if (event.detail.equals(entry.peer) && entry.timer == null) {
        this.log.info('lost the connection to a bootstrap relay; dialling it again', { peer: entry.peer, address: entry.address })
        this.#schedule(entry, BOOTSTRAP_RETRY_MIN_MS)
      }
    }
  }

  #schedule (entry: BootstrapEntry, delay: number): void {
    if (this.#stopped) return
    entry.timer = setTimeout(() => {
      entry.timer = undefined
      void this.#dial(entry)
    }, delay)
    entry.timer.unref()
  }

  async #dial (entry: BootstrapEntry): Promise<void> {
    if (this.#stopped || this.node.getConnections(entry.peer).length > 0) return
    try {
      await this.node.dial(multiaddr(entry.address), { signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) })
      if (entry.failures > 0) this.log.info('connected to the bootstrap relay again', { peer: entry.peer, address: entry.address, failures: entry.failures })
      else this.log.info('connected to a bootstrap relay', { peer: entry.peer, address: entry.address })
      entry.wait = BOOTSTRAP_RETRY_MIN_MS
      entry.failures = 0
    } catch (err) {
      if (this.#stopped) return
      entry.failures++
      // one warning when it starts failing and one each time the wait reaches its longest; the rest at debug
      const level = entry.failures === 1 || entry.wait === BOOTSTRAP_RETRY_MAX_MS ? 'warn' : 'debug'
      this.log[level]('cannot reach a bootstrap relay; will try again', {
        peer: entry.peer,
        address: entry.address,
        error: err instanceof Error ? err : String((err as { message?: unknown } | null)?.message ?? err),
        retryInMs: entry.wait
      })
      this.#schedule(entry, entry.wait)
      entry.wait = Math.min(entry.wait * 2, BOOTSTRAP_RETRY_MAX_MS)
    }
  }

  stop (): void {
    this.#stopped = true
    this.node.removeEventListener('peer:disconnect', this.#onDisconnect)
    for (const entry of this.#peers) clearTimeout(entry.timer)
  }
}
