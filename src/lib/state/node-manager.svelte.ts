/**
 * The tab's handle on the node: owns the RPC client, mirrors the node's status
 * into a rune, passes the node's announced messages on, and gives the tab the
 * contract's typed `call` (lib/contract: one declaration per method, nothing
 * to add here for a new one). It holds no data of its own: screens read the
 * database with `live()`.
 */
import { UNKNOWN_CAPABILITIES } from '../contract/capabilities.ts'
import type { CallArgs, CallOptions, RpcClient } from '../rpc/client.ts'
import type { CallEvent, CallSignalEvent, GroupTypingEvent, IncomingMessageEvent, NodeContract, NodeMethod, NodeResult, NodeStatus, TypingEvent } from '../contract/index.ts'
import type { LinkView } from '../contract/link-types.ts'
import { handleError } from '../i18n/handle-error.ts'
import { t } from '../i18n/index.ts'

/**
 * What the manager needs of an RpcClient (tests pass a fake). `onReconnect`
 * exists where the node can move or restart (the dedicated-Worker fallback,
 * a SharedWorker that died: rpc/watched-port.ts): the client
 * then reconnects by itself, and the manager asks for the status again.
 */
export type NodeClient = Pick<RpcClient<NodeContract>, 'call' | 'on' | 'close'> & {
  onReconnect?: (cb: () => void) => () => void
}

/** Longest username, in characters (Unicode code points), after trimming. */
export const USERNAME_MAX_CHARS = 64

const INITIAL_STATUS: NodeStatus = Object.freeze({ phase: 'loading', addresses: [], relays: [], paths: {}, capabilities: UNKNOWN_CAPABILITIES, direct: {} })

/** Why `username` cannot be used, in words (the current language), or undefined when it can. */
export function validateUsername (username: string): string | undefined {
  const name = username.trim()
  if (name === '') {
    return t('errors.usernameEmpty')
  }
  if ([...name].length > USERNAME_MAX_CHARS) {
    return t('errors.usernameTooLong', { max: String(USERNAME_MAX_CHARS) })
  }
  return undefined
}

export class NodeManager {
  readonly #connect: () => NodeClient
  #client: NodeClient
  #offStatus: () => void
  #closed = false
  #status = $state.raw<NodeStatus>(INITIAL_STATUS)
  // listeners, not state: nothing renders from this set
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #messageListeners = new Set<(event: IncomingMessageEvent) => void>()
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #typingListeners = new Set<(event: TypingEvent) => void>()
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #groupTypingListeners = new Set<(event: GroupTypingEvent) => void>()
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #callListeners = new Set<(event: CallEvent) => void>()
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #callSignalListeners = new Set<(event: CallSignalEvent) => void>()
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #linkListeners = new Set<(event: LinkView) => void>()
  #connectionError = $state('')

  /**
   * Connects, subscribes to the node's status events and asks for the current
   * status. The node speaks codes, so it needs no language: the tab words
   * them (lib/i18n/error-text.ts) in whichever language it shows.
   */
  constructor (connect: () => NodeClient) {
    this.#connect = connect
    this.#client = connect()
    this.#offStatus = this.#subscribe(this.#client)
    void this.refresh()
  }

  #subscribe (client: NodeClient): () => void {
    const offStatus = client.on('status', (status) => {
      if (client === this.#client) this.#status = status
    })
    const offMessage = client.on('message', (event) => {
      if (client !== this.#client) return
      for (const listener of [...this.#messageListeners]) listener(event)
    })
    const offTyping = client.on('typing', (event) => {
      if (client !== this.#client) return
      for (const listener of [...this.#typingListeners]) listener(event)
    })
    const offGroupTyping = client.on('groupTyping', (event) => {
      if (client !== this.#client) return
      for (const listener of [...this.#groupTypingListeners]) listener(event)
    })
    const offCall = client.on('call', (event) => {
      if (client !== this.#client) return
      for (const listener of [...this.#callListeners]) listener(event)
    })
    const offCallSignal = client.on('callSignal', (event) => {
      if (client !== this.#client) return
      for (const listener of [...this.#callSignalListeners]) listener(event)
    })
    const offLink = client.on('link', (event) => {
      if (client !== this.#client) return
      for (const listener of [...this.#linkListeners]) listener(event)
    })
    const offReconnect = client.onReconnect?.(() => {
      if (client !== this.#client) return
      // the node may have moved to another worker: ask it where it stands
      void this.refresh()
    })
    return () => {
      offStatus()
      offMessage()
      offTyping()
      offGroupTyping()
      offCall()
      offCallSignal()
      offLink()
      offReconnect?.()
    }
  }

  /**
   * Drops the current RPC client and connects afresh, e.g. when the page comes
   * back from the back/forward cache (the old client closed on `pagehide`).
   */
  reconnect (): void {
    if (this.#closed) return
    this.#offStatus()
    this.#client.close()
    this.#client = this.#connect()
    this.#offStatus = this.#subscribe(this.#client)
    void this.refresh()
  }

  /** The node's last reported status; phase 'loading' until the node answers. */
  get status (): NodeStatus {
    return this.#status
  }

  /**
   * Calls `listener` for every message the node announces as it arrives
   * (before it is stored; see `IncomingMessageEvent`), across reconnects.
   * Returns the unsubscribe function.
   */
  onMessage (listener: (event: IncomingMessageEvent) => void): () => void {
    this.#messageListeners.add(listener)
    return () => { this.#messageListeners.delete(listener) }
  }

  /** Calls `listener` whenever a contact starts or stops typing to us (the node's `typing` event), across reconnects. */
  onTyping (listener: (event: TypingEvent) => void): () => void {
    this.#typingListeners.add(listener)
    return () => { this.#typingListeners.delete(listener) }
  }

  /** Calls `listener` whenever a member of a group starts or stops typing in it (the node's `groupTyping` event), across reconnects. */
  onGroupTyping (listener: (event: GroupTypingEvent) => void): () => void {
    this.#groupTypingListeners.add(listener)
    return () => { this.#groupTypingListeners.delete(listener) }
  }

  /** Calls `listener` whenever the call under way changes phase (the node's `call` event), across reconnects. */
  onCall (listener: (event: CallEvent) => void): () => void {
    this.#callListeners.add(listener)
    return () => { this.#callListeners.delete(listener) }
  }

  /** Calls `listener` with the contact's answer, offer or candidates (the node's `callSignal` event), across reconnects. */
  onCallSignal (listener: (event: CallSignalEvent) => void): () => void {
    this.#callSignalListeners.add(listener)
    return () => { this.#callSignalListeners.delete(listener) }
  }

  /** Calls `listener` whenever a link of a device moves on (the node's `link` event, issue 58), across reconnects. */
  onLink (listener: (event: LinkView) => void): () => void {
    this.#linkListeners.add(listener)
    return () => { this.#linkListeners.delete(listener) }
  }

  /**
   * Calls a method of the node contract (lib/contract): typed params and
   * result, the contract's timeout unless `options` give one.
   */
  async call<M extends NodeMethod>(method: M, ...args: CallArgs<NodeContract, M>): Promise<NodeResult<M>> {
    return this.#client.call(method, ...args)
  }

  /** Why the node could not be reached ('' when it could). */
  get connectionError (): string {
    return this.#connectionError
  }

  /**
   * Asks the node for its status. Results and events arrive in the order the
   * worker sent them (one MessagePort), so the last one applied is the newest.
   * Never rejects: a failure is kept in `connectionError`.
   */
  async refresh (): Promise<void> {
    const client = this.#client
    try {
      const status = await client.call('getStatus')
      if (this.#closed || client !== this.#client) return
      this.#status = status
      this.#connectionError = ''
    } catch (err) {
      if (this.#closed || client !== this.#client) return
      this.#connectionError = handleError(err, 'could not reach the node')
    }
  }

  /** Onboarding: creates the identity and profile, then the node starts. */
  async createProfile (username: string, options: CallOptions = {}): Promise<NodeStatus> {
    const status = await this.#client.call('createProfile', { username: username.trim() }, options)
    if (!this.#closed) this.#status = status
    return status
  }

  /** Restores an identity from a backup file; on success the node starts with it. */
  async importIdentity (file: Uint8Array, passphrase: string, options: CallOptions = {}): Promise<NodeStatus> {
    const status = await this.#client.call('importIdentity', { file, passphrase }, options)
    if (!this.#closed) this.#status = status
    return status
  }

  /** Unsubscribes, closes the RPC client and forgets the status. For tests and teardown. */
  reset (): void {
    if (this.#closed) return
    this.#closed = true
    this.#offStatus()
    this.#client.close()
    this.#messageListeners.clear()
    this.#typingListeners.clear()
    this.#groupTypingListeners.clear()
    this.#linkListeners.clear()
    this.#status = INITIAL_STATUS
    this.#connectionError = ''
  }
}

let instance: NodeManager | undefined
/** How this tab connects to its node: set once by the bootstrap (main.ts, src/node-connection.ts). */
let connector: (() => NodeClient) | undefined

/** The bootstrap, before the UI mounts: how `getNodeManager()` will connect to the node. */
export function useNodeConnection (connect: () => NodeClient): void {
  connector = connect
}

/** The tab's NodeManager, connecting to the node on first use (through what `useNodeConnection` was given). */
export function getNodeManager (): NodeManager {
  if (instance === undefined) {
    if (connector === undefined) throw new Error('parley: no node connection (main.ts calls useNodeConnection before mounting)')
    const manager = new NodeManager(connector)
    instance = manager
    window.addEventListener('pageshow', (event) => {
      // restored from the back/forward cache: the client closed itself on pagehide
      if (event.persisted && instance === manager) manager.reconnect()
    })
  }
  return instance
}

/** Tests: tears down the current manager; the next `getNodeManager()` uses `next` (or connects afresh). */
export function resetNodeManager (next?: NodeManager): void {
  instance?.reset()
  instance = next
}
