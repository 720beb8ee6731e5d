/**
 * Group calls (docs/protocols.md, "Group calls"): the worker's side is the
 * signalling of a mesh among a group's members' devices. It knows the calls
 * under way in our groups, rings for a call's start, keeps the mesh of the
 * one this device is in (`CallMesh`: who offers to whom, glare, full,
 * joining again), carries each pair's offer, answer and candidates in the
 * members' sessions, and tells every tab where each call stands
 * (`groupCall`) and what the media of the one it holds needs
 * (`groupCallSignal`). Each pair's RTCPeerConnection is the tab's. One call
 * at a time on a device, 1:1 or group (the call line). This file is the
 * tab's side; desk.ts what members' devices send.
 */
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { CallMesh } from '@parley/protocol/group-call/mesh'
import { MAX_GROUP_CALL_PARTICIPANTS } from '@parley/protocol/group-call/constants'
import { errorClass } from '../../contract/errors.ts'
import { CallCore } from './call-core.ts'
import { newCall, view } from './call-table.ts'
import { GroupCallDesk } from './desk.ts'
import type { GroupCallView } from '../../contract/group-call-types.ts'
import type { Desk } from '../kernel/desk-service.ts'
import type { GroupCallsComponents } from './call-core.ts'
import type { Call } from './call-table.ts'
import type { MeshSends } from '@parley/protocol/group-call/mesh'
import type { CallCandidate, GroupCallReply, GroupCallRequest, GroupCallState } from '@parley/protocol/group-call/wire'
import type { AbortOptions, PeerId, Startable } from '@libp2p/interface'

export type { GroupCallsComponents } from './call-core.ts'

export const GroupCallError = errorClass('GroupCallError')

export class GroupCalls implements Desk<GroupCallRequest, GroupCallReply>, Startable {
  readonly #core: CallCore
  readonly #desk: GroupCallDesk

  constructor (components: GroupCallsComponents) {
    this.#core = new CallCore(components)
    this.#desk = new GroupCallDesk(this.#core)
  }

  start (): void {}

  /** What members' devices send (desk.ts). */
  async receive (from: PeerId, request: GroupCallRequest, options: AbortOptions): Promise<GroupCallReply> {
    return this.#desk.receive(from, request, options)
  }

  /** The node stops: the call we are in is left (the pairs are told when they can be). */
  stop (): void {
    for (const call of this.#core.table.values()) {
      if (call.mesh?.inCall === true) this.leave(call.callId)
      clearTimeout(call.timer)
    }
  }

  /** The calls under way in our groups, as a tab may read them. */
  list (): GroupCallView[] {
    return [...this.#core.table.values()].filter(c => c.phase !== 'ended').map(view)
  }

  /** Starts a call in `groupId`, alone in it: every other device of its members rings. */
  async startCall (groupId: string, video: boolean): Promise<string> {
    const roster = this.#core.roster
    const devices = await roster.devices(groupId)
    if (devices === undefined) throw new GroupCallError('groupNotMember')
    const callId = bytesToHex(randomBytes(16))
    if (!this.#core.components.callLine.take(callId)) throw new GroupCallError('callBusy')
    const now = Date.now()
    const mesh = new CallMesh(roster.device())
    mesh.start()
    const call = this.#core.table.add(newCall({ groupId, callId, video, phase: 'joined', startedBy: roster.me(), startedAt: now, sentAt: now, took: new Set([roster.me()]), mesh }))
    this.#core.syncParticipants(call)
    this.#core.tell(call)
    const ring: GroupCallState = { type: 'state', group: groupId, call: callId, ring: true, video, startedAt: now, sentAt: now, participants: [roster.device()] }
    for (const device of devices) {
      this.#core.frames.send(device, ring).then((reply) => {
        if (reply.type === 'reject') this.#core.log('the ring of call %s refused by %s: %s', callId, device, reply.reason)
      }, (err: unknown) => { this.#core.log('the ring of call %s did not reach %s - %e', callId, device, err) })
    }
    return callId
  }

  /** Joins the call (or joins again, after our network dropped): each pair's offer is asked of the tab (`offer-needed`). */
  async join (groupId: string, callId: string, video: boolean): Promise<void> {
    const call = this.#core.table.get(callId)
    if (call === undefined || call.groupId !== groupId || call.phase === 'ended') throw new GroupCallError('callNotFound')
    const roster = this.#core.roster
    if (await roster.devices(groupId) === undefined) throw new GroupCallError('groupNotMember')
    if (!this.#core.components.callLine.take(callId)) throw new GroupCallError('callBusy')
    const known = [...new Set([...call.known, ...call.participants.keys()])]
    const mesh = call.mesh ?? new CallMesh(roster.device())
    const sends = mesh.join(known)
    if (sends === undefined) {
      if (call.mesh === undefined) this.#core.components.callLine.release(callId)
      throw new GroupCallError('groupCallFull', { max: MAX_GROUP_CALL_PARTICIPANTS })
    }
    clearTimeout(call.timer)
    call.mesh = mesh
    call.video = video
    call.phase = 'joined'
    call.reason = undefined
    call.took.add(roster.me())
    this.#core.syncParticipants(call)
    this.#core.tell(call)
    this.#core.offersNeeded(call, sends)
  }

  /** Refuses the ringing call: the device that rang us hears it. */
  decline (callId: string): void {
    const call = this.#core.table.get(callId)
    if (call?.phase !== 'ringing') throw new GroupCallError('callNotFound')
    this.#core.stopRinging(call)
    call.declinedHere = true
    call.declined.add(this.#core.roster.me())
    this.#core.tell(call)
    if (call.ringer !== undefined) this.#core.fire(call, call.ringer, { type: 'decline', group: call.groupId, call: callId })
  }

  /** Leaves the call we are in: every pair hears `leave`, the devices not in the call who is left in it (none: it is over). */
  leave (callId: string): void {
    const call = this.#joined(callId)
    const mesh = call.mesh as CallMesh
    this.#core.sendLeaves(call, mesh.leave())
    this.#core.components.callLine.release(callId)
    const device = this.#core.roster.device()
    call.participants.delete(device)
    call.mesh = undefined
    call.phase = 'available'
    void this.#core.tellOthers(call, Date.now())
    if (call.participants.size === 0) this.#core.end(call, Date.now())
    else this.#core.tell(call)
  }

  /** Our offer for a join (after `offer-needed`), a restart's offer, or our answer, to the device `peer` of the call we are in. */
  description (callId: string, peer: string, type: 'join' | 'offer' | 'answer', sdp: string): void {
    const call = this.#joined(callId)
    const mesh = call.mesh as CallMesh
    const pair = mesh.pair(peer)
    if (pair === undefined || (type === 'join' && pair !== 'offering')) throw new GroupCallError('callNotFound')
    const named = { group: call.groupId, call: callId }
    if (type !== 'join') {
      this.#core.fire(call, peer, { type, ...named, sdp })
      return
    }
    this.#core.frames.send(peer, { type: 'join', ...named, video: call.video, sdp }).then(
      (reply) => { this.#joinAnswered(call, peer, reply) },
      (err: unknown) => {
        this.#core.log('the join of call %s did not reach %s - %e', callId, peer, err)
        this.#joinAnswered(call, peer, { type: 'reject', reason: 'unknown-call' })
      })
  }

  /** Our candidates for the pair with `peer`, in order. */
  candidates (callId: string, peer: string, candidates: readonly CallCandidate[]): void {
    const call = this.#joined(callId)
    if (call.mesh?.pair(peer) === undefined) throw new GroupCallError('callNotFound')
    if (candidates.length > 0) this.#core.frames.candidates(peer, callId, call.groupId, candidates)
  }

  /** The tab gave up on the pair with `peer` (not connected again in time): closed here, nothing sent. */
  closePair (callId: string, peer: string): void {
    const call = this.#joined(callId)
    call.mesh?.onLeave(peer)
    this.#core.frames.forget(peer)
    this.#core.syncParticipants(call)
    this.#core.tell(call)
  }

  #joined (callId: string): Call {
    const call = this.#core.table.get(callId)
    if (call === undefined || call.phase !== 'joined' || call.mesh?.inCall !== true) throw new GroupCallError('callNotFound')
    return call
  }

  /** A participant's reply to our join. */
  #joinAnswered (call: Call, peer: string, reply: GroupCallReply): void {
    const mesh = call.mesh
    if (mesh?.inCall !== true || call.phase !== 'joined') return
    const first = mesh.participants().length === 1
    let sends: MeshSends
    if (reply.type === 'joined') {
      sends = mesh.onJoined(peer, reply.participants)
      void this.#core.learn(call, [peer, ...reply.participants])
    } else if (reply.type === 'reject') {
      sends = mesh.onRefused(peer, reply.reason)
      if (mesh.pair(peer) === undefined) {
        this.#core.frames.forget(peer)
        this.#core.signal({ callId: call.callId, peer, type: 'closed' })
      }
    } else {
      return
    }
    if (!mesh.inCall) {
      // the call was full: we left it at once; it goes on without us
      this.#core.sendLeaves(call, sends)
      this.#core.components.callLine.release(call.callId)
      call.mesh = undefined
      call.participants.delete(this.#core.roster.device())
      call.phase = 'available'
      call.reason = 'full'
      this.#core.tell(call)
      return
    }
    this.#core.syncParticipants(call)
    this.#core.tell(call)
    this.#core.offersNeeded(call, sends)
    // once in (our first pair opened), the devices not in the call hear who is
    if (first && reply.type === 'joined') void this.#core.tellOthers(call, Date.now())
  }
}
