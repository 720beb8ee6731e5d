import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { backoffDelay } from './backoff.ts'
import type { BackoffOptions } from './backoff.ts'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** First retry after ~1 s, then doubling, capped at 30 s so a restarted relay is found again quickly. */
export const RELAY_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 }
/** One dial attempt to a relay gives up after this long. */
export const RELAY_DIAL_TIMEOUT_MS = 10_000
/** More configured relays than this are ignored (the served config is bounded too). */
export const MAX_RELAYS = 16

interface RelayEntry {
  addr: Multiaddr
  peerId: PeerId | undefined
  attempt: number
  timer?: ReturnType<typeof setTimeout>
  dialing: boolean
}

export interface RelayKeeperEvents {
  onDialResult?(addr: string, result: { ok: true, rtt?: number } | { ok: false, error: string }): void
}

/**
 * Keeps a connection open to every configured relay. The circuit relay
 * transport (listening on `/p2p-circuit`) reserves a slot on any connected
 * relay by itself; this class only makes sure there is a connection: it dials
 * at start, and re-dials with back-off whenever a relay connection closes or a
 * dial fails. A relay that is down therefore never fails start-up.
 */
export class RelayKeeper {
  readonly #node: Libp2p
  readonly #log: Logger
  readonly #entries: RelayEntry[]
  readonly #events: RelayKeeperEvents
  #stopped = false

  constructor (node: Libp2p, relays: string[], events: RelayKeeperEvents = {}) {
    this.#node = node
    this.#log = node.logger.forComponent('parley:relay-keeper')
    this.#events = events
    this.#entries = relays.slice(0, MAX_RELAYS).map(str => {
      const addr = multiaddr(str)
      return { addr, peerId: peerIdOf(addr), attempt: 0, dialing: false }
    })
    node.addEventListener('peer:disconnect', this.#onDisconnect)
  }

  start (): void {
    for (const entry of this.#entries) this.#dial(entry)
  }

  stop (): void {
    this.#stopped = true
    this.#node.removeEventListener('peer:disconnect', this.#onDisconnect)
    for (const entry of this.#entries) clearTimeout(entry.timer)
  }

  /** Re-dial every relay that is not connected now (e.g. the browser came back online). */
  retryNow (): void {
    for (const entry of this.#entries) {
      if (!this.#connected(entry)) {
        clearTimeout(entry.timer)
        entry.attempt = 0
        this.#dial(entry)
      }
    }
  }


  #connected (entry: RelayEntry): boolean {
    return entry.peerId != null && this.#node.getConnections(entry.peerId).length > 0
  }

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    if (this.#stopped) return
    // every address of that relay: if one transport is down, another may work
    for (const entry of this.#entries.filter(e => e.peerId?.equals(evt.detail) === true)) {
      this.#log('relay %a disconnected, re-dialing', entry.addr)
      this.#schedule(entry)
    }
  }

  #schedule (entry: RelayEntry): void {
    if (this.#stopped || entry.dialing || entry.timer != null) return
    const delay = backoffDelay(entry.attempt, RELAY_BACKOFF)
    entry.attempt++
    entry.timer = setTimeout(() => {
      entry.timer = undefined
      this.#dial(entry)
    }, delay)
  }

  #dial (entry: RelayEntry): void {
    if (this.#stopped || entry.dialing) return
    entry.dialing = true
    const started = Date.now()
    this.#node.dial(entry.addr, { signal: AbortSignal.timeout(RELAY_DIAL_TIMEOUT_MS) })
      .then(connection => {
        entry.dialing = false
        entry.attempt = 0
        entry.peerId ??= connection.remotePeer
        this.#events.onDialResult?.(entry.addr.toString(), { ok: true, rtt: Date.now() - started })
      }, (err: Error) => {
        entry.dialing = false
        this.#log.error('could not dial relay %a - %e', entry.addr, err)
        this.#events.onDialResult?.(entry.addr.toString(), { ok: false, error: err.message })
        this.#schedule(entry)
      })
  }
}

function peerIdOf (addr: Multiaddr): PeerId | undefined {
  const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value
  return id == null ? undefined : peerIdFromString(id)
}
