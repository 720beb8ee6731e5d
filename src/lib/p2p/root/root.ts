/**
 * The composition root: it creates the node's features (features.ts) around
 * one components object (components.ts), binds the contract's methods to
 * their handlers (handlers.ts), makes libp2p with their protocols
 * (libp2p.ts), and runs their lifecycle. It holds no behaviour of its own.
 */
import { defaultLogger } from '@libp2p/logger'
import { DEFAULT_MAX_FILE_BYTES } from '@parley/protocol/file/constants'
import { TypedEventEmitter } from 'main-event'
import { nodeContract } from '../../contract/index.ts'
import { InvalidParamsError, toErrorShape } from '../../contract/errors.ts'
import { SchemaError } from '../../contract/schema.ts'
import { createComponents } from './components.ts'
import { FEATURES } from './features.ts'
import { nodeHandlers } from './handlers.ts'
import { createLibp2pNode } from './libp2p.ts'
import { Capabilities } from '../kernel/capabilities.ts'
import { StatusBoard } from '../kernel/status.ts'
import { WriterLock } from '../kernel/writer-lock.ts'
import { NodeNotReadyError } from '../kernel/errors.ts'
import { KeyStoreUnavailableError, openVault } from '../../db/keyring.ts'
import { eraseLocalData } from '../../db/erase.ts'
import { eraseOpfsFiles } from '../../files/chunk-store.ts'
import type { CallArgsOf, NodeContract, TabCapabilities, NodeHandlers, NodeMethod, NodeParams, NodeResult, NodeStatus } from '../../contract/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { AppConfig } from '../kernel/app-config.ts'
import type { NodeComponents } from './components.ts'
import type { FeatureProtocols } from './features.ts'
import type { ParleyEvents } from '../kernel/events.ts'
import type { ParleyNode } from './libp2p.ts'
import type { WriterLockInit, WriterRefusal } from '../kernel/writer-lock.ts'
import type { ComponentLogger, Libp2p, PrivateKey, ServiceMap, Startable } from '@libp2p/interface'
import type { ServiceFactoryMap } from 'libp2p'
import type { ICryptoInterface } from '@libp2p/noise'

/** Why a node does not run: another writes the database, the browser cannot keep its keys sealed, the account removed this device, or the worker starts again. */
type NodeRefusal = WriterRefusal | 'keyStoreUnavailable' | 'deviceRemoved' | 'restarting'

export interface NodeRootInit {
  db: ParleyDb
  /** the app's origin, for invite links */
  origin: string
  /** resolves the served app config; called once the profile exists */
  loadConfig(): Promise<AppConfig>
  /**
   * The one-writer lock (kernel/writer-lock.ts), taken before the database
   * is read: its Web Locks, this build and the announcement channel (the
   * database's name comes from `db`).
   */
  writer: Omit<WriterLockInit, 'database'>
  logger?: ComponentLogger
  /**
   * Starts the worker again (Kernel.restart): called once the node stopped
   * and let go of the database. The worker closes itself, and its tabs start
   * a new one; without it (tests) the node stays stopped.
   */
  restart?: () => void
  /**
   * Noise's crypto, where not noise's own: the tests' app nodes in Node pass
   * `withNativeX25519(defaultCrypto)` (@parley/protocol/noise-x25519, which
   * relay-node uses), the same X25519 without importing keys from DER
   */
  noiseCrypto?: ICryptoInterface
  /** ParleyNodeInit.iceBindAddress: the tests' app nodes in Node pass 127.0.0.1 */
  iceBindAddress?: string
}

/** Methods a node that does not run (refused, or stepped down) still answers: the tab learns why from its status. */
const WHILE_STOPPED = new Set<string>(['getStatus'])
/** And on a device its account removed, which holds the database still: what Settings shows, and erasing. */
const WHILE_REMOVED = new Set<string>(['getDevices', 'eraseDevice'])

export class NodeRoot {
  readonly components: NodeComponents
  /** the contract's methods (what the RPC server serves) */
  readonly handlers: NodeHandlers
  readonly #services: Startable[] = []
  /** each feature's libp2p protocols, made with the node */
  readonly #protocols: Array<() => object> = []
  #starting?: Promise<void>
  /** the services started, in start order */
  #running: Startable[] = []
  #libp2pRunning = false
  readonly #writer: WriterLock
  /** why this node does not run, once it refused to start or stepped down */
  #stopped: NodeRefusal | undefined

  constructor (init: NodeRootInit) {
    this.#writer = new WriterLock({ ...init.writer, database: init.db.name })
    const events = new TypedEventEmitter<ParleyEvents>()
    const components = createComponents({
      db: init.db,
      logger: init.logger ?? defaultLogger(),
      events,
      origin: init.origin,
      served: { maxFileBytes: DEFAULT_MAX_FILE_BYTES },
      kernel: {
        startNetwork: async () => this.#startNetwork(init),
        createBareNode: async (privateKey, protocols) => this.#createBareNode(init, privateKey, protocols),
        eraseDevice: async () => this.#erase(),
        restart: async (work) => { await this.#restart(init, work) }
      }
    })
    components.capabilities = new Capabilities(components)
    components.status = new StatusBoard(components, { capabilities: components.capabilities.current })
    const handlers: Array<Partial<NodeHandlers> | undefined> = []
    for (const feature of FEATURES) {
      const parts = feature.create(components)
      for (const name of Object.keys(parts.services)) {
        if (name in components) throw new Error(`the feature "${feature.name}" names a component "${name}" the node has already`)
      }
      Object.assign(components, parts.services)
      this.#services.push(...Object.values(parts.services).filter(isStartable))
      handlers.push(parts.handlers)
      if (parts.protocols !== undefined) this.#protocols.push(parts.protocols)
    }
    this.components = components
    this.handlers = this.#guarded(nodeHandlers(handlers))
    events.addEventListener('devices:removed', () => {
      this.#removed().catch((err: unknown) => { components.logger.forComponent('parley:root').error('stopping a removed device failed - %e', err) })
    })
  }

  /** What tabs hear: `status` and `message` (kernel/events.ts). */
  get events (): NodeComponents['events'] {
    return this.components.events
  }

  get status (): NodeStatus {
    return this.components.status.current
  }

  /** The libp2p node, once it exists. */
  get libp2p (): ParleyNode | undefined {
    return 'libp2p' in this.components ? this.components.libp2p : undefined
  }

  /** Why this node does not run (it refused to start, or stepped down for a newer build); undefined while it may. */
  get stopped (): NodeRefusal | undefined {
    return this.#stopped
  }

  /**
   * Takes the one-writer lock, then reads the identity and, when there is
   * one, starts the network. Without the lock the node does not start: its
   * status says why (phase 'stopped') and every method but the status
   * refuses, so nothing of it writes to the database. Then the vault's key
   * is unwrapped for the node's life (db/keyring.ts): where the browser
   * cannot keep it, the node does not start either, rather than store
   * secrets plain.
   */
  async start (): Promise<void> {
    const { identity, status } = this.components
    const refusal = await this.#writer.acquire(async () => { await this.#stepDown() })
    if (refusal !== undefined) {
      this.#refuse(refusal)
      return
    }
    try {
      await openVault(this.components.db)
      const profile = await identity.load()
      // stepped down meanwhile for a newer build: it has the database now
      if (this.#stopped !== undefined) return
      if (profile == null) {
        status.update({ phase: 'needs-profile' })
        return
      }
      if ((await this.components.db.account.get(1))?.removed !== undefined) {
        this.#refuse('deviceRemoved', { name: profile.username })
        return
      }
    } catch (err) {
      if (this.#stopped !== undefined) return
      if (err instanceof KeyStoreUnavailableError) {
        this.#refuse('keyStoreUnavailable')
        return
      }
      status.update({ phase: 'offline', error: { code: 'databaseUnavailable', params: { reason: (err as Error).message } } })
      throw err
    }
    await this.components.kernel.startNetwork()
  }

  async stop (): Promise<void> {
    await this.#starting?.catch(() => {})
    await this.#stopRunning()
    // a new device's link runs before the network starts (a node of its own): it stops here too
    await this.components.links.stop()
    this.#writer.close()
  }

  /** A newer build claimed the database: stop, close it (so the newer one may upgrade it), and say so; the lock goes after this. */
  async #stepDown (): Promise<void> {
    this.#stopped = 'newerVersionRunning'
    await this.#starting?.catch(() => {})
    await this.#stopRunning()
    this.components.db.close()
    this.components.db.vault.lock()
    this.#refuse('newerVersionRunning')
  }

  /** Kernel.restart: stop everything, run `work` under the writer lock, let go of it, say so, and have the worker start again. */
  async #restart (init: NodeRootInit, work: () => Promise<void>): Promise<void> {
    this.#stopped = 'restarting'
    await this.#starting?.catch(() => {})
    await this.#stopRunning()
    await this.components.links.stop()
    try {
      await work()
    } finally {
      this.#writer.close()
      this.#refuse('restarting')
      init.restart?.()
    }
  }

  #refuse (code: NodeRefusal, params: Record<string, string> = {}): void {
    this.#stopped = code
    this.components.status.update({ phase: 'stopped', error: { code, params } })
  }

  /** Our account's newer list no longer names this device: nothing more goes out; the tab offers to erase. */
  async #removed (): Promise<void> {
    if (this.#stopped !== undefined) return
    this.#stopped = 'deviceRemoved'
    await this.#starting?.catch(() => {})
    await this.#stopRunning()
    this.#starting = undefined
    this.#refuse('deviceRemoved', { name: this.components.identity.profile?.username ?? '' })
  }

  /** Kernel.eraseDevice: stopped, emptied, and waiting for onboarding again (the writer lock is kept). */
  async #erase (): Promise<void> {
    if (this.#stopped !== undefined && this.#stopped !== 'deviceRemoved') throw new NodeNotReadyError(this.#stopped)
    this.#stopped = 'deviceRemoved'
    await this.#starting?.catch(() => {})
    await this.#stopRunning()
    this.#starting = undefined
    await this.components.links.stop()
    await eraseLocalData(this.components.db)
    await eraseOpfsFiles()
    await this.components.identity.load()
    this.#stopped = undefined
    this.components.status.update({ phase: 'needs-profile', error: undefined, addresses: [], relays: [], paths: {}, direct: {} })
  }

  /** The handlers, each refusing while the node does not run (but {@link WHILE_STOPPED}). */
  #guarded (handlers: NodeHandlers): NodeHandlers {
    const guarded: Record<string, unknown> = {}
    for (const [method, handler] of Object.entries(handlers) as Array<[string, (...args: unknown[]) => unknown]>) {
      guarded[method] = WHILE_STOPPED.has(method)
        ? handler
        : (...args: unknown[]) => {
            const stopped = this.#stopped
            if (stopped !== undefined && !(stopped === 'deviceRemoved' && WHILE_REMOVED.has(method))) throw new NodeNotReadyError(stopped)
            return handler(...args)
          }
    }
    // the same methods, each wrapped
    return guarded as unknown as NodeHandlers
  }

  /** A tab said what this browser can do (kernel/capabilities.ts). */
  onTabCapabilities (tab: TabCapabilities): void {
    this.components.capabilities.update(tab)
  }

  /** A tab offering to host WebRTC appeared: upgrades that failed for want of one are tried again. */
  onRtcHostsChanged (): void {
    this.components.upgrader.retryAll()
  }

  /** A peer connection's ICE went 'disconnected' (the WebRTC bridge says): find the dead direct connections now. */
  onIceDisconnected (): void {
    this.components.upgrader.checkDirect()
  }

  /** Calls a contract method as a tab would (its params checked first), without a port: for tests and tools. */
  async call<M extends NodeMethod> (method: M, ...[params, options = {}]: CallArgsOf<NodeContract, M, { signal?: AbortSignal }>): Promise<NodeResult<M>> {
    let checked: NodeParams<M>
    try {
      checked = nodeContract.methods[method].params.parse(params, 'params') as NodeParams<M>
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err
      throw new InvalidParamsError('invalidParams', { method, problem: err.message })
    }
    const handler = this.handlers[method] as (params: NodeParams<M>, ctx: { signal: AbortSignal }) => NodeResult<M> | Promise<NodeResult<M>>
    return handler(checked, { signal: options.signal ?? new AbortController().signal })
  }

  /** Starts libp2p and every feature, once; a failure is the status's problem, and a later call may try again. */
  async #startNetwork (init: NodeRootInit): Promise<void> {
    this.#starting ??= this.#doStart(init).catch(async (err: unknown) => {
      this.#starting = undefined
      await this.#stopRunning().catch(() => {})
      if (this.#stopped === undefined) this.components.status.update({ phase: 'offline', error: { code: 'nodeStartFailed', params: { reason: (err as Error).message } } })
      throw err
    })
    return this.#starting
  }

  /** Reads the served config into `served`; a failure goes into the status (the node runs on the relays it already knows). */
  async #loadServed (init: NodeRootInit): Promise<void> {
    const c = this.components
    try {
      const config = await init.loadConfig()
      Object.assign(c.served, { relays: config.relays, iceServers: config.iceServers, maxFileBytes: config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, testRingTimeoutMs: config.testRingTimeoutMs })
    } catch (err) {
      const { code, params } = toErrorShape(err)
      c.status.update({ error: { code, params } })
    }
  }

  /** A new device's node while it links (Kernel.createBareNode): no profile, no feature's services, only `protocols`. */
  async #createBareNode<P extends ServiceMap> (init: NodeRootInit, privateKey: PrivateKey, protocols: ServiceFactoryMap<P>): Promise<Libp2p<P>> {
    const c = this.components
    await this.#loadServed(init)
    return createLibp2pNode({
      privateKey,
      logger: c.logger,
      protocols,
      isBlocked: () => false,
      rtcConfiguration: () => c.ice.rtcConfiguration(),
      webRtcHere: () => c.capabilities.current.webrtc !== false,
      noiseCrypto: init.noiseCrypto,
      iceBindAddress: init.iceBindAddress
    })
  }

  async #doStart (init: NodeRootInit): Promise<void> {
    const c = this.components
    c.status.update({ phase: 'starting' })
    await this.#loadServed(init)
    c.libp2p = await createLibp2pNode({
      privateKey: c.identity.privateKey(),
      logger: c.logger,
      protocols: this.#featureProtocols(),
      isBlocked: (peerId) => c.contactBook.isBlocked(peerId),
      rtcConfiguration: () => c.ice.rtcConfiguration(),
      webRtcHere: () => c.capabilities.current.webrtc !== false,
      noiseCrypto: init.noiseCrypto,
      iceBindAddress: init.iceBindAddress
    })
    // listeners first (each service's start), then libp2p, then what needs it running
    for (const service of this.#services) {
      await service.start()
      this.#running.push(service)
    }
    // the devices feature has loaded the account: the status names it (a linked device's is not its own PeerID)
    c.status.update({})
    this.#libp2pRunning = true
    await c.libp2p.start()
    for (const service of this.#services) await service.afterStart?.()
  }

  /** Every feature's libp2p protocols in one map; two features naming one service is a wiring bug. */
  #featureProtocols (): ServiceFactoryMap<FeatureProtocols> {
    const protocols: Record<string, unknown> = {}
    for (const make of this.#protocols) {
      const made = make()
      for (const name of Object.keys(made)) {
        if (name in protocols) throw new Error(`two features bring the libp2p service "${name}"`)
      }
      Object.assign(protocols, made)
    }
    // each feature's descriptor types its own; together, FeatureProtocols
    return protocols as ServiceFactoryMap<FeatureProtocols>
  }

  /** The services stop first (in reverse), so that none acts on the connections libp2p closes as it stops. */
  async #stopRunning (): Promise<void> {
    const running = this.#running.splice(0).reverse()
    for (const service of running) await service.beforeStop?.()
    for (const service of running) await service.stop()
    if (this.#libp2pRunning) {
      this.#libp2pRunning = false
      await this.components.libp2p.stop()
    }
  }
}

function isStartable (service: object): service is Startable {
  return typeof (service as Partial<Startable>).start === 'function' && typeof (service as Partial<Startable>).stop === 'function'
}
