/**
 * Group calls (docs/protocols.md, "Group calls"): a mesh among a group's
 * members' devices. The worker keeps who is in the call and who offers to
 * whom, and carries each pair's signalling in the members' sessions; the tab
 * that starts or joins a call holds one RTCPeerConnection per pair and the
 * media, and hears what it needs as `groupCallSignal`s.
 */
import { method, returns } from '../define.ts'
import { peerIdText } from '../ids.ts'
import { v } from '../schema.ts'
import { CALL_LIMITS, callId, candidate, sdp } from './calls.ts'
import { groupId } from './groups.ts'
import type { GroupCallView } from '../group-call-types.ts'

export const groupCallsMethods = {
  /** start a call in a group we are a member of: every other member's devices ring; the call's id at once, its progress in `groupCall` events */
  startGroupCall: method({ params: v.object({ groupId: groupId(), video: v.boolean() }), result: returns<{ callId: string }>() }),
  /** join the call under way (or join again after our network dropped): each participant's pair is asked for as `offer-needed` */
  joinGroupCall: method({ params: v.object({ groupId: groupId(), callId: callId(), video: v.boolean() }), result: returns<null>() }),
  /** refuse the ringing call: the device that rang us hears it, and our other devices stop ringing */
  declineGroupCall: method({ params: v.object({ callId: callId() }), result: returns<null>() }),
  /** leave the call we are in: every pair is told */
  leaveGroupCall: method({ params: v.object({ callId: callId() }), result: returns<null>() }),
  /** within a pair: our offer for a join (after `offer-needed`), a new offer (an ICE restart), or our answer */
  sendGroupCallDescription: method({ params: v.object({ callId: callId(), peer: peerIdText(), type: v.literal('join', 'offer', 'answer'), sdp: sdp() }), result: returns<null>() }),
  /** within a pair: our trickled candidates, sent in order */
  sendGroupCallIce: method({ params: v.object({ callId: callId(), peer: peerIdText(), candidates: v.array(candidate, { max: CALL_LIMITS.candidatesPerFrame }) }), result: returns<null>() }),
  /** the tab gave up on a pair (not connected again in time): it is closed here, nothing is sent */
  closeGroupCallPair: method({ params: v.object({ callId: callId(), peer: peerIdText() }), result: returns<null>() }),
  /** the calls under way in our groups as this node knows them (a tab opened while one runs) */
  groupCalls: method({ params: v.none(), result: returns<GroupCallView[]>() })
} as const
