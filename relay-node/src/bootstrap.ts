import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import type { Logger } from './log.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** First wait before dialling a bootstrap relay again after a failure (then doubling, with jitter). */
export const BOOTSTRAP_RETRY_MIN_MS = 1000
/** Longest wait between attempts. */
export const BOOTSTRAP_RETRY_MAX_MS = 5 * 60_000
/** A bootstrap dial gives up after this long. */
const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000

interface BootstrapPeer {
  address: string
  peer: PeerId
}

/**
 * Keeps a connection to each bootstrap relay-node: dials it at start, and
 * whenever it has no connection to it, again after a wait that doubles with
 * each failure (about 1 s up to 5 minutes, with jitter: the app's and the
 * relay's one keyed retry, @parley/protocol/scheduling) and resets once
 * connected. A relay-node started before its bootstrap peers, or whose peer
 * restarted, thereby joins the DHT without anyone's help. (libp2p's own
 * bootstrap module dials once; its reconnect queue gives up on WebSocket
 * addresses at the first failure.)
 */
export class BootstrapKeeper {
  readonly #peers: Map<string, BootstrapPeer>
  readonly #retry: KeyedRetry<string>
  #stopped = false

  constructor (private readonly node: Libp2p, addresses: string[], private readonly log: Logger, private readonly maxWaitMs = BOOTSTRAP_RETRY_MAX_MS) {
    this.#peers = new Map(addresses.map(address => [address, {
      address,
      peer: peerIdFromString(multiaddr(address).getComponents().findLast(c => c.name === 'p2p')?.value ?? '')
    }]))
    this.#retry = new KeyedRetry({
      backoff: { initialMs: BOOTSTRAP_RETRY_MIN_MS, maxMs: maxWaitMs },
      maxKeys: Math.max(1, this.#peers.size),
      unref: true,
      onDue: (address) => { void this.#dial(address) }
    })
    node.addEventListener('peer:disconnect', this.#onDisconnect)
    for (const address of this.#peers.keys()) this.#retry.plan(address, 0)
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    for (const { address, peer } of this.#peers.values()) {
      if (event.detail.equals(peer) && this.#retry.plan(address, BOOTSTRAP_RETRY_MIN_MS)) {
        this.log.info('lost the connection to a bootstrap relay; dialling it again', { peer, address })
      }
    }
  }

  async #dial (address: string): Promise<void> {
    const entry = this.#peers.get(address)
    if (this.#stopped || entry === undefined || this.node.getConnections(entry.peer).length > 0) return
    try {
      await this.node.dial(multiaddr(address), { signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) })
      const failures = this.#retry.failures(address)
      if (failures > 0) this.log.info('connected to the bootstrap relay again', { peer: entry.peer, address, failures })
      else this.log.info('connected to a bootstrap relay', { peer: entry.peer, address })
      this.#retry.succeeded(address)
    } catch (err) {
      if (this.#stopped) return
      const wait = this.#retry.failed(address)
      const failures = this.#retry.failures(address)
      // one warning when it starts failing and one each time the wait reaches its longest; the rest at debug
      const level = failures === 1 || BOOTSTRAP_RETRY_MIN_MS * 2 ** (failures - 1) >= this.maxWaitMs ? 'warn' : 'debug'
      this.log[level]('cannot reach a bootstrap relay; will try again', {
        peer: entry.peer,
        address,
        error: err instanceof Error ? err : String((err as { message?: unknown } | null)?.message ?? err),
        retryInMs: wait
      })
    }
  }

  stop (): void {
    this.#stopped = true
    this.node.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#retry.stop()
  }
}
