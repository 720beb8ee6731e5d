/**
 * The node's components: one object the composition root (root.ts)
 * fills and every feature reads, the way js-libp2p hands its services their
 * `components`: the kernel's (kernel/components.ts), then each feature's
 * services. A feature declares the few it uses (a minimal interface of its
 * own, so a unit test passes exactly those) and reads them when it needs them,
 * never in its constructor: creation order then does not matter.
 */
import { NodeNotReadyError } from '../kernel/errors.ts'
import type { MessageActions } from '../actions/actions.ts'
import type { Expiry } from '../actions/expiry.ts'
import type { ActionIntake } from '../actions/intake.ts'
import type { TypingSender } from '../actions/typing.ts'
import type { ContactBook } from '../contacts/book.ts'
import type { GroupBook } from '../groups/book.ts'
import type { GroupCourier } from '../groups/courier.ts'
import type { Groups } from '../groups/groups.ts'
import type { ContactHellos } from '../contacts/hellos.ts'
import type { Contacts } from '../contacts/contacts.ts'
import type { Identity } from '../identity/identity.ts'
import type { InstanceWatch } from '../instances/instance-watch.ts'
import type { Inbox } from '../messaging/inbox.ts'
import type { ChatStreams } from '../messaging/chat-streams.ts'
import type { MailboxCourier } from '../messaging/courier.ts'
import type { Outbox } from '../messaging/outbox.ts'
import type { Nearby } from '../nearby/nearby.ts'
import type { ContactFinder } from '../presence/contact-finder.ts'
import type { DirectUpgrader } from '../presence/direct-upgrade.ts'
import type { Greeter } from '../presence/greeter.ts'
import type { RecordPublisher } from '../presence/record-publisher.ts'
import type { IceServers } from '../relays/ice-servers.ts'
import type { RelayKeeper } from '../relays/relay-keeper.ts'
import type { IdleConnections } from '../relays/idle-connections.ts'
import type { RelayList } from '../relays/relay-list.ts'
import type { TransferManager } from '../transfers/transfers.ts'
import type { GroupTypingSender } from '../groups/typing.ts'
import type { CallLog } from '../calls/call-log.ts'
import type { Calls } from '../calls/calls.ts'
import type { PrekeyDirectory } from '../sessions/directory.ts'
import type { OwnKeys } from '../sessions/own-keys.ts'
import type { OwnBundleService } from '../sessions/own-bundle.ts'
import type { PrekeyKeeper } from '../sessions/prekey-keeper.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { SessionChatBoxes } from '../sessions/chat-boxes.ts'
import type { SessionGroupBoxes } from '../sessions/group-boxes.ts'
import type { SessionNotices } from '../sessions/notices.ts'
import type { KernelComponents } from '../kernel/components.ts'
import type { ParleyNode } from './libp2p.ts'

export interface NodeComponents extends KernelComponents {
  /** the libp2p node; reading it before the node exists throws NodeNotReadyError('stillStarting') */
  libp2p: ParleyNode
  // identity
  identity: Identity
  // contacts
  contactBook: ContactBook
  contacts: Contacts
  hellos: ContactHellos
  // presence
  greeter: Greeter
  dialer: ContactFinder
  upgrader: DirectUpgrader
  recordPublisher: RecordPublisher
  // messaging
  inbox: Inbox
  outbox: Outbox
  courier: MailboxCourier
  chatStreams: ChatStreams
  // message actions
  actions: MessageActions
  actionIntake: ActionIntake
  typing: TypingSender
  expiry: Expiry
  // groups
  groupBook: GroupBook
  groupCourier: GroupCourier
  groups: Groups
  groupTyping: GroupTypingSender
  // calls
  calls: Calls
  callLog: CallLog
  // relays
  relayList: RelayList
  keeper: RelayKeeper
  idleConnections: IdleConnections
  ice: IceServers
  // transfers
  transfers: TransferManager
  // nearby
  nearby: Nearby
  // instances
  instances: InstanceWatch
  // secure sessions
  ownKeys: OwnKeys
  prekeyDirectory: PrekeyDirectory
  prekeys: PrekeyKeeper
  ownBundle: OwnBundleService
  sessions: Sessions
  chatBoxes: SessionChatBoxes
  groupBoxes: SessionGroupBoxes
  sessionNotices: SessionNotices
}

/**
 * The components object: what `base` holds now, and whatever the root adds
 * later. Reading `libp2p` before the node exists throws
 * NodeNotReadyError('stillStarting') (a call that needs the network while
 * the node starts); reading any other missing component is a wiring bug.
 */
export function createComponents (base: Partial<NodeComponents>): NodeComponents {
  return new Proxy(base, {
    get (target, key, receiver) {
      if (typeof key !== 'string' || key in target || key === 'then') return Reflect.get(target, key, receiver)
      if (key === 'libp2p') throw new NodeNotReadyError('stillStarting')
      throw new Error(`the node has no component "${key}"`)
    }
  }) as NodeComponents
}
