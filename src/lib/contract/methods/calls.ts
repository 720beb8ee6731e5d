/**
 * 1:1 calls (docs/protocols.md, "Calls"): the tab that places or answers a
 * call holds its RTCPeerConnection and media; the worker carries the
 * signalling to the contact over `/parley/call/1.0.0` and tells every tab
 * where the call stands (the `call` and `callSignal` events).
 */
import { method, returns } from '../define.ts'
import { contactId } from '../ids.ts'
import { v } from '../schema.ts'
import type { CallConfiguration, CallSnapshot } from '../call-types.ts'

/**
 * The wire's limits (@parley/protocol/call/constants; the contract is read by
 * vite.config in Node, where that package is not built: the numbers are
 * repeated here, and tests/unit/contract/calls.test.ts holds them equal).
 */
export const CALL_LIMITS = { sdpChars: 32 * 1024, candidatesPerFrame: 32, candidateChars: 1024, midChars: 64, mLineIndex: 63 } as const

export const callId = (): ReturnType<typeof v.string> => v.string({ max: 32, min: 32, pattern: /^[0-9a-f]{32}$/, patternName: 'a call id (32 hex digits)' })
export const sdp = (): ReturnType<typeof v.string> => v.string({ max: CALL_LIMITS.sdpChars, min: 3 })
export const candidate = v.object({
  candidate: v.string({ max: CALL_LIMITS.candidateChars }),
  sdpMid: v.nullable(v.string({ max: CALL_LIMITS.midChars })),
  sdpMLineIndex: v.nullable(v.number({ integer: true, min: 0, max: CALL_LIMITS.mLineIndex })),
  usernameFragment: v.optional(v.nullable(v.string({ max: CALL_LIMITS.midChars })))
})

export const callsMethods = {
  /** call a contact with our offer (the tab made it, with the media it asked for); the call's id at once, its progress in `call` events */
  startCall: method({ params: v.object({ contactId: contactId(), video: v.boolean(), sdp: sdp() }), result: returns<{ callId: string }>() }),
  /** answer the ringing call with our answer: this tab holds its media from now on */
  answerCall: method({ params: v.object({ callId: callId(), sdp: sdp() }), result: returns<null>() }),
  /** refuse the ringing call */
  declineCall: method({ params: v.object({ callId: callId() }), result: returns<null>() }),
  /** end the call (before an answer: cancel it); `failed` when no path for the media was found */
  hangUp: method({ params: v.object({ callId: callId(), failed: v.optional(v.boolean()) }), result: returns<null>() }),
  /** our trickled ICE candidates, sent in order */
  sendCallIce: method({ params: v.object({ callId: callId(), candidates: v.array(candidate, { max: CALL_LIMITS.candidatesPerFrame }) }), result: returns<null>() }),
  /** a new negotiation during the call (an ICE restart): our offer, or our answer to theirs */
  sendCallDescription: method({ params: v.object({ callId: callId(), type: v.literal('offer', 'answer'), sdp: sdp() }), result: returns<null>() }),
  /** the ICE servers a call's RTCPeerConnection uses: the same as the node's WebRTC connections (served STUN/TURN, then the user's TURN servers) */
  callConfiguration: method({ params: v.none(), result: returns<CallConfiguration>() }),
  /** the call under way, if any (a tab opened while it rings, or the tab answering: the offer and the candidates so far) */
  currentCall: method({ params: v.none(), result: returns<CallSnapshot | null>() })
} as const
