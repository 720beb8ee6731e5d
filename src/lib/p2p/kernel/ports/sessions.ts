/** Ports of the sessions feature (see identity.ts for what a port is), and the types they speak. */
import type { ChatDialerFrame } from '@parley/protocol/chat/codec'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'
import type { OutsideReject } from '@parley/protocol/group-call/boxed'
import type { GroupCallReply, GroupCallRequest } from '@parley/protocol/group-call/wire'
import type { PeerIdentity } from '@parley/protocol/session/pqxdh'
import type { Desk } from '../desk-service.ts'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/** A peer as the sessions know it: its PeerID and its Ed25519 key. */
export interface SessionPeer extends PeerIdentity {
  peer: string
}

/** A box opened on a session (sessions/sessions.ts), its new state not written yet. */
export interface OpenedBox {
  plaintext: Uint8Array
  /** the session it opened on */
  session: string
  /** whether it started a new session (the peer's init) */
  started: boolean
  /** whether that new session took over from one the peer had answered on: the peer lost or reset its own (the chat gets a notice) */
  replaced: boolean
  /** its chain was not stored yet: a live answer to it waits for the commit, which stores it (the dialer then leaves its KEM fields out, sessions/chains.ts) */
  chainUnstored: boolean
  /**
   * writes the new state (and uses up the init's one-time keys); call inside a transaction over
   * `sessionTables(db)` that also stores what the box carried. Several boxes' commits in one
   * transaction write each peer's rows once (sessions/opened-box.ts)
   */
  commit(): Promise<void>
  /** the commit's transaction failed: forget the state it would have written */
  abandon(): void
}

/** The sessions with each peer, as the mailbox intake uses them (sessions/sessions.ts). */
export interface SessionsPort {
  /** opens a box from `from`; throws SessionUnreadableError saying why it does not (nothing changes then) */
  open(from: SessionPeer, bytes: Uint8Array): Promise<OpenedBox>
  /** the cached rows of `peer` are no longer to be trusted (a commit failed): read them again next time */
  forget(peer: string): void
  /** readies the current session with `peer` for its next send, once what its boxes opened is kept; never rejects */
  ready(peer: string): Promise<void>
}

/** Chat items in boxes for a contact's mailboxes (sessions/chat-boxes.ts). */
export interface MailboxBoxesPort {
  /** the box of `frame` for `to`'s mailbox, kept; undefined when `to` has no sessions as far as we know */
  mailboxBox(to: PeerId, frame: ChatDialerFrame, options?: AbortOptions): Promise<Uint8Array | undefined>
  /** the box of a mailbox payload that is not a chat frame (receipts), on our session with `to`; undefined when we have none */
  mailboxPayloadBox(to: PeerId, itemId: Uint8Array, payload: Uint8Array): Promise<Uint8Array | undefined>
}

/** A group request sealed for group 2.0.0, and what its reply's box must name. */
export interface SealedRequest {
  box: Uint8Array
  itemId: Uint8Array
}

/** Group 2.0.0's boxes (sessions/group-boxes.ts). */
export interface GroupBoxesPort {
  /** the listener's side: opens each box and hands the request to `book` */
  listenWith(book: Desk<GroupRequest, GroupReply>): Desk<Uint8Array, GroupReply | Uint8Array>
  /** the dialer's request in a box of our session with `to` */
  seal(to: PeerId, request: GroupRequest, options?: AbortOptions): Promise<SealedRequest>
  /** the reply to a request we sealed */
  reply(from: PeerId, sealed: SealedRequest, bytes: Uint8Array): Promise<GroupReply>
  /** the box of a group mailbox item for member `to`; undefined when `to` has no sessions as far as we know */
  mailboxItem(to: string, id: Uint8Array, payload: Uint8Array, mailboxes: readonly string[], options?: AbortOptions): Promise<Uint8Array | undefined>
  /** a relay took the item: its box is not needed any more */
  deposited(to: string, id: Uint8Array): Promise<void>
}

/** Group calls' boxes (sessions/call-boxes.ts). */
export interface GroupCallBoxesPort {
  /** the listener's side: opens each box, hands the frame to `desk`, seals the reply */
  listenWith(desk: Desk<GroupCallRequest, GroupCallReply>): Desk<Uint8Array, Uint8Array | OutsideReject>
  /** the dialer's request in a box of our session with `to` */
  seal(to: PeerId, request: GroupCallRequest, options?: AbortOptions): Promise<SealedRequest>
  /** the reply to `request`, which we sealed as `sealed` */
  reply(from: PeerId, sealed: SealedRequest, bytes: Uint8Array, request: GroupCallRequest): Promise<GroupCallReply>
}

/** Where something unboxed from a peer that speaks sessions was refused: a mailbox item, a chat 1.x stream, a group 1.0.0 exchange. */
export type PinnedPath = 'mailbox' | 'chat' | 'group'

/** Peers pinned to session boxes (sessions/pins.ts): nothing unboxed is taken from them, nor sent to them. */
export interface SessionPinsPort {
  /** whether `peer` speaks sessions (its hello or its profile in a group we hold said so, or we have had a session with it) */
  pinned(peer: string): Promise<boolean>
  /** logs and counts something of `peer`'s refused for coming outside a box */
  refused(path: PinnedPath, peer: string, what: string): void
  /** how many were refused, per path (for the diagnostics) */
  readonly counts: Record<PinnedPath, number>
}

/** "Secure session reset" in a chat (sessions/notices.ts). */
export interface SessionNoticesPort {
  /** tells the chat with `peer` (when it is a contact) that the session was reset; never rejects */
  sessionReset(peer: string): Promise<void>
}

/** Boxes for a peer that need be neither a contact nor a group member: our own account's other devices (sessions/peer-boxes.ts). */
export interface PeerBoxesPort {
  /**
   * the box of `plaintext` (its 16-byte item id) for `to` on our current
   * session with it; when there is none, one is started from its prekey
   * bundle (asked of `relays`, of ours, and of `to` itself when connected).
   * Not kept: a retry seals the item again. `mailbox`: padded as a mailbox
   * item is (it may wait on a relay), else as a live one.
   */
  seal(to: PeerId, itemId: Uint8Array, plaintext: Uint8Array, relays: readonly string[], options?: AbortOptions & { mailbox?: boolean }): Promise<Uint8Array>
}
