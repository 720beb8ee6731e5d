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
 * A call to a contact whose account has several devices rings each of them
 * (one leg per device, call-paths.ts): the first to accept takes the call
 * and the others are told `hangup answered-elsewhere`; a decline or a busy
 * from any of them ends it for all, as Signal does (a person said no, or is
 * in a call); a device that refuses or cannot be reached drops out, and the
 * call ends only when none is left. Frames to a device go one after another
 * (an ICE frame after the accept it follows), candidates waiting meanwhile
 * are sent together.
 */
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { MAX_CANDIDATES_PER_FRAME, MAX_INVITE_SKEW_MS, RING_TIMEOUT_MS } from '@parley/protocol/call/constants'
import { ELSEWHERE_REASONS } from '@parley/protocol/call/wire'
import { MAX_DEVICES } from '@parley/protocol/devices/constants'
import { errorClass } from '../../contract/errors.ts'
import { devicePeersOf } from '../../db/contact-devices.ts'
import { mayExchange } from '../contacts/index.ts'
import { CallPaths, newLeg } from './call-paths.ts'
import type { CallCandidate, CallReply, CallRequest, HangupReason } from '@parley/protocol/call/wire'
import type { CallEndReason, CallEvent, CallSignalEvent, CallSnapshot } from '../../contract/call-types.ts'
import type { ContactId } from '../../db/types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ServedConfig } from '../kernel/components.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { Desk } from '../kernel/desk-service.ts'
import type { CallLog } from './call-log.ts'
import type { CallPathsComponents, Leg } from './call-paths.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId, Startable } from '@libp2p/interface'

export const CallError = errorClass('CallError')

/** The caller's candidates an incoming call keeps until it is answered; the oldest go first. */
export const MAX_HELD_CANDIDATES = 64
/** Our candidates waiting to be sent to one device (it is slow to answer frames); beyond, the oldest go first. */
export const MAX_WAITING_CANDIDATES = 256

export interface CallsComponents extends CallPathsComponents {
  logger: ComponentLogger
  events: ParleyEventTarget
  contactBook: Pick<ContactBookPort, 'byId' | 'byPeerId'>
  /** keeps each ended call in its chat (call-log.ts) */
  callLog: Pick<CallLog, 'record'>
  /** a test's shorter ring, from a loopback origin's /config.json (read when a call starts ringing: the config is read after the feature is made) */
  served: Pick<ServedConfig, 'testRingTimeoutMs'>
}

export interface CallsInit {
  /** how long a call rings (tests shorten it) @default RING_TIMEOUT_MS */
  ringTimeoutMs?: number
}

/** What a hangup from the contact means here. */
const HANGUP_MEANS: Record<HangupReason, CallEndReason> = {
  hangup: 'hangup',
  cancel: 'cancelled',
  timeout: 'no-answer',
  failed: 'failed',
  'answered-elsewhere': 'answered-elsewhere',
  'declined-elsewhere': 'declined-elsewhere'
}

/** When an outgoing call's devices have all dropped out, the call ends with the most telling of their reasons. */
const DROPPED_BY: readonly CallEndReason[] = ['refused', 'failed', 'unreachable']

interface Call extends CallSnapshot {
  /** out: one per device of the contact's account (the first answer takes the call); in: the caller's device */
  legs: Leg[]
  /** why each leg of an outgoing call dropped out, by device */
  dropped: Map<string, CallEndReason>
  timer?: ReturnType<typeof setTimeout>
}

export class Calls implements Desk<CallRequest, CallReply>, Startable {
  readonly #components: CallsComponents
  readonly #log: Logger
  readonly #ringTimeoutMs: number
  readonly #paths: CallPaths
  #call: Call | undefined

  constructor (components: CallsComponents, init: CallsInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:calls')
    this.#ringTimeoutMs = init.ringTimeoutMs ?? RING_TIMEOUT_MS
    this.#paths = new CallPaths(components, this.#log)
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

  /**
   * Calls a contact with the tab's offer: an invite to each device of its
   * account (its held list, else its PeerID alone); resolves the call's id at
   * once (its progress: `call` events). Until the answer the call's `peerId`
   * is the contact's; then the device that answered.
   */
  async place (contactId: ContactId, video: boolean, sdp: string): Promise<string> {
    const contact = await this.#components.contactBook.byId(contactId)
    if (!mayExchange(contact)) throw new CallError('callNotContact')
    if (this.#call !== undefined && this.#call.phase !== 'ended') throw new CallError('callBusy')
    const devices = [...new Set(devicePeersOf(contact))].slice(0, MAX_DEVICES)
    const call: Call = {
      callId: bytesToHex(randomBytes(16)), contactId, peerId: contact.peerId, direction: 'out', video, phase: 'calling',
      candidates: [], startedAt: Date.now(), legs: devices.map(peer => newLeg(peer, 'calling')), dropped: new Map()
    }
    this.#call = call
    this.#tell(call)
    this.#ringFor(call)
    const invite: CallRequest = { type: 'invite', call: call.callId, video, sdp, sentAt: call.startedAt }
    for (const leg of call.legs) {
      this.#send(call, leg, invite, (reply) => { this.#inviteAnswered(call, leg, reply) }, () => { this.#drop(call, leg, 'unreachable') })
    }
    return call.callId
  }

  answer (callId: string, sdp: string): void {
    const call = this.#find(callId)
    const leg = call.legs[0]
    if (call.direction !== 'in' || call.phase !== 'ringing' || leg === undefined) throw new CallError('callNotFound')
    clearTimeout(call.timer)
    call.phase = 'active'
    call.answeredAt = Date.now()
    call.candidates = []
    this.#tell(call)
    // on every open connection, as the ending frame: the one the invite's reply took may be dying
    this.#enqueue(call, leg, async () => { await this.#paths.onEveryPath(callId, leg, { type: 'accept', call: callId, sdp }) })
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

  /** Our candidates: sent with the next ice frame, in order; before the answer, to every device still ringing. */
  sendIce (callId: string, candidates: readonly CallCandidate[]): void {
    const call = this.#find(callId)
    if (candidates.length === 0) return
    for (const leg of live(call)) {
      leg.outgoing.push(...candidates)
      leg.outgoing.splice(0, Math.max(0, leg.outgoing.length - MAX_WAITING_CANDIDATES))
      this.#enqueue(call, leg, async () => {
        while (leg.outgoing.length > 0 && call.phase !== 'ended' && leg.state !== 'gone') {
          const batch = leg.outgoing.splice(0, MAX_CANDIDATES_PER_FRAME)
          await this.#paths.exchange(callId, leg, { type: 'ice', call: callId, candidates: batch })
        }
      })
    }
  }

  sendDescription (callId: string, type: 'offer' | 'answer', sdp: string): void {
    const call = this.#find(callId)
    const leg = live(call).find(l => l.state === 'on')
    if (call.phase !== 'active' || leg === undefined) throw new CallError('callNotFound')
    // a restart that cannot reach the contact (their node is gone with their last tab): the path is
    // broken and cannot be mended, so the call is over now rather than when the tab's restarts run out
    this.#send(call, leg, { type, call: callId, sdp }, undefined, () => { this.#end(call, 'failed', 'us') })
  }

  // ------------------------------------------------------------ the desk

  async receive (from: PeerId, request: CallRequest, _options: AbortOptions): Promise<CallReply> {
    const peer = from.toString()
    if (request.type === 'invite') return this.#invitedBy(peer, request)
    const call = this.#call
    // the call under way with this device: the caller's, or one of the callee's still in it
    const leg = call !== undefined && call.callId === request.call && call.phase !== 'ended' ? live(call).find(l => l.peer === peer) : undefined
    if (call === undefined || leg === undefined) return { type: 'reject', reason: 'unknown-call' }
    const answered = call.direction === 'in' || leg.state === 'on'
    switch (request.type) {
      case 'accept':
        if (call.direction !== 'out' || (call.phase !== 'calling' && call.phase !== 'ringing')) return { type: 'reject', reason: 'unknown-call' }
        clearTimeout(call.timer)
        call.phase = 'active'
        call.answeredAt = Date.now()
        call.peerId = peer
        leg.state = 'on'
        // the first answer takes the call: the other devices stop ringing
        for (const other of live(call)) if (other !== leg) this.#letGo(call, other, 'answered-elsewhere')
        this.#signal({ callId: call.callId, type: 'answer', sdp: request.sdp })
        this.#tell(call)
        return { type: 'ok' }
      case 'decline':
        if (call.direction !== 'out' || call.phase === 'active') return { type: 'reject', reason: 'unknown-call' }
        // one device's decline is the person's: the others are told it was declined elsewhere
        leg.state = 'gone'
        this.#end(call, 'declined', 'them', true)
        return { type: 'ok' }
      case 'hangup':
        if (!answered) this.#drop(call, leg, HANGUP_MEANS[request.reason])
        else this.#end(call, HANGUP_MEANS[request.reason], 'them')
        return { type: 'ok' }
      case 'ice':
        if (!answered) return { type: 'reject', reason: 'unknown-call' }
        if (call.direction === 'in' && call.phase === 'ringing') {
          call.candidates.push(...request.candidates)
          call.candidates.splice(0, Math.max(0, call.candidates.length - MAX_HELD_CANDIDATES))
        }
        this.#signal({ callId: call.callId, type: 'ice', candidates: request.candidates })
        return { type: 'ok' }
      case 'offer':
      case 'answer':
        if (call.phase !== 'active' || !answered) return { type: 'reject', reason: 'unknown-call' }
        this.#signal({ callId: call.callId, type: request.type, sdp: request.sdp })
        return { type: 'ok' }
    }
  }

  async #invitedBy (peer: string, invite: Extract<CallRequest, { type: 'invite' }>): Promise<CallReply> {
    // any device of a contact's account is that contact (its held list names the device)
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
      offer: invite.sdp, candidates: [], startedAt: Date.now(), legs: [newLeg(peer, 'on')], dropped: new Map()
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

  /** A device's reply to our invite: it rings; busy (the person is in a call there) ends the call for all; another refusal drops the device. */
  #inviteAnswered (call: Call, leg: Leg, reply: CallReply): void {
    if (leg.state !== 'calling' || (call.phase !== 'calling' && call.phase !== 'ringing')) return
    if (reply.type === 'ringing') {
      leg.state = 'ringing'
      if (call.phase === 'calling') {
        call.phase = 'ringing'
        this.#tell(call)
      }
    } else if (reply.type === 'reject' && reply.reason === 'busy') {
      leg.state = 'gone'
      this.#end(call, 'busy', 'them', true)
    } else if (reply.type === 'reject') {
      this.#drop(call, leg, reply.reason === 'not-a-contact' ? 'refused' : 'failed')
    }
  }

  /** A device of an outgoing call drops out (it refused, could not be reached, or hung up before answering); with none left, the call ends. */
  #drop (call: Call, leg: Leg, why: CallEndReason): void {
    // kept even for a device let go meanwhile: its ending frame is not tried where the invite never got
    call.dropped.set(leg.peer, why)
    if (leg.state === 'gone') return
    leg.state = 'gone'
    leg.outgoing = []
    if ((call.phase !== 'calling' && call.phase !== 'ringing') || live(call).length > 0) return
    const reasons = [...call.dropped.values()]
    const reason = DROPPED_BY.find(r => reasons.includes(r)) ?? why
    this.#end(call, reason, reason === 'unreachable' ? 'us' : 'them')
  }

  /**
   * A device of an outgoing call is told the call is over for it: `reason`
   * `answered-elsewhere` or `declined-elsewhere` (another device of the
   * account took it or declined it; an app from before these refuses them as
   * invalid, and hears `cancel` instead), or the caller's own ending.
   */
  #letGo (call: Call, leg: Leg, reason: HangupReason): void {
    leg.state = 'gone'
    leg.outgoing = []
    this.#enqueue(call, leg, async () => {
      // (after the invite's exchange, which went before it: a device it could not reach rang nothing)
      if (call.dropped.get(leg.peer) === 'unreachable') return
      const reply = await this.#paths.onEveryPath(call.callId, leg, { type: 'hangup', call: call.callId, reason })
      if (reply.type === 'reject' && reply.reason === 'invalid' && ELSEWHERE_REASONS.includes(reason)) {
        await this.#paths.onEveryPath(call.callId, leg, { type: 'hangup', call: call.callId, reason: 'cancel' })
      }
    }, true)
  }

  /** Unanswered after the ring timeout: the caller gives up (and says so); the callee's is a missed call. */
  #ringFor (call: Call): void {
    call.timer = setTimeout(() => {
      if (call.phase !== 'calling' && call.phase !== 'ringing') return
      this.#end(call, 'no-answer', call.direction === 'out' ? 'us' : 'them', call.direction === 'out')
    }, this.#components.served.testRingTimeoutMs ?? this.#ringTimeoutMs)
  }

  /**
   * Ends the call here; with `tell`, the devices still in it hear it: the
   * caller's a decline for an incoming call not answered, else a hangup; the
   * callee's that answered a hangup; those still ringing a hangup saying why
   * (`declined-elsewhere` after another device's decline, `timeout`,
   * `failed`, else `cancel`).
   */
  #end (call: Call, reason: CallEndReason, by: 'us' | 'them', tell = false): void {
    if (call.phase === 'ended') return
    clearTimeout(call.timer)
    const wasRinging = call.direction === 'in' && call.phase === 'ringing'
    call.phase = 'ended'
    call.reason = reason
    call.endedBy = by
    call.endedAt = Date.now()
    this.#tell(call)
    void this.#components.callLog.record(event(call))
    if (!tell) return
    for (const leg of live(call)) {
      if (leg.state !== 'on') {
        this.#letGo(call, leg, reason === 'declined' ? 'declined-elsewhere' : reason === 'no-answer' ? 'timeout' : reason === 'failed' ? 'failed' : 'cancel')
        continue
      }
      const frame: CallRequest = wasRinging && reason === 'declined'
        ? { type: 'decline', call: call.callId }
        : { type: 'hangup', call: call.callId, reason: reason === 'cancelled' ? 'cancel' : reason === 'no-answer' ? 'timeout' : reason === 'failed' ? 'failed' : 'hangup' }
      leg.outgoing = []
      this.#enqueue(call, leg, async () => { await this.#paths.onEveryPath(call.callId, leg, frame) }, true)
    }
  }

  /** Sends `frame` to a device after the earlier frames to it; `onReply` sees the reply, `onFail` a failure (else it is logged). */
  #send (call: Call, leg: Leg, frame: CallRequest, onReply?: (reply: CallReply) => void, onFail?: () => void): void {
    this.#enqueue(call, leg, async () => {
      try {
        // not `onReply?.(await …)`: without onReply that would skip the exchange itself
        const reply = await this.#paths.exchange(call.callId, leg, frame)
        onReply?.(reply)
      } catch (err) {
        if (onFail === undefined) throw err
        this.#log('%s of call %s to %s failed - %e', frame.type, call.callId, leg.peer, err)
        onFail()
      }
    })
  }

  /** Runs `task` after the leg's earlier frames; skipped once the call ended or the device left it, unless `evenEnded`. */
  #enqueue (call: Call, leg: Leg, task: () => Promise<void>, evenEnded = false): void {
    leg.queue = leg.queue.then(async () => {
      if ((call.phase === 'ended' || leg.state === 'gone') && !evenEnded) return
      await task()
    }).catch((err: unknown) => { this.#log('call %s: a frame to %s failed - %e', call.callId, leg.peer, err) })
  }

  #tell (call: Call): void {
    this.#components.events.safeDispatchEvent('call', { detail: event(call) })
  }

  #signal (detail: CallSignalEvent): void {
    this.#components.events.safeDispatchEvent('callSignal', { detail })
  }
}

/** The devices still in the call. */
function live (call: Call): Leg[] {
  return call.legs.filter(l => l.state !== 'gone')
}

function event (call: Call): CallEvent {
  const { offer: _offer, candidates: _candidates, legs: _legs, dropped: _dropped, timer: _timer, ...rest } = call
  return rest
}

function snapshot (call: Call): CallSnapshot {
  const { legs: _legs, dropped: _dropped, timer: _timer, ...rest } = call
  return { ...rest, candidates: [...call.candidates] }
}
