/**
 * 1:1 calls (docs/protocols.md, "Calls"): the worker's side is the
 * signalling. It keeps the one call under way, carries the tab's offer,
 * answer and candidates to the contact over `/parley/call/1.0.0`, answers
 * what the contact sends (the desk), and tells every tab where the call
 * stands (`call`) and what its media needs (`callSignal`). The media and
 * the RTCPeerConnection are the tab's.
 *
 *   out: calling ─ringing→ ringing ─accept→ active ─hangup→ ended
 *   in:  ringing ─answerCall→ active ─hangup→ ended
 *   and from calling or ringing: decline, busy, cancel, no answer (RING_TIMEOUT_MS) → ended
 *
 * One call at a time: an invite while one is under way is answered `busy`.
 * Frames to the contact go one after another (an ICE frame after the accept
 * it follows), candidates waiting meanwhile are sent together.
 */
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_CANDIDATES_PER_FRAME, MAX_INVITE_SKEW_MS, RING_TIMEOUT_MS } from '@parley/protocol/call/constants'
import { errorClass } from '../../contract/errors.ts'
import { mayExchange } from '../contacts/index.ts'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import type { CallCandidate, CallReply, CallRequest, HangupReason } from '@parley/protocol/call/wire'
import type { CallEndReason, CallEvent, CallSignalEvent, CallSnapshot } from '../../contract/call-types.ts'
import type { ContactId } from '../../db/types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { Desk } from '../kernel/desk-service.ts'
import type { CallLog } from './call-log.ts'
import type { CallService } from './call-service.ts'
import type { AbortOptions, ComponentLogger, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

export const CallError = errorClass('CallError')

/** The caller's candidates an incoming call keeps until it is answered; the oldest go first. */
export const MAX_HELD_CANDIDATES = 64
/** Connections a call's answer or ending frame goes on at once (#onEveryPath). */
export const MAX_PARALLEL_PATHS = 3
/** Our candidates waiting to be sent (the contact slow to answer frames); beyond, the oldest go first. */
export const MAX_WAITING_CANDIDATES = 256

export interface CallsComponents {
  logger: ComponentLogger
  events: ParleyEventTarget
  contactBook: Pick<ContactBookPort, 'byId' | 'byPeerId'>
  dialer: Pick<ContactDialer, 'connect'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { call: Pick<CallService, 'send'> } }
  /** keeps each ended call in its chat (call-log.ts) */
  callLog: Pick<CallLog, 'record'>
}

export interface CallsInit {
  /** how long a call rings (tests shorten it) @default RING_TIMEOUT_MS */
  ringTimeoutMs?: number
}

/** What a hangup from the contact means here. */
const HANGUP_MEANS: Record<HangupReason, CallEndReason> = { hangup: 'hangup', cancel: 'cancelled', timeout: 'no-answer', failed: 'failed' }

interface Call extends CallSnapshot {
  /** the frames to the contact, one after another */
  queue: Promise<void>
  /** our candidates waiting for the next ice frame */
  outgoing: CallCandidate[]
  timer?: ReturnType<typeof setTimeout>
}

export class Calls implements Desk<CallRequest, CallReply>, Startable {
  readonly #components: CallsComponents
  readonly #log: Logger
  readonly #ringTimeoutMs: number
  #call: Call | undefined

  constructor (components: CallsComponents, init: CallsInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:calls')
    this.#ringTimeoutMs = init.ringTimeoutMs ?? RING_TIMEOUT_MS
  }

  start (): void {}

  /** The node stops: a call under way ends (the contact is told when it can be). */
  stop (): void {
    if (this.#call !== undefined && this.#call.phase !== 'ended') this.#end(this.#call, this.#call.phase === 'active' ? 'hangup' : this.#call.direction === 'out' ? 'cancelled' : 'declined', 'us', true)
  }

  /** The call under way, as a tab may read it. */
  current (): CallSnapshot | null {
    const call = this.#call
    if (call === undefined || call.phase === 'ended') return null
    return snapshot(call)
  }

  /** Calls a contact with the tab's offer; resolves the call's id at once (its progress: `call` events). */
  async place (contactId: ContactId, video: boolean, sdp: string): Promise<string> {
    const contact = await this.#components.contactBook.byId(contactId)
    if (!mayExchange(contact)) throw new CallError('callNotContact')
    if (this.#call !== undefined && this.#call.phase !== 'ended') throw new CallError('callBusy')
    const call: Call = {
      callId: bytesToHex(randomBytes(16)), contactId, peerId: contact.peerId, direction: 'out', video, phase: 'calling',
      candidates: [], startedAt: Date.now(), queue: Promise.resolve(), outgoing: []
    }
    this.#call = call
    this.#tell(call)
    this.#ringFor(call)
    this.#send(call, { type: 'invite', call: call.callId, video, sdp, sentAt: call.startedAt }, (reply) => {
      if (call.phase !== 'calling') return
      if (reply.type === 'ringing') {
        call.phase = 'ringing'
        this.#tell(call)
      } else if (reply.type === 'reject') {
        this.#end(call, reply.reason === 'busy' ? 'busy' : reply.reason === 'not-a-contact' ? 'refused' : 'failed', 'them')
      }
    }, () => { if (call.phase === 'calling') this.#end(call, 'unreachable', 'us') })
    return call.callId
  }

  answer (callId: string, sdp: string): void {
    const call = this.#find(callId)
    if (call.direction !== 'in' || call.phase !== 'ringing') throw new CallError('callNotFound')
    clearTimeout(call.timer)
    call.phase = 'active'
    call.answeredAt = Date.now()
    call.candidates = []
    this.#tell(call)
    // on every open connection, as the ending frame: the one the invite's reply took may be dying
    this.#enqueue(call, async () => { await this.#onEveryPath(call, { type: 'accept', call: callId, sdp }) })
  }

  decline (callId: string): void {
    const call = this.#find(callId)
    if (call.direction !== 'in' || call.phase !== 'ringing') throw new CallError('callNotFound')
    this.#end(call, 'declined', 'us', true)
  }

  hangUp (callId: string, failed = false): void {
    const call = this.#find(callId)
    this.#end(call, failed ? 'failed' : call.phase === 'active' ? 'hangup' : call.direction === 'out' ? 'cancelled' : 'declined', 'us', true)
  }

  /** Our candidates: sent with the next ice frame, in order. */
  sendIce (callId: string, candidates: readonly CallCandidate[]): void {
    const call = this.#find(callId)
    if (candidates.length === 0) return
    call.outgoing.push(...candidates)
    call.outgoing.splice(0, Math.max(0, call.outgoing.length - MAX_WAITING_CANDIDATES))
    this.#enqueue(call, async () => {
      while (call.outgoing.length > 0 && call.phase !== 'ended') {
        const batch = call.outgoing.splice(0, MAX_CANDIDATES_PER_FRAME)
        await this.#exchange(call, { type: 'ice', call: callId, candidates: batch })
      }
    })
  }

  sendDescription (callId: string, type: 'offer' | 'answer', sdp: string): void {
    const call = this.#find(callId)
    if (call.phase !== 'active') throw new CallError('callNotFound')
    // a restart that cannot reach the contact (their node is gone with their last tab): the path is
    // broken and cannot be mended, so the call is over now rather than when the tab's restarts run out
    this.#send(call, { type, call: callId, sdp }, undefined, () => { this.#end(call, 'failed', 'us') })
  }

  // ------------------------------------------------------------ the desk

  async receive (from: PeerId, request: CallRequest, _options: AbortOptions): Promise<CallReply> {
    const peer = from.toString()
    if (request.type === 'invite') return this.#invited(peer, request)
    const call = this.#call
    if (call === undefined || call.callId !== request.call || call.peerId !== peer || call.phase === 'ended') return { type: 'reject', reason: 'unknown-call' }
    switch (request.type) {
      case 'accept':
        if (call.direction !== 'out' || (call.phase !== 'calling' && call.phase !== 'ringing')) return { type: 'reject', reason: 'unknown-call' }
        clearTimeout(call.timer)
        call.phase = 'active'
        call.answeredAt = Date.now()
        this.#signal({ callId: call.callId, type: 'answer', sdp: request.sdp })
        this.#tell(call)
        return { type: 'ok' }
      case 'decline':
        if (call.direction !== 'out' || call.phase === 'active') return { type: 'reject', reason: 'unknown-call' }
        this.#end(call, 'declined', 'them')
        return { type: 'ok' }
      case 'hangup':
        this.#end(call, HANGUP_MEANS[request.reason], 'them')
        return { type: 'ok' }
      case 'ice':
        if (call.direction === 'in' && call.phase === 'ringing') {
          call.candidates.push(...request.candidates)
          call.candidates.splice(0, Math.max(0, call.candidates.length - MAX_HELD_CANDIDATES))
        }
        this.#signal({ callId: call.callId, type: 'ice', candidates: request.candidates })
        return { type: 'ok' }
      case 'offer':
      case 'answer':
        if (call.phase !== 'active') return { type: 'reject', reason: 'unknown-call' }
        this.#signal({ callId: call.callId, type: request.type, sdp: request.sdp })
        return { type: 'ok' }
    }
  }

  async #invited (peer: string, invite: Extract<CallRequest, { type: 'invite' }>): Promise<CallReply> {
    const contact = await this.#components.contactBook.byPeerId(peer)
    if (!mayExchange(contact)) return { type: 'reject', reason: 'not-a-contact' }
    if (Math.abs(Date.now() - invite.sentAt) > MAX_INVITE_SKEW_MS) return { type: 'reject', reason: 'stale' }
    const now = this.#call
    if (now !== undefined && now.phase !== 'ended') {
      // the same invite again (a retry after a lost reply) still rings
      return now.callId === invite.call && now.peerId === peer && now.direction === 'in' ? { type: 'ringing' } : { type: 'reject', reason: 'busy' }
    }
    if (now?.callId === invite.call) return { type: 'reject', reason: 'unknown-call' }
    const call: Call = {
      callId: invite.call, contactId: contact.id, peerId: peer, direction: 'in', video: invite.video, phase: 'ringing',
      offer: invite.sdp, candidates: [], startedAt: Date.now(), queue: Promise.resolve(), outgoing: []
    }
    this.#call = call
    this.#ringFor(call)
    this.#tell(call)
    return { type: 'ringing' }
  }

  // ------------------------------------------------------------ helpers

  #find (callId: string): Call {
    const call = this.#call
    if (call === undefined || call.callId !== callId || call.phase === 'ended') throw new CallError('callNotFound')
    return call
  }

  /** Unanswered after the ring timeout: the caller gives up (and says so); the callee's is a missed call. */
  #ringFor (call: Call): void {
    call.timer = setTimeout(() => {
      if (call.phase !== 'calling' && call.phase !== 'ringing') return
      this.#end(call, 'no-answer', call.direction === 'out' ? 'us' : 'them', call.direction === 'out')
    }, this.#ringTimeoutMs)
  }

  /** Ends the call here; with `tell`, the contact hears it (a hangup, or a decline for an incoming one not answered). */
  #end (call: Call, reason: CallEndReason, by: 'us' | 'them', tell = false): void {
    if (call.phase === 'ended') return
    clearTimeout(call.timer)
    const wasRinging = call.direction === 'in' && call.phase === 'ringing'
    call.phase = 'ended'
    call.reason = reason
    call.endedBy = by
    call.endedAt = Date.now()
    call.outgoing = []
    this.#tell(call)
    void this.#components.callLog.record(event(call))
    if (!tell) return
    const frame: CallRequest = wasRinging && reason === 'declined'
      ? { type: 'decline', call: call.callId }
      : { type: 'hangup', call: call.callId, reason: reason === 'cancelled' ? 'cancel' : reason === 'no-answer' ? 'timeout' : reason === 'failed' ? 'failed' : 'hangup' }
    this.#enqueue(call, async () => { await this.#onEveryPath(call, frame) }, true)
  }

  /**
   * The frames that answer and end a call go on every open connection to the
   * contact at once (at most MAX_PARALLEL_PATHS; the first reply wins, the
   * contact answers the later copies unknown-call): a tab that closed may
   * have hosted the direct connection (Firefox's WebRTC lives in a tab), which
   * then dies under the frame while the relayed one still carries it. The
   * ending frame of the call it held, or the answer to the next call, which
   * rang over another connection (it was lost on the dying one until its
   * timeout: the Chromium-Firefox e2e of a second call after a closed tab).
   * With none open, or all failing, it is sent as any frame.
   */
  async #onEveryPath (call: Call, frame: CallRequest): Promise<void> {
    const { libp2p } = this.#components
    const open = libp2p.getConnections(peerIdFromString(call.peerId)).filter(c => c.status === 'open').slice(0, MAX_PARALLEL_PATHS)
    if (open.length > 1) {
      const sent = await Promise.any(open.map(async c => libp2p.services.call.send(c, frame))).then(() => true, () => false)
      if (sent) return
    }
    await this.#exchange(call, frame)
  }

  /** Sends `frame` after the call's earlier frames; `onReply` sees the reply, `onFail` a failure (else it is logged). */
  #send (call: Call, frame: CallRequest, onReply?: (reply: CallReply) => void, onFail?: () => void): void {
    this.#enqueue(call, async () => {
      try {
        // not `onReply?.(await …)`: without onReply that would skip the exchange itself
        const reply = await this.#exchange(call, frame)
        onReply?.(reply)
      } catch (err) {
        if (onFail === undefined) throw err
        this.#log('%s of call %s to %s failed - %e', frame.type, call.callId, call.peerId, err)
        onFail()
      }
    })
  }

  #enqueue (call: Call, task: () => Promise<void>, evenEnded = false): void {
    call.queue = call.queue.then(async () => {
      if (call.phase === 'ended' && !evenEnded) return
      await task()
    }).catch((err: unknown) => { this.#log('call %s: a frame to %s failed - %e', call.callId, call.peerId, err) })
  }

  async #exchange (call: Call, frame: CallRequest, again = true): Promise<CallReply> {
    const connection = await this.#components.dialer.connect({ peerId: call.peerId }, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })
    let reply: CallReply
    try {
      reply = await this.#components.libp2p.services.call.send(connection, frame)
    } catch (err) {
      // the connection closed under the frame (the tab that hosted its WebRTC went away, as when the
      // tab holding the call closes and this frame is its hang-up): once more, on another one
      if (!again || connection.status === 'open') throw err
      this.#log('%s of call %s: its connection closed, sending again - %e', frame.type, call.callId, err)
      return this.#exchange(call, frame, false)
    }
    if (reply.type === 'reject' && frame.type !== 'invite') this.#log('%s of call %s refused by %p: %s', frame.type, call.callId, peerIdFromString(call.peerId), reply.reason)
    return reply
  }

  #tell (call: Call): void {
    this.#components.events.safeDispatchEvent('call', { detail: event(call) })
  }

  #signal (detail: CallSignalEvent): void {
    this.#components.events.safeDispatchEvent('callSignal', { detail })
  }
}

function event (call: Call): CallEvent {
  const { offer: _offer, candidates: _candidates, queue: _queue, outgoing: _outgoing, timer: _timer, ...rest } = call
  return rest
}

function snapshot (call: Call): CallSnapshot {
  const { queue: _queue, outgoing: _outgoing, timer: _timer, ...rest } = call
  return { ...rest, candidates: [...call.candidates] }
}
