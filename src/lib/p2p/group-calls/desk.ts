/**
 * What a member's device sends us about a group call (docs/protocols.md,
 * "Group calls"): a `state` (who is in a call; it rings here at its start),
 * a `decline` of our ring, and, while we are in the call, each pair's
 * `join`, `answer`, `offer`, `ice` and `leave`. Anyone but a member's
 * device (by our fold) is refused `not-a-member`.
 */
import { MAX_GROUP_CALL_SKEW_MS } from '@parley/protocol/group-call/constants'
import { newCall } from './call-table.ts'
import type { Desk } from '../kernel/desk-service.ts'
import type { CallCore } from './call-core.ts'
import type { Call } from './call-table.ts'
import type { GroupCallReply, GroupCallRequest, GroupCallState } from '@parley/protocol/group-call/wire'
import type { AbortOptions, PeerId } from '@libp2p/interface'

const UNKNOWN_CALL: GroupCallReply = { type: 'reject', reason: 'unknown-call' }
const OK: GroupCallReply = { type: 'ok' }

export class GroupCallDesk implements Desk<GroupCallRequest, GroupCallReply> {
  readonly #core: CallCore

  constructor (core: CallCore) {
    this.#core = core
  }

  async receive (from: PeerId, request: GroupCallRequest, _options: AbortOptions): Promise<GroupCallReply> {
    const core = this.#core
    const peer = from.toString()
    const member = await core.roster.memberOf(request.group, peer)
    if (member === undefined) return { type: 'reject', reason: 'not-a-member' }
    if (request.type === 'state') return this.#stateFrom(peer, member, request)
    const call = core.table.get(request.call)
    if (call === undefined || call.groupId !== request.group || call.phase === 'ended') return UNKNOWN_CALL
    const mesh = call.mesh
    if (request.type === 'decline') {
      if (mesh === undefined) return UNKNOWN_CALL
      call.declined.add(member)
      core.tell(call)
      // the decliner's other devices stop ringing
      void core.tellOthers(call, Date.now(), member, peer)
      return OK
    }
    if (mesh === undefined) return request.type === 'leave' ? this.#leftAfterUs(call, peer) : UNKNOWN_CALL
    const callId = call.callId
    if (request.type === 'join') {
      const answer = mesh.onJoin(peer)
      if (answer.reply !== 'joined') return { type: 'reject', reason: answer.reply }
      call.took.add(member)
      core.frames.forget(peer)
      core.syncParticipants(call, new Map([[peer, member]]))
      // a new RTCPeerConnection answers it (one with that device before is replaced)
      core.signal({ callId, peer, type: 'join', sdp: request.sdp })
      core.tell(call)
      return { type: 'joined', participants: answer.participants }
    }
    if (mesh.pair(peer) === undefined) return UNKNOWN_CALL
    switch (request.type) {
      case 'leave':
        mesh.onLeave(peer)
        call.known.delete(peer)
        core.frames.forget(peer)
        core.signal({ callId, peer, type: 'closed' })
        core.syncParticipants(call)
        core.tell(call)
        return OK
      case 'answer':
      case 'offer':
        core.signal({ callId, peer, type: request.type, sdp: request.sdp })
        return OK
      case 'ice':
        core.signal({ callId, peer, type: 'ice', candidates: request.candidates })
        return OK
    }
  }

  /**
   * A `leave` from a device we knew in the call, after we left it ourselves
   * (the two of us left at once, each sending `leave` to the other): with no
   * one left in our view, we say the call is over, as the last one out does.
   */
  #leftAfterUs (call: Call, peer: string): GroupCallReply {
    if (!call.participants.delete(peer)) return UNKNOWN_CALL
    const now = Date.now()
    if (call.participants.size > 0) {
      this.#core.tell(call)
      return OK
    }
    void this.#core.tellOthers(call, now)
    this.#core.end(call, now)
    return OK
  }

  async #stateFrom (peer: string, member: string, state: GroupCallState): Promise<GroupCallReply> {
    const core = this.#core
    if (Math.abs(Date.now() - state.sentAt) > MAX_GROUP_CALL_SKEW_MS) return { type: 'reject', reason: 'stale' }
    if (core.table.hasEnded(state.call)) return OK
    let call = core.table.get(state.call)
    if (call !== undefined && call.groupId !== state.group) return UNKNOWN_CALL
    const participants = new Map<string, string>()
    for (const device of state.participants) {
      const of = await core.roster.memberOf(state.group, device)
      if (of !== undefined) participants.set(device, of)
    }
    if (call === undefined) {
      if (state.participants.length === 0) {
        core.table.ended(state.call)
        return OK
      }
      call = core.table.add(newCall({
        groupId: state.group, callId: state.call, video: state.video, phase: 'available', startedAt: state.startedAt, sentAt: 0,
        startedBy: state.ring ? member : [...participants.values()][0] ?? member
      }))
    }
    for (const of of participants.values()) call.took.add(of)
    // a state older than one we took says nothing new (its sender's frames may come after another's)
    if (state.sentAt < call.sentAt) return OK
    call.sentAt = state.sentAt
    if (call.mesh === undefined) call.participants = participants
    if (state.participants.length === 0) {
      if (call.mesh?.inCall !== true) core.end(call, state.sentAt)
      return OK
    }
    const ourDeviceIn = [...participants.values()].includes(core.roster.me())
    // answered on another device of ours, or the device that rang us says it no longer does (a decline of ours elsewhere, or it left)
    if (call.phase === 'ringing' && (ourDeviceIn || (!state.ring && peer === call.ringer))) core.stopRinging(call)
    if (state.ring && call.phase === 'available' && !ourDeviceIn && !call.declinedHere) {
      if (!core.components.callLine.take(call.callId)) {
        core.tell(call)
        return { type: 'reject', reason: 'busy' }
      }
      core.ring(call, peer)
      core.tell(call)
      return { type: 'ringing' }
    }
    core.tell(call)
    return OK
  }
}
