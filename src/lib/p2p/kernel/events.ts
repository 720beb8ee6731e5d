/**
 * What the node's features tell each other without knowing who listens, and
 * what every tab hears (`status`, `message`: the root forwards them as the
 * contract's events). News goes up this way: a feature never calls one above
 * it to say what happened (docs/architecture.md, "The order of features").
 * libp2p's own events (connections, addresses) are read from the libp2p node
 * itself.
 */
import type { CallEvent, CallSignalEvent, DirectOutlook, GroupCallSignal, GroupCallView, GroupTypingEvent, IncomingMessageEvent, NodeCapabilities, NodeStatus, TypingEvent } from '../../contract/index.ts'
import type { LinkView } from '../../contract/link-types.ts'
import type { ContactId, EventRow, MessageId } from '../../db/types.ts'
import type { Connection } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/**
 * News whose teller waits for what its listeners do about it (as a service
 * worker's `ExtendableEvent`): a listener hands its work to `waitUntil`, and
 * {@link tell} resolves once all of it is done.
 */
export interface Awaited {
  waitUntil(work: Promise<unknown>): void
}

/** A contact, as news about it names it. */
export interface ContactNews {
  contactId: ContactId
  peerId: string
}

/**
 * Something the person did on this device that their other devices are to
 * learn (p2p/sync tells them): told by the feature that did it, once it is
 * stored, and only for what the person did here (never for what a sibling
 * told this device).
 */
export type OwnChange =
  /** a text message they sent (messaging/handlers.ts) */
  | { kind: 'sent', messageId: MessageId }
  /** these received messages were marked read (actions/actions.ts) */
  | { kind: 'read', contactId: ContactId, ids: MessageId[] }
  /** their reaction, edit or delete for everyone in a 1:1 chat, as stored (actions/actions.ts) */
  | { kind: 'action', event: EventRow }
  /** a contact added, renamed (its nickname), deleted or verified (contacts/contacts.ts) */
  | { kind: 'contact', contactId: ContactId, peerId: string, change: 'added' | 'renamed' | 'deleted' | 'verified', withHistory?: boolean }
  /** their messaging settings (actions/handlers.ts) */
  | { kind: 'settings', readReceipts: boolean, typing: boolean }

export interface ParleyEvents {
  /** the node's status changed (kernel/status.ts) */
  status: CustomEvent<NodeStatus>
  /** a message arrived (announced before its write commits), its write failed, or a batch was stored (messaging/inbox.ts) */
  message: CustomEvent<IncomingMessageEvent>
  /** a contact started or stopped typing to us (actions/typing.ts) */
  typing: CustomEvent<TypingEvent>
  /** a member started or stopped typing in a group, or their message arrived, which ends it (groups/book.ts) */
  groupTyping: CustomEvent<GroupTypingEvent>
  /** the call changed phase (calls/calls.ts) */
  call: CustomEvent<CallEvent>
  /** the contact's answer, offer or candidates for the call's tab (calls/calls.ts) */
  callSignal: CustomEvent<CallSignalEvent>
  /** a group call we know of changed (group-calls/group-calls.ts) */
  groupCall: CustomEvent<GroupCallView>
  /** a pair's signalling for the tab that holds the group call's media (group-calls/group-calls.ts) */
  groupCallSignal: CustomEvent<GroupCallSignal>
  /** the node holds a relay reservation after holding none: contacts can reach us again */
  online: CustomEvent<undefined>
  /** a peer became an accepted contact on our side (we accepted, or they accepted us): presence/direct-upgrade.ts upgrades to direct */
  'contact:accepted': CustomEvent<{ peerId: string }>
  /** the user blocked or unblocked a contact, its row written (contacts/contacts.ts): presence hangs up on it, or greets it again */
  'contact:blocked': CustomEvent<ContactNews & Awaited & { blocked: boolean }>
  /** the user deleted a contact, its row gone (contacts/contacts.ts): its sessions go, presence forgets it; `blocked` as it was */
  'contact:deleted': CustomEvent<ContactNews & Awaited & { blocked: boolean }>
  /** a message to the contact was sent (messaging/handlers.ts): it ends our typing there (actions/typing.ts) */
  'message:sent': CustomEvent<{ contactId: ContactId }>
  /** the person did something here that their other devices are to learn (sync/ tells them) */
  'own:change': CustomEvent<OwnChange>
  /** a direct connection passed its probe and carries data from now on (presence/direct-upgrade.ts) */
  'connection:usable': CustomEvent<Connection>
  /** our account's device list was signed anew, its version grown (devices/devices.ts): contacts are given it (sessions/device-lists.ts) */
  'devices:changed': CustomEvent<{ version: number }>
  /** on a linked device, our account's newer list no longer names it (devices/devices.ts): the node stops (root/root.ts) */
  'devices:removed': CustomEvent<{ version: number }>
  /** our active relays changed (relays/relay-list.ts): the new list, full multiaddrs; a relay we reserve on may be new to us while its connection is not */
  'relays:active': CustomEvent<{ relays: string[] }>
  /** what this browser can do changed (kernel/capabilities.ts): a tab said, or the file store opened */
  capabilities: CustomEvent<NodeCapabilities>
  /** a link of a device moved on (link/links.ts): where it stands now */
  link: CustomEvent<LinkView>
  /** why a peer is not reached directly changed (presence/direct-upgrade.ts); undefined: nothing stands in the way */
  'direct:outlook': CustomEvent<{ peerId: string, outlook?: DirectOutlook }>
}

export type ParleyEventTarget = TypedEventTarget<ParleyEvents>

/** The news its teller waits on (its detail is {@link Awaited}). */
type AwaitedNews = { [K in keyof ParleyEvents]: ParleyEvents[K]['detail'] extends Awaited ? K : never }[keyof ParleyEvents]

/**
 * Tells `type` to the listeners and resolves once the work they handed to
 * `waitUntil` is done; rejects with the first failure, as awaiting each of
 * them would.
 */
export async function tell<K extends AwaitedNews> (events: Pick<ParleyEventTarget, 'safeDispatchEvent'>, type: K, detail: Omit<ParleyEvents[K]['detail'], 'waitUntil'>): Promise<void> {
  const work: Array<Promise<unknown>> = []
  const waitUntil = (promise: Promise<unknown>): void => { work.push(promise) }
  events.safeDispatchEvent(type, { detail: { ...detail, waitUntil } as ParleyEvents[K]['detail'] })
  await Promise.all(work)
}
