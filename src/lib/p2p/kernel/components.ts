/**
 * The kernel's part of the node's components (root/components.ts is the
 * whole object): what exists before any feature does, and what every
 * feature may read. Features read components when they need them, never in
 * their constructors (js-libp2p's way), so creation order does not matter.
 */
import type { ParleyDb } from '../../db/db.ts'
import type { IceServer } from './app-config.ts'
import type { Capabilities } from './capabilities.ts'
import type { ParleyEventTarget } from './events.ts'
import type { StatusBoard } from './status.ts'
import type { ComponentLogger, Libp2p, PrivateKey, ServiceMap } from '@libp2p/interface'
import type { ServiceFactoryMap } from 'libp2p'

/** What the served `/config.json` set for this run (kernel/app-config.ts), or the defaults when it could not be read. */
export interface ServedConfig {
  /** the shipped relays; undefined when the config could not be read (the table keeps the last ones) */
  relays?: string[]
  iceServers?: IceServer[]
  maxFileBytes: number
  /** test only, from a loopback origin's config: how long a call rings (AppConfig.testRingTimeoutMs) */
  testRingTimeoutMs?: number
}

/** The node's lifecycle, for the features that start it (a new or restored identity). */
export interface Kernel {
  /** starts libp2p and every feature, once; resolves when the node runs */
  startNetwork(): Promise<void>
  /**
   * A node of its own for a new device while it links (link/), before there
   * is a profile: `privateKey` (the device's key, kept in memory), libp2p's
   * base services (identify, ping, the DHT client), circuit relay and the
   * given protocols, with the served config read (`served.relays` says
   * which relays to reserve on). Not started; the caller stops it.
   */
  createBareNode<P extends ServiceMap>(privateKey: PrivateKey, protocols: ServiceFactoryMap<P>): Promise<Libp2p<P>>
  /**
   * Erases this device's copy (a linked device, removed or unlinking
   * itself: devices/): stops the node, empties the database and the files,
   * and waits for onboarding as a new browser does (status 'needs-profile').
   */
  eraseDevice(): Promise<void>
  /**
   * Stops the node for good in this worker: every feature and libp2p stop,
   * then `work` runs (still holding the writer lock: nothing else writes
   * meanwhile), then the lock goes and the worker starts again from the
   * database (the status says `stopped`, `restarting`, until it does). A
   * network started once is not started again in the same worker: features
   * keep what they loaded for the identity they ran with.
   */
  restart(work: () => Promise<void>): Promise<void>
}

export interface KernelComponents {
  db: ParleyDb
  logger: ComponentLogger
  events: ParleyEventTarget
  /** the app's origin, for invite links */
  origin: string
  served: ServedConfig
  kernel: Kernel
  status: StatusBoard
  /** what this browser can do */
  capabilities: Capabilities
}
