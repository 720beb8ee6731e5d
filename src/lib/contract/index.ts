/**
 * The node contract: every tab → worker method and worker → tab event,
 * declared once (contract/methods/<area>.ts, define.ts says how). Only this
 * module's types cross the tab/worker line; the UI never imports libp2p.
 */
import { event } from './define.ts'
import type { EventName, Handlers, MethodName, ParamsOf, PayloadOf, ResultOf } from './define.ts'
import { actionsMethods } from './methods/actions.ts'
import { callsMethods } from './methods/calls.ts'
import { contactsMethods } from './methods/contacts.ts'
import { devicesMethods } from './methods/devices.ts'
import { linkMethods } from './methods/link.ts'
import { diagnosticsMethods } from './methods/diagnostics.ts'
import { groupCallsMethods } from './methods/group-calls.ts'
import { groupsMethods } from './methods/groups.ts'
import { identityMethods } from './methods/identity.ts'
import { messagingMethods } from './methods/messaging.ts'
import { nearbyMethods } from './methods/nearby.ts'
import { pushMethods } from './methods/push.ts'
import { relaysMethods } from './methods/relays.ts'
import { transfersMethods } from './methods/transfers.ts'
import type { GroupTypingEvent, IncomingMessageEvent, NodeStatus, TypingEvent } from './types.ts'
import type { CallEvent, CallSignalEvent } from './call-types.ts'
import type { GroupCallSignal, GroupCallView } from './group-call-types.ts'
import type { LinkView } from './link-types.ts'

export const nodeContract = {
  methods: {
    ...identityMethods,
    ...devicesMethods,
    ...linkMethods,
    ...contactsMethods,
    ...messagingMethods,
    ...actionsMethods,
    ...groupsMethods,
    ...callsMethods,
    ...groupCallsMethods,
    ...transfersMethods,
    ...relaysMethods,
    ...nearbyMethods,
    ...pushMethods,
    ...diagnosticsMethods
  },
  events: {
    /** the node's status, on every change */
    status: event<NodeStatus>(),
    /**
     * a message the node has just received, announced before its DB write
     * commits ('received'), or withdrawn when that write failed ('dropped');
     * the newest of each chat after a batch of them was stored ('stored')
     */
    message: event<IncomingMessageEvent>(),
    /** a contact started or stopped typing to us (never stored; a tab drops it after TYPING_SHOWN_MS or at their next message) */
    typing: event<TypingEvent>(),
    /** a member started or stopped typing in a group (never stored; a tab drops it after TYPING_SHOWN_MS or at their next message) */
    groupTyping: event<GroupTypingEvent>(),
    /** the call changed phase: it rings, was answered (here or in another tab), ended */
    call: event<CallEvent>(),
    /** the contact's answer, offer or candidates, for the tab that holds the call's media */
    callSignal: event<CallSignalEvent>(),
    /** a group call we know of changed: it rings, someone joined, left or declined, it ended */
    groupCall: event<GroupCallView>(),
    /** a pair's signalling, for the tab that holds the group call's media */
    groupCallSignal: event<GroupCallSignal>(),
    /** a link of a device (issue 58) moved on: where it stands now */
    link: event<LinkView>()
  }
} as const

export type NodeContract = typeof nodeContract
export type NodeMethod = MethodName<NodeContract>
export type NodeParams<M extends NodeMethod> = ParamsOf<NodeContract, M>
export type NodeResult<M extends NodeMethod> = ResultOf<NodeContract, M>
export type NodeHandlers<M extends NodeMethod = NodeMethod> = Handlers<NodeContract, M>
export type NodeEventName = EventName<NodeContract>
export type NodeEvents = { [E in NodeEventName]: PayloadOf<NodeContract, E> }

export * from './define.ts'
export { MEMORY_STORE_MAX_BYTES, UNKNOWN_CAPABILITIES } from './capabilities.ts'
export { CHAT_TIMERS, MAX_MARK_READ_IDS, TYPING_REPEAT_MS, TYPING_SHOWN_MS } from './methods/actions.ts'
export type * from './types.ts'
export type * from './call-types.ts'
export type * from './group-call-types.ts'
export type * from './device-types.ts'
export type { PushKeys, PushRelayKey, PushRelayKeyState, PushRelayState, PushRelayStatus, PushStatus } from './methods/push.ts'
