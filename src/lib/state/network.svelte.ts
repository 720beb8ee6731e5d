/**
 * The Network panel's state: the node's network snapshot (own addresses,
 * reachability, DHT, connections, relays), kept fresh while the panel is
 * open, and the relay actions (add, test, enable/disable, remove) with what
 * each came to. The screen renders it and words the snapshot.
 *
 * ```ts
 * const network = new NetworkManager(getNodeManager())
 * $effect(() => { network.start(); return () => { network.reset() } })
 * ```
 */
import { untrack } from 'svelte'
import { t } from '../i18n/index.ts'
import type { NetworkSnapshot, RelayInfo } from '../contract/index.ts'
import { errorMessage, handleError, isErrorNamed } from '../i18n/handle-error.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/**
 * While the panel is open it asks the node for a fresh snapshot this often,
 * one request at a time (and at once after every action and status event):
 * RTTs, failures and connections change without a status event.
 */
export const NETWORK_POLL_MS = 2_000

/** What an address looks like (placeholder and hint): a multiaddr, the same in every language. */
export const EXAMPLE_ADDRESS = '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…'

/** What the panel needs of the node. */
export type NetworkNode = Pick<NodeManager, 'status' | 'call'>

/** Calls `listener` at once and after every status event, until the function it returns is called. */
export type StatusFollower = (listener: () => void) => () => void

/** Follows the node's status rune with an effect of its own (an `$effect.root`, so it works outside components). */
function followStatus (node: Pick<NodeManager, 'status'>): StatusFollower {
  return (listener) => $effect.root(() => {
    $effect(() => {
      void node.status
      untrack(listener)
    })
  })
}

export interface NetworkManagerInit {
  /** how often to ask for a snapshot while started (NETWORK_POLL_MS) */
  pollMs?: number
  /** how status events reach the manager (unit tests replace it: Vitest compiles rune modules for the server, where effects never run) */
  followStatus?: StatusFollower
}

/**
 * A sentence with data in it (an address, a PeerID, a name): the template
 * from `t()` with those placeholders unfilled, and their values, shown by
 * Template.svelte with `translate="no"` on each value.
 */
export interface Sentence {
  text: string
  values: Readonly<Record<string, string>>
}

export const NO_SENTENCE: Sentence = { text: '', values: {} }

/** What the last test or action on a relay came to. */
export interface Outcome {
  ok: boolean
  text: string
}

/** The node's refusal of an address it cannot use (db/relays.ts), which the screen shows next to the field. */
const INVALID_ADDRESS = 'InvalidRelayAddressError'

export class NetworkManager {
  readonly #node: NetworkNode
  readonly #pollMs: number
  readonly #followStatus: StatusFollower

  #snapshot = $state.raw<NetworkSnapshot | undefined>(undefined)
  #loadError = $state('')
  readonly #relays: readonly RelayInfo[] = $derived(this.#snapshot?.relays ?? [])

  #address = $state('')
  #addProblem = $state.raw<Sentence>(NO_SENTENCE)
  #addError = $state('')
  #addDone = $state.raw<Sentence>(NO_SENTENCE)
  #addBusy = $state(false)

  /** The last test or action outcome per relay address (pruned to the listed relays). */
  #outcomes = $state.raw<Readonly<Record<string, Outcome>>>({})
  #busy = $state.raw<Readonly<Record<string, boolean>>>({})
  #listDone = $state.raw<Sentence>(NO_SENTENCE)

  // ---- polling: at most one getNetwork in flight; a refresh asked for meanwhile runs once after it
  #timer: ReturnType<typeof setInterval> | undefined
  /** Ends the status subscription. */
  #stopFollowing: (() => void) | undefined
  /** Aborted by `stop`: the calls in flight give up, and their answers are ignored. */
  #controller = new AbortController()
  #inFlight = false
  #again = false

  constructor (node: NetworkNode, init: NetworkManagerInit = {}) {
    this.#node = node
    this.#pollMs = init.pollMs ?? NETWORK_POLL_MS
    this.#followStatus = init.followStatus ?? followStatus(node)
  }

  /** The node's last snapshot; undefined until the first one (kept when a later request fails). */
  get snapshot (): NetworkSnapshot | undefined {
    return this.#snapshot
  }

  /** Why the last snapshot request failed, in words; '' after one that worked. */
  get loadError (): string {
    return this.#loadError
  }

  /** The relays of the last snapshot. */
  get relays (): readonly RelayInfo[] {
    return this.#relays
  }

  /** The relay address being typed. */
  get address (): string {
    return this.#address
  }

  set address (text: string) {
    this.#address = text
  }

  /** What is wrong with the address, found here before anything is sent (shown next to the field). */
  get addProblem (): Sentence {
    return this.#addProblem
  }

  /** Why the node refused to add the relay, in words. */
  get addError (): string {
    return this.#addError
  }

  /** The relay just added. */
  get addDone (): Sentence {
    return this.#addDone
  }

  /** A relay is being added. */
  get addBusy (): boolean {
    return this.#addBusy
  }

  /** The last test or action outcome per relay address. */
  get outcomes (): Readonly<Record<string, Outcome>> {
    return this.#outcomes
  }

  /** The relay addresses with an action under way. */
  get busy (): Readonly<Record<string, boolean>> {
    return this.#busy
  }

  /** What the last removal did to the list. */
  get listDone (): Sentence {
    return this.#listDone
  }

  /**
   * Starts asking for snapshots: at once, every `pollMs`, and on every status
   * event of the node (reservations, addresses, paths). Returns `stop`.
   */
  start (): () => void {
    if (this.#timer === undefined) {
      if (this.#controller.signal.aborted) this.#controller = new AbortController()
      this.#timer = setInterval(() => { void this.refresh() }, this.#pollMs)
      this.#stopFollowing = this.#followStatus(() => { void this.refresh() })
    }
    return () => { this.stop() }
  }

  /** Stops asking; the calls in flight (a snapshot, a relay test) are aborted. */
  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#stopFollowing?.()
    this.#stopFollowing = undefined
    this.#controller.abort()
  }

  /** Stops, and forgets the snapshot, the form and every outcome. */
  reset (): void {
    this.stop()
    this.#snapshot = undefined
    this.#loadError = ''
    this.#address = ''
    this.#addProblem = NO_SENTENCE
    this.#addError = ''
    this.#addDone = NO_SENTENCE
    this.#addBusy = false
    this.#outcomes = {}
    this.#busy = {}
    this.#listDone = NO_SENTENCE
  }

  /**
   * Asks for a fresh snapshot while started. One request at a time: asked
   * for while one is in flight, it runs once more after it. A failure keeps
   * the last snapshot and says why in `loadError`.
   */
  async refresh (): Promise<void> {
    const { signal } = this.#controller
    if (this.#timer === undefined || signal.aborted) return
    if (this.#inFlight) {
      this.#again = true
      return
    }
    this.#inFlight = true
    try {
      do {
        this.#again = false
        const next = await this.#node.call('getNetwork', undefined, { signal })
        if (signal.aborted) return
        this.#snapshot = next
        this.#loadError = ''
        this.#forgetUnlisted(next.relays)
      } while (this.#again && !signal.aborted)
    } catch (err) {
      if (!signal.aborted) this.#loadError = handleError(err, 'getNetwork')
    } finally {
      this.#inFlight = false
    }
  }

  /**
   * Adds the relay at `address`. The node checks it (db/relays.ts, where the
   * rules live: the tab does not carry them); what is wrong with an address
   * shows next to the field, any other refusal below the form.
   *
   * @returns false when the address itself was refused (the screen focuses the field)
   */
  async add (): Promise<boolean> {
    if (this.#addBusy) return true
    this.#addDone = NO_SENTENCE
    this.#addError = ''
    const text = this.#address.trim()
    this.#addProblem = text === '' ? { text: t('network.enterAddress'), values: { example: EXAMPLE_ADDRESS } } : NO_SENTENCE
    if (text === '') return false
    this.#addBusy = true
    try {
      await this.#node.call('addRelay', { multiaddr: text })
      this.#address = ''
      this.#addDone = { text: t('network.added'), values: { address: text } }
      void this.refresh()
    } catch (err) {
      if (isErrorNamed(err, INVALID_ADDRESS)) {
        this.#addProblem = { text: errorMessage(err), values: {} }
        return false
      }
      this.#addError = handleError(err, 'addRelay')
    } finally {
      this.#addBusy = false
    }
    return true
  }

  /** Dials and pings the relay; its outcome says the round trip, or why it failed. */
  async test (relay: RelayInfo): Promise<void> {
    await this.#act(relay, async () => {
      this.#setOutcome(relay, { ok: true, text: t('network.testing') })
      const { rtt } = await this.#node.call('testRelay', { multiaddr: relay.multiaddr }, { signal: this.#controller.signal })
      return { ok: true, text: t('network.works', { rtt: Math.round(rtt) }) }
    })
  }

  /** Disables an active relay, enables a disabled one. */
  async toggle (relay: RelayInfo): Promise<void> {
    await this.#act(relay, async () => {
      await this.#node.call('setRelayActive', { multiaddr: relay.multiaddr, active: !relay.active })
      return undefined
    })
  }

  /** Removes the relay (a shipped default is disabled instead); `listDone` says which. */
  async remove (relay: RelayInfo): Promise<void> {
    await this.#act(relay, async () => {
      const { outcome } = await this.#node.call('removeRelay', { multiaddr: relay.multiaddr })
      this.#listDone = { text: t(outcome === 'removed' ? 'network.removed' : 'network.disabledDefault'), values: { address: relay.multiaddr } }
      return undefined
    })
  }

  /** One action per relay at a time; its outcome (or failure in words) is kept, then the snapshot refreshed. */
  async #act (relay: RelayInfo, action: () => Promise<Outcome | undefined>): Promise<void> {
    if (this.#busy[relay.multiaddr] === true) return
    this.#busy = { ...this.#busy, [relay.multiaddr]: true }
    this.#listDone = NO_SENTENCE
    try {
      this.#setOutcome(relay, await action())
    } catch (err) {
      const text = handleError(err, 'relay action')
      if (text !== '') this.#setOutcome(relay, { ok: false, text })
    } finally {
      const rest = { ...this.#busy }
      delete rest[relay.multiaddr]
      this.#busy = rest
      void this.refresh()
    }
  }

  #setOutcome (relay: RelayInfo, outcome: Outcome | undefined): void {
    const next = { ...this.#outcomes }
    if (outcome === undefined) delete next[relay.multiaddr]
    else next[relay.multiaddr] = outcome
    this.#outcomes = next
  }

  /** Drops outcomes of relays no longer listed, so the record is never larger than the list. */
  #forgetUnlisted (listed: readonly RelayInfo[]): void {
    const kept = Object.entries(this.#outcomes).filter(([key]) => listed.some((r) => r.multiaddr === key))
    if (kept.length !== Object.keys(this.#outcomes).length) this.#outcomes = Object.fromEntries(kept)
  }
}
