/**
 * Group traffic in session boxes (docs/protocols.md, "Groups in boxes"), on
 * our session with each member (members need not be contacts: a member's
 * bundle comes from the mailbox relays it named in its `profile` first).
 *
 * Live, `/parley/group/2.0.0`: the dialer seals its request into a box and
 * opens the reply's box (a sync's, which carries operations); the listener
 * answers a message it has stored `duplicate` unopened, else opens the box,
 * hands the request to the group book, and seals a reply that carries
 * operations. A box that does not open is answered `reject session`, upon
 * which the dialer starts a new session (at most once per 30 s per peer) and
 * the courier sends again later. As in chat 2.0.0, the listener keeps the
 * session's new state after it has answered (sessions/chat-boxes.ts says why
 * that is safe), and a session someone started only if they are a contact or
 * a group member, or the book took their request.
 *
 * In mailboxes: a group item's box is kept from its seal until a relay took
 * it (a deposit that reached no relay goes again with the same bytes); once
 * stored, the group courier never deposits it again, and the box goes.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeGroupBoxReply, fitReply } from '@parley/protocol/group/boxed'
import { decodeGroupReply, decodeGroupRequest, encodeGroupFrame } from '@parley/protocol/group/wire'
import { boxItemId } from '@parley/protocol/session/box'
import { dropBoxes } from '../../db/sessions.ts'
import { ulidBytes, ulidOf } from '@parley/protocol/ulid'
import { mailboxSeal } from './bundles.ts'
import { sessionPeerOf } from './chat-boxes.ts'
import { keepOpened, mayKeepSession, sealLive } from './keep-opened.ts'
import { SessionUnreadableError } from './sessions.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { MessageId } from '../../db/types.ts'
import type { Desk } from '../kernel/desk-service.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { GroupBoxesPort, OpenedBox, SealedRequest } from '../kernel/ports/sessions.ts'
import type { BundleComponents } from './bundles.ts'
import type { SessionNotices } from './notices.ts'
import type { Sessions } from './sessions.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'

export interface SessionGroupBoxesComponents extends BundleComponents {
  db: ParleyDb
  logger: ComponentLogger
  sessions: Pick<Sessions, 'seal' | 'open' | 'known' | 'reset' | 'forget' | 'ready' | 'answered'>
  groupBook: Pick<GroupBookPort, 'isGroupPeer' | 'mailboxesOf' | 'saidSessions'>
  sessionNotices: Pick<SessionNotices, 'sessionReset'>
}

/** The key a group item's box is kept under: apart from chat items' (their ULIDs). */
export function groupBoxKey (id: Uint8Array): string {
  return `group:${bytesToHex(id)}`
}

/** A live request's item id: a message's (its frame's ULID), else 16 random bytes. */
function requestItemId (request: GroupRequest): Uint8Array {
  if (request.type === 'message') {
    try {
      const body = JSON.parse(request.message.body) as { frame?: { id?: unknown } }
      if (typeof body.frame?.id === 'string') return ulidBytes(body.frame.id)
    } catch {
      // not ours to judge here: the listener's book refuses it
    }
  }
  return crypto.getRandomValues(new Uint8Array(16))
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}

export class SessionGroupBoxes implements GroupBoxesPort {
  readonly #components: SessionGroupBoxesComponents
  readonly #log: Logger

  constructor (components: SessionGroupBoxesComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:groups')
  }

  /** The listener's side of 2.0.0: it opens each box and hands the request to `book` (the group book). */
  listenWith (book: Desk<GroupRequest, GroupReply>): Desk<Uint8Array, GroupReply | Uint8Array> {
    return { receive: async (from, box, options) => this.#receive(book, from, box, options) }
  }

  /**
   * The box of a group mailbox item (`payload`, a `group-ops` or
   * `group-message` item, with its id) for member `to`, whose bundle is
   * fetched from `mailboxes` first; undefined when `to` has no sessions as far
   * as we know (then it goes under the static seal, as before).
   */
  async mailboxItem (to: string, id: Uint8Array, payload: Uint8Array, mailboxes: readonly string[], options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    return mailboxSeal(this.#components, this.#log, sessionPeerOf(peerIdFromString(to)), { key: groupBoxKey(id), id, plaintext: payload }, mailboxes, options)
  }

  /** A relay took the item: its box is not needed any more. */
  async deposited (to: string, id: Uint8Array): Promise<void> {
    await dropBoxes(this.#components.db, to, [groupBoxKey(id)])
  }

  /** The dialer's request in a box of our session with `to` (started from its bundle when there is none). Not kept: a retry seals it again. */
  async seal (to: PeerId, request: GroupRequest, options: AbortOptions = {}): Promise<SealedRequest> {
    const itemId = requestItemId(request)
    const box = await sealLive(this.#components, to, itemId, encodeGroupFrame(request), options)
    return { box, itemId }
  }

  /**
   * The reply to a request we sealed (`sealed`): a box opened (and its state
   * kept), or a reply outside one. `reject session` resets our session with
   * `from` (the courier sends again later, on a new one). A `reply` other than
   * `duplicate` says `from` holds the chain the request went on (the listener
   * answers only once that chain is stored): its next live boxes leave the
   * chain's KEM fields out (chains.ts). (A reply box needs no such word: it
   * comes on the listener's next chain after a step, and so does ours next.)
   *
   * @throws InvalidMessageError for a malformed reply, or a box that does not open or names another item
   */
  async reply (from: PeerId, sealed: SealedRequest, bytes: Uint8Array): Promise<GroupReply> {
    const { sessions } = this.#components
    const frame = decodeGroupBoxReply(bytes)
    if ('reply' in frame) {
      if (frame.reply.type === 'reject' && frame.reply.reason === 'session' && await sessions.reset(from.toString())) {
        await this.#components.sessionNotices.sessionReset(from.toString())
      }
      // opened and answered once its chain was stored (a duplicate may be an answer to a box that came before)
      if (frame.reply.type === 'reply' && frame.reply.status !== 'duplicate') sessions.answered(from.toString(), sealed.box)
      return frame.reply
    }
    if (!sameBytes(boxItemId(frame.box), sealed.itemId)) throw new InvalidMessageError('Invalid group frame: the reply\'s box names another item')
    let opened: OpenedBox
    try {
      opened = await sessions.open(sessionPeerOf(from), frame.box)
    } catch (err) {
      if (err instanceof SessionUnreadableError) throw new InvalidMessageError(`Invalid group frame: the reply's box does not open (${err.reason})`)
      throw err
    }
    let reply: GroupReply
    try {
      reply = decodeGroupReply(opened.plaintext)
    } catch (err) {
      opened.abandon()
      throw err
    }
    await keepOpened(this.#components, this.#log, from, opened)
    return reply
  }

  async #receive (book: Desk<GroupRequest, GroupReply>, from: PeerId, box: Uint8Array, options: AbortOptions): Promise<GroupReply | Uint8Array> {
    const { db, sessions } = this.#components
    const itemId = boxItemId(box)
    const id = ulidOf(itemId)
    // a message stored before (a retry whose reply was lost): answered without opening it
    const [message, event] = await Promise.all([db.messages.get(id as MessageId), db.events.get(id)])
    if (message?.groupId !== undefined || event?.groupId !== undefined) return { type: 'reply', status: 'duplicate' }
    let opened: OpenedBox
    try {
      opened = await sessions.open(sessionPeerOf(from), box)
    } catch (err) {
      if (!(err instanceof SessionUnreadableError)) throw err
      // its key was used: this very box came before
      if (err.reason === 'duplicate') return { type: 'reply', status: 'duplicate' }
      this.#log('a group box from %p does not open (%s): asking for a new session - %s', from, err.reason, err.message)
      return { type: 'reject', reason: 'session' }
    }
    let request: GroupRequest
    try {
      request = decodeGroupRequest(opened.plaintext, { boxed: true })
    } catch (err) {
      opened.abandon()
      this.#log('a group box from %p carries no valid request - %e', from, err)
      return { type: 'reject', reason: 'invalid' }
    }
    let reply: GroupReply
    try {
      reply = fitReply(await book.receive(from, request, options))
    } catch (err) {
      opened.abandon()
      throw err
    }
    if (reply.type === 'reject' && opened.started && !await mayKeepSession(this.#components, from)) {
      // a stranger's box: opened and refused, it leaves no session behind
      sessions.forget(from.toString())
      return reply
    }
    if (reply.type !== 'reply' || reply.ops === undefined) {
      // the answer does not wait for the state's write (sessions/chat-boxes.ts says why), except on a chain not stored
      // yet: the dialer takes a reply as leave to drop the chain's KEM fields (chains.ts)
      const kept = keepOpened(this.#components, this.#log, from, opened).catch(() => {})
      if (opened.chainUnstored) await kept
      return reply
    }
    await keepOpened(this.#components, this.#log, from, opened)
    return sealLive(this.#components, from, itemId, encodeGroupFrame(reply), options)
  }
}
