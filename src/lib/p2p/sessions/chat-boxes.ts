/**
 * Chat 2.0.0's boxes (docs/protocols.md, "Sessions"): the chat service's
 * {@link ChatBoxes}. A dialer frame is encoded as in 1.1.0 and sealed into a
 * box of the session with the listener (the bundle that starts one fetched
 * from the listener's relays); the listener answers a box whose item it
 * already stored before opening it, else opens it, stores the frame through
 * the inbox, and only then writes the session's new state. A box that does
 * not open is answered `reject session`, and the dialer starts a new session.
 *
 * Why the state is written after the item, in a transaction of its own:
 * stored first, a crash in between leaves the old state, which opens the
 * next boxes all the same (the used key is derived again, as a skipped one)
 * and never the stored item again (its id is answered duplicate first). So
 * the answer need not wait for that write, nor the sender for letting its
 * kept box go: neither is on the way of the next message. Except on a chain
 * not stored yet (the first boxes after the dialer's DH step): the answer
 * says the chain is held, and the dialer's next boxes on it come without
 * its KEM fields, which only the stored chain can do without (chains.ts).
 */
import { InvalidMessageError } from '@libp2p/interface'
import { decodeChatFrame, encodeChatFrame } from '@parley/protocol/chat/codec'
import { boxItemId } from '@parley/protocol/session/box'
import { SessionFrameError } from '@parley/protocol/session/errors'
import { dropBoxes, sessionTables } from '../../db/sessions.ts'
import { ulidBytes, ulidOf } from '@parley/protocol/ulid'
import { mayExchange } from '../contacts/index.ts'
import { fetchBundle, mailboxSeal } from './bundles.ts'
import { SessionUnreadableError } from './sessions.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { ChatBoxes, ChatInbox } from '../kernel/ports/messaging.ts'
import type { RelayListPort } from '../kernel/ports/relays.ts'
import type { MailboxBoxesPort, OpenedBox, SessionPeer } from '../kernel/ports/sessions.ts'
import type { PrekeyDirectory } from './directory.ts'
import type { SessionNotices } from './notices.ts'
import type { Sessions } from './sessions.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import type { ChatDialerFrame, ChatReplyFrame } from '@parley/protocol/chat/codec'

export interface SessionChatBoxesComponents {
  db: ParleyDb
  logger: ComponentLogger
  sessions: Pick<Sessions, 'seal' | 'open' | 'reset' | 'known' | 'hasSession' | 'ready' | 'answered'>
  inbox: ChatInbox
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  /** whether a peer said in a group we hold that its app speaks sessions */
  groupBook: Pick<GroupBookPort, 'saidSessions'>
  prekeyDirectory: Pick<PrekeyDirectory, 'fetch' | 'fromOwner'>
  relayList: RelayListPort
  sessionNotices: Pick<SessionNotices, 'sessionReset'>
}

/** A peer as the sessions know it, from its PeerID (an Ed25519 key: every Parley PeerID is one). */
export function sessionPeerOf (peer: PeerId): SessionPeer {
  if (peer.type !== 'Ed25519') throw new InvalidMessageError(`${peer.toString()} has no Ed25519 key`)
  return { peer: peer.toString(), publicKey: peer.publicKey.raw, multihash: peer.toMultihash().bytes }
}

export class SessionChatBoxes implements ChatBoxes, MailboxBoxesPort {
  readonly #components: SessionChatBoxesComponents
  readonly #log: Logger

  constructor (components: SessionChatBoxesComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:chat')
  }

  async seal (to: PeerId, frame: ChatDialerFrame, options: AbortOptions): Promise<Uint8Array> {
    const peer = sessionPeerOf(to)
    // No box is kept for a live delivery: its state is written before it goes (no key is used
    // twice), and a retry seals the item again: the listener answers an item it stored
    // duplicate without opening it, and keeps the key of a box that never came as a skipped
    // one. Keeping it would cost the send a read and a write more (the mailbox's boxes are kept:
    // the same bytes go to every mailbox relay).
    return this.#components.sessions.seal(peer, frame.id, ulidBytes(frame.id), encodeChatFrame(frame, '2.0.0'),
      async () => fetchBundle(this.#components, peer, [], options), { keep: false })
  }

  /** The box of `frame` for `to`'s mailbox, kept; undefined when `to` has no sessions as far as we know (bundles.ts, mailboxSeal). */
  async mailboxBox (to: PeerId, frame: ChatDialerFrame, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    return mailboxSeal(this.#components, this.#log, sessionPeerOf(to), { key: frame.id, id: ulidBytes(frame.id), plaintext: encodeChatFrame(frame, '2.0.0') }, [], options)
  }

  /**
   * The box of a mailbox payload that is not a chat frame (the receipts we
   * send back, messaging/receipts.ts) for `to`, on our session with it; or
   * undefined when we have none (then it goes under the static seal): a
   * receipt never starts a session. Not kept: it goes once, to every mailbox
   * relay of `to` alike, and nobody answers it.
   */
  async mailboxPayloadBox (to: PeerId, itemId: Uint8Array, payload: Uint8Array): Promise<Uint8Array | undefined> {
    const peer = sessionPeerOf(to)
    const { sessions } = this.#components
    if (!await sessions.hasSession(peer.peer)) return undefined
    const none = new Error('receipts never start a session')
    try {
      return await sessions.seal(peer, ulidOf(itemId), itemId, payload, async () => { throw none }, { keep: false, pad: 'mailbox' })
    } catch (err) {
      // the session was reset meanwhile
      if (err === none) return undefined
      throw err
    }
  }

  async settled (to: PeerId, id: string, reply: ChatReplyFrame, box: Uint8Array): Promise<void> {
    if (reply.type === 'reject' && reply.reason === 'session') {
      if (await this.#components.sessions.reset(to.toString())) await this.#components.sessionNotices.sessionReset(to.toString())
      return
    }
    // opened now and answered once its chain was stored (not a box that came before: that answer may have been quicker)
    if (reply.type === 'ack' && reply.status !== 'duplicate') this.#components.sessions.answered(to.toString(), box)
    // a box left behind by a failed drop is only bytes: the next reset or delivery of the item drops it
    void dropBoxes(this.#components.db, to.toString(), [id]).catch((err: unknown) => {
      this.#log.error('could not let the box of %s to %p go - %e', id, to, err)
    })
  }

  async receive (from: PeerId, box: Uint8Array, options: AbortOptions): Promise<ChatReplyFrame> {
    const { db, contactBook, sessions, inbox } = this.#components
    let id: string
    try {
      id = ulidOf(boxItemId(box))
    } catch (err) {
      throw new InvalidMessageError(`Invalid chat box: ${err instanceof SessionFrameError ? err.message : 'malformed'}`)
    }
    // the contact book's cache; an item stored before (a retry whose ack was lost, in a box of its
    // own) is found by the inbox once the box is open: no read of the messages waits here behind
    // the writes of the ones before it
    if (!mayExchange(await contactBook.byPeerId(from.toString()))) return { type: 'reject', id, reason: 'not-a-contact' }
    let opened: OpenedBox
    try {
      opened = await sessions.open(sessionPeerOf(from), box)
    } catch (err) {
      if (!(err instanceof SessionUnreadableError)) throw err
      if (err.reason === 'malformed') throw new InvalidMessageError(`Invalid chat box: ${err.message}`)
      // its key was used: this very box (a retry sends the same bytes) was opened and its item taken before
      if (err.reason === 'duplicate') return { type: 'ack', id, status: 'duplicate' }
      this.#log('a box from %p does not open (%s): asking for a new session - %s', from, err.reason, err.message)
      return { type: 'reject', id, reason: 'session' }
    }
    let frame: ChatDialerFrame
    try {
      frame = decodeChatFrame(opened.plaintext, 'dialer', '2.0.0')
      if (frame.id !== id) throw new InvalidMessageError(`Invalid chat box: it says item ${id} and carries ${frame.id}`)
    } catch (err) {
      opened.abandon()
      throw err
    }
    let outcome
    try {
      outcome = await inbox.receive(from, frame, options)
    } catch (err) {
      opened.abandon()
      throw err
    }
    if (outcome === 'not-a-contact') {
      opened.abandon()
      return { type: 'reject', id, reason: outcome }
    }
    // the answer does not wait for the state's write: the item is stored, and the old state still opens what comes next;
    // but on a chain not stored yet it does (see the top of this file)
    const kept = db.transaction('rw', sessionTables(db), async () => { await opened.commit() }).then(async () => {
      void sessions.ready(from.toString())
      if (opened.replaced) await this.#components.sessionNotices.sessionReset(from.toString())
    }, (err: unknown) => {
      opened.abandon()
      this.#log.error('could not keep the session state after a box from %p - %e', from, err)
    })
    if (opened.chainUnstored) await kept
    return outcome === 'not-allowed' ? { type: 'reject', id, reason: outcome } : { type: 'ack', id, status: outcome }
  }
}
