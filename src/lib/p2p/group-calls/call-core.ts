/**
 * What the group calls' two sides share (group-calls.ts the tab's, desk.ts
 * the members' frames): the table of calls, the frames to each device, and
 * how a change is told (`groupCall` to every tab, `groupCallSignal` to the one
 * holding the media) or spread (`state` to the devices not in the call).
 */
import { GROUP_RING_TIMEOUT_MS, MAX_GROUP_CALL_PARTICIPANTS } from '@parley/protocol/group-call/constants'
import { CallTable, view } from './call-table.ts'
import { DeviceFrames } from './device-frames.ts'
import type { GroupCallSignal } from '../../contract/group-call-types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ServedConfig } from '../kernel/components.ts'
import type { CallLinePort } from '../kernel/ports/calls.ts'
import type { GroupCallRosterPort } from '../kernel/ports/groups.ts'
import type { EndedGroupCall, GroupCallLog } from './call-record.ts'
import type { Call } from './call-table.ts'
import type { DeviceFramesComponents } from './device-frames.ts'
import type { MeshSends } from '@parley/protocol/group-call/mesh'
import type { GroupCallRequest, GroupCallState } from '@parley/protocol/group-call/wire'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface GroupCallsComponents extends DeviceFramesComponents {
  logger: ComponentLogger
  events: ParleyEventTarget
  groupCallRoster: GroupCallRosterPort
  callLine: CallLinePort
  groupCallLog: Pick<GroupCallLog, 'record'>
  /** a test's shorter ring (AppConfig.testRingTimeoutMs), read when a call starts ringing */
  served: Pick<ServedConfig, 'testRingTimeoutMs'>
}

export class CallCore {
  readonly components: GroupCallsComponents
  readonly log: Logger
  readonly frames: DeviceFrames
  readonly table = new CallTable()

  constructor (components: GroupCallsComponents) {
    this.components = components
    this.log = components.logger.forComponent('parley:group-calls')
    this.frames = new DeviceFrames(components, this.log)
  }

  get roster (): GroupCallRosterPort {
    return this.components.groupCallRoster
  }

  /** Every tab hears where the call stands. */
  tell (call: Call): void {
    this.components.events.safeDispatchEvent('groupCall', { detail: view(call) })
  }

  /** The tab holding the media hears what a pair needs. */
  signal (detail: GroupCallSignal): void {
    this.components.events.safeDispatchEvent('groupCallSignal', { detail })
  }

  /** Sends a frame whose reply says nothing more (a refusal is logged by the frames). */
  fire (call: Call, peer: string, frame: GroupCallRequest): void {
    this.frames.send(peer, frame).catch((err: unknown) => { this.log('%s of call %s did not reach %s - %e', frame.type, call.callId, peer, err) })
  }

  /**
   * `state` (not ringing) with who is in the call as we see it to every
   * device of the group not in it; with `only`, to that member's devices but
   * `except` (a decline: its other devices stop ringing).
   */
  async tellOthers (call: Call, now: number, only?: string, except?: string): Promise<void> {
    const devices = await this.roster.devices(call.groupId) ?? []
    const inCall = new Set(call.participants.keys())
    const state: GroupCallState = {
      type: 'state', group: call.groupId, call: call.callId, ring: false, video: call.video, startedAt: call.startedAt,
      sentAt: Math.max(now, call.startedAt), participants: [...inCall].slice(0, MAX_GROUP_CALL_PARTICIPANTS)
    }
    for (const device of devices) {
      if (inCall.has(device) || device === except) continue
      if (only !== undefined && await this.roster.memberOf(call.groupId, device) !== only) continue
      this.fire(call, device, state)
    }
  }

  /** The tab is asked for an offer to each device our mesh joins. */
  offersNeeded (call: Call, sends: MeshSends): void {
    for (const peer of sends.join) this.signal({ callId: call.callId, peer, type: 'offer-needed' })
  }

  /** `leave` to each device our mesh left. */
  sendLeaves (call: Call, sends: MeshSends): void {
    for (const peer of sends.leave) {
      this.frames.forget(peer)
      this.fire(call, peer, { type: 'leave', group: call.groupId, call: call.callId })
    }
  }

  /** While we are in the call, its participants are our mesh's (this device first); `also` names devices of members not learnt yet. */
  syncParticipants (call: Call, also: ReadonlyMap<string, string> = new Map()): void {
    const mesh = call.mesh
    if (mesh === undefined) return
    const device = this.roster.device()
    const before = call.participants
    call.participants = new Map(mesh.participants().map((peer) => [peer, peer === device ? this.roster.me() : before.get(peer) ?? also.get(peer) ?? peer]))
    for (const peer of call.participants.keys()) if (peer !== device) call.known.add(peer)
  }

  /** The members whose devices a `joined` named took part (and the participants are named by member). */
  async learn (call: Call, devices: readonly string[]): Promise<void> {
    let named = false
    for (const device of devices) {
      const member = await this.roster.memberOf(call.groupId, device)
      if (member === undefined) continue
      call.took.add(member)
      if (call.participants.get(device) === device) {
        call.participants.set(device, member)
        named = true
      }
    }
    if (named && call.phase === 'joined') this.tell(call)
  }

  /** Rings here (the call line taken) until the ring times out. */
  ring (call: Call, ringer: string): void {
    call.phase = 'ringing'
    call.ringer = ringer
    call.timer = setTimeout(() => { this.stopRinging(call); this.tell(call) }, this.components.served.testRingTimeoutMs ?? GROUP_RING_TIMEOUT_MS)
  }

  stopRinging (call: Call): void {
    clearTimeout(call.timer)
    call.timer = undefined
    if (call.phase !== 'ringing') return
    call.phase = 'available'
    this.components.callLine.release(call.callId)
  }

  /** The call is over: told, written into the history once, forgotten. */
  end (call: Call, endedAt: number): void {
    if (call.phase === 'ended') return
    this.stopRinging(call)
    call.phase = 'ended'
    call.reason = 'over'
    this.tell(call)
    this.table.ended(call.callId)
    const ended: EndedGroupCall = {
      groupId: call.groupId, callId: call.callId, video: call.video, startedBy: call.startedBy, startedAt: call.startedAt,
      endedAt: Math.max(endedAt, call.startedAt), participants: [...call.took], declinedHere: call.declinedHere
    }
    void this.components.groupCallLog.record(ended, this.roster.me())
  }
}
