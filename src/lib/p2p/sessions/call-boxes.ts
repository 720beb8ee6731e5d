/**
 * Group calls' frames in session boxes (docs/protocols.md, "Group calls",
 * Stream and frames), on our session with each member's device (members
 * need not be contacts: a member's bundle comes from the mailbox relays it
 * named in its `profile` first, as for group traffic).
 *
 * The dialer seals each request into a box (a new one per try: a call's
 * frames are live, never kept) and opens the reply's box. The listener opens
 * the request's box, hands the frame to the desk (the group calls), keeps
 * the session's new state, and seals the reply into a box of its own. A box
 * that does not open is answered `reject session` outside a box, upon which
 * the dialer starts a new session (at most once per 30 s per peer, as for
 * any box); a session that a stranger's box started is not kept, and the
 * stranger gets `reject invalid` outside a box.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { decodeGroupCallBoxReply, SESSION_REJECT } from '@parley/protocol/group-call/boxed'
import { decodeGroupCallReply, decodeGroupCallRequest, encodeGroupCallFrame } from '@parley/protocol/group-call/wire'
import { boxItemId } from '@parley/protocol/session/box'
import { equal } from '@parley/protocol/session/ratchet-state'
import { sessionPeerOf } from './chat-boxes.ts'
import { keepOpened, mayKeepSession, sealLive } from './keep-opened.ts'
import { SessionUnreadableError } from './sessions.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { Desk } from '../kernel/desk-service.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { GroupCallBoxesPort, OpenedBox, SealedRequest } from '../kernel/ports/sessions.ts'
import type { BundleComponents } from './bundles.ts'
import type { SessionNotices } from './notices.ts'
import type { Sessions } from './sessions.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import type { OutsideReject } from '@parley/protocol/group-call/boxed'
import type { GroupCallReply, GroupCallRequest } from '@parley/protocol/group-call/wire'

export interface SessionCallBoxesComponents extends BundleComponents {
  db: ParleyDb
  logger: ComponentLogger
  sessions: Pick<Sessions, 'seal' | 'open' | 'reset' | 'forget' | 'ready'>
  groupBook: Pick<GroupBookPort, 'isGroupPeer' | 'mailboxesOf'>
  sessionNotices: Pick<SessionNotices, 'sessionReset'>
}

/** The request's box did not open on the listener's side: our session with it was dropped, and the next frame goes on a new one. */
export class CallSessionRefusedError extends Error {
  override name = 'CallSessionRefusedError'
}

const INVALID: OutsideReject = { type: 'reject', reason: 'invalid' }

export class SessionCallBoxes implements GroupCallBoxesPort {
  readonly #components: SessionCallBoxesComponents
  readonly #log: Logger

  constructor (components: SessionCallBoxesComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:calls')
  }

  /** The listener's side: each box opened, its frame handed to `desk`, the reply sealed. */
  listenWith (desk: Desk<GroupCallRequest, GroupCallReply>): Desk<Uint8Array, Uint8Array | OutsideReject> {
    return { receive: async (from, box, options) => this.#receive(desk, from, box, options) }
  }

  /** The request in a box of our session with `to` (started from its bundle when there is none). */
  async seal (to: PeerId, request: GroupCallRequest, options: AbortOptions = {}): Promise<SealedRequest> {
    const itemId = crypto.getRandomValues(new Uint8Array(16))
    return { box: await sealLive(this.#components, to, itemId, encodeGroupCallFrame(request), options), itemId }
  }

  /**
   * The reply to `request`, sealed as `sealed`: a box opened (its state
   * kept), or a reject outside one.
   *
   * @throws CallSessionRefusedError for `reject session` (our session was dropped)
   * @throws InvalidMessageError for a malformed reply, or a box that does not open or names another item
   */
  async reply (from: PeerId, sealed: SealedRequest, bytes: Uint8Array, request: GroupCallRequest): Promise<GroupCallReply> {
    const { sessions } = this.#components
    const frame = decodeGroupCallBoxReply(bytes)
    if ('reply' in frame) {
      if (frame.reply.reason !== 'session') return { type: 'reject', reason: frame.reply.reason }
      if (await sessions.reset(from.toString())) await this.#components.sessionNotices.sessionReset(from.toString())
      throw new CallSessionRefusedError(`${from.toString()} could not open our box: a new session comes with the next frame`)
    }
    if (!equal(boxItemId(frame.box), sealed.itemId)) throw new InvalidMessageError('Invalid group call frame: the reply\'s box names another item')
    let opened: OpenedBox
    try {
      opened = await sessions.open(sessionPeerOf(from), frame.box)
    } catch (err) {
      if (err instanceof SessionUnreadableError) throw new InvalidMessageError(`Invalid group call frame: the reply's box does not open (${err.reason})`)
      throw err
    }
    let reply: GroupCallReply
    try {
      reply = decodeGroupCallReply(opened.plaintext, request)
    } catch (err) {
      opened.abandon()
      throw err
    }
    await keepOpened(this.#components, this.#log, from, opened)
    return reply
  }

  async #receive (desk: Desk<GroupCallRequest, GroupCallReply>, from: PeerId, box: Uint8Array, options: AbortOptions): Promise<Uint8Array | OutsideReject> {
    const { sessions } = this.#components
    let opened: OpenedBox
    try {
      opened = await sessions.open(sessionPeerOf(from), box)
    } catch (err) {
      if (!(err instanceof SessionUnreadableError)) throw err
      // a box that came before: a replay, or a retry whose reply was lost (the call's frames are live: not again)
      if (err.reason === 'duplicate') return INVALID
      this.#log('a group call box from %p does not open (%s): asking for a new session - %s', from, err.reason, err.message)
      return SESSION_REJECT
    }
    let reply: GroupCallReply
    try {
      reply = await desk.receive(from, decodeGroupCallRequest(opened.plaintext), options)
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) {
        opened.abandon()
        throw err
      }
      this.#log('a group call box from %p carries no valid frame - %e', from, err)
      reply = { type: 'reject', reason: 'invalid' }
    }
    if (reply.type === 'reject' && opened.started && !await mayKeepSession(this.#components, from)) {
      // a stranger's box: opened and refused, it leaves no session behind
      sessions.forget(from.toString())
      return INVALID
    }
    await keepOpened(this.#components, this.#log, from, opened)
    return sealLive(this.#components, from, boxItemId(box), encodeGroupCallFrame(reply), options)
  }
}
