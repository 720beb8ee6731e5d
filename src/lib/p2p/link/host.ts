/** What the link's runs share with their coordinator (links.ts): the components they read, and how they tell it where they stand. */
import type { LinkCancelReason } from '@parley/protocol/link/errors'
import type { LinkEndReason, LinkView } from '../../contract/link-types.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { Kernel, ServedConfig } from '../kernel/components.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { Capabilities } from '../kernel/capabilities.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { RelayListPort } from '../kernel/ports/relays.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
import type { ComponentLogger, Libp2p, Logger } from '@libp2p/interface'

export interface LinkComponents {
  db: ParleyDb
  logger: ComponentLogger
  events: ParleyEventTarget
  kernel: Kernel
  served: ServedConfig
  identity: Pick<IdentityPort, 'profile' | 'require' | 'load'>
  devices: Pick<DevicesPort, 'account' | 'holder' | 'addDevice'>
  transfers: Pick<TransfersPort, 'host'>
  libp2p: Pick<Libp2p, 'peerId' | 'dial' | 'getConnections'>
  /** our relays: the existing device asks them (and the served ones) for a typed short code's offer */
  relayList: Pick<RelayListPort, 'active'>
  /** whether this browser has WebRTC (the new device's state pull goes direct only then) */
  capabilities: Pick<Capabilities, 'current'>
  /** `elsewhere.restored`: this copy may give way (linkInstead) */
  status: Pick<StatusBoard, 'current'>
}

/** A view as a run makes it: the coordinator's id of the run is added to each (RunHost.run). */
export type RunView = Omit<LinkView, 'id'>

/** What a run tells the coordinator. */
export interface RunHost {
  /** the run's id, in every view of it (LinkView.id) */
  readonly run: string
  readonly components: LinkComponents
  readonly now: () => number
  readonly log: Logger
  /** the run's view changed */
  show(view: LinkView): void
  /** the run's machine has a new deadline (undefined: none) */
  wakeAt(deadline: number | undefined): void
}

/** A machine's end code as the contract's reason (the same names). */
export function reasonOf (code: LinkCancelReason | 'bad-qr' | 'closed' | 'wrong-peer'): LinkEndReason {
  return code
}
