/**
 * Ports of the messaging feature (see identity.ts for what a port is), and
 * the plugs of the chat protocol (messaging/chat-service.ts): where received
 * frames go, and the session boxes of chat 2.0.0.
 */
import type { ContactId, ContactRow } from '../../../db/types.ts'
import type { ChatDialerFrame, ChatReplyFrame } from '@parley/protocol/chat/codec'
import type { ContactFrame } from '@parley/protocol/contact/codec'
import type { HintChat } from '@parley/protocol/push/hint'
import type { AbortOptions, Connection, PeerId } from '@libp2p/interface'

/** What the inbox made of one frame: an ack status, or a reject reason. */
export type InboxOutcome = 'stored' | 'duplicate' | 'seen' | 'not-a-contact' | 'not-allowed'

/** Where received messages go (the worker's DB writer, messaging/inbox.ts). */
export interface ChatInbox {
  /**
   * Stores `frame` (a message or an action) from `from` unless its id is
   * already stored, resolving only once it is durable (an ack follows).
   * Resolves 'stored', 'duplicate' (already stored, nothing written), 'seen'
   * (a typing signal, nothing to store), 'not-a-contact' or 'not-allowed'
   * (refused, nothing written). Should honour `options.signal`; the service
   * stops waiting when it aborts.
   */
  receive(from: PeerId, frame: ChatDialerFrame, options: AbortOptions): Promise<InboxOutcome>
}

/**
 * Sessions for chat 2.0.0 (sessions/chat-boxes.ts): each dialer frame goes
 * in a box of the session with the listener, and the listener opens and
 * stores it.
 */
export interface ChatBoxes {
  /** The box of `frame` for `to` (the same bytes when it is sent again). */
  seal(to: PeerId, frame: ChatDialerFrame, options: AbortOptions): Promise<Uint8Array>
  /** `to` answered `box`, the box of frame `id`: done with it (an ack), or start a new session ('session'). */
  settled(to: PeerId, id: string, reply: ChatReplyFrame, box: Uint8Array): Promise<void>
  /** Opens a box from `from` and stores what it carries (through the inbox), resolving the answer; throws for a malformed box, which resets the stream. */
  receive(from: PeerId, box: Uint8Array, options: AbortOptions): Promise<ChatReplyFrame>
}

/**
 * The listener's answer to one delivered frame: 'delivered' (acked),
 * 'rejected' (refused), or 'unsupported': the listener speaks only 1.0.0,
 * which has no such frame, so it was not sent.
 */
export type DeliveryResult = {
  id: string
  outcome: 'delivered' | 'rejected' | 'unsupported'
  status?: 'stored' | 'duplicate' | 'seen'
  reason?: 'not-a-contact' | 'not-allowed' | 'session'
}

export interface DeliverOptions extends AbortOptions {
  /** Called after each ack or reject, in order; a throw stops the delivery. */
  onResult?(result: DeliveryResult): void | Promise<void>
  /**
   * `signals`: frames nobody waits for (typing) go on a kept stream of their
   * own, so that a message never waits behind one, nor opens a new stream
   * because one holds the messages' stream. @default 'messages'
   */
  lane?: 'messages' | 'signals'
}

/** The chat protocol's sending side (the libp2p service `chat`, messaging/chat-service.ts). */
export interface ChatPort {
  /** Delivers frames over one stream on `connection`, resolving each one's answer in order. */
  deliver(connection: Connection, messages: ChatDialerFrame[], options?: DeliverOptions): Promise<DeliveryResult[]>
}

/** Outgoing messages per contact, delivered to each of its devices (messaging/outbox.ts). */
export interface OutboxPort {
  /**
   * delivers the contact's outbox now to each of its devices, or to `device`
   * (one of them, by PeerID) alone: an open connection, a dial, else that
   * device's mailboxes; never throws
   */
  kick(contactId: ContactId, device?: string): void
}

/** Deposits in relays' mailboxes (messaging/courier.ts). */
export interface MailboxCourierPort {
  /** seals a contact hello to `to` and deposits it on its mailbox relays; resolves how many relays hold it */
  depositHello(to: ContactRow, frame: ContactFrame): Promise<number>
  /**
   * seals a payload to someone who need not be a contact (a group member) and
   * deposits it on `mailboxes`, else on the relays its known addresses go
   * through, else on ours; resolves how many relays hold it. With `chat`, a
   * device that gave us its notification key gets a push hint naming it.
   */
  depositFor(to: { peerId: string, addresses?: string[], mailboxes?: readonly string[] }, payload: Uint8Array, chat?: HintChat): Promise<number>
}
