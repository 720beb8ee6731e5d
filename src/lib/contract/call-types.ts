/**
 * What crosses the tab ⇄ worker line about calls (contract/methods/calls.ts):
 * where the call stands, and the signalling its tab needs.
 */
import type { CallCandidate } from '@parley/protocol/call/wire'
import type { ContactId } from './rows.ts'

export type { CallCandidate }

export type CallDirection = 'out' | 'in'

/**
 * calling: our invite is on its way; ringing: it rings (at the contact's, or
 * here for an incoming call); active: answered; ended.
 */
export type CallPhase = 'calling' | 'ringing' | 'active' | 'ended'

export type CallEndReason =
  /** someone hung up after the answer */
  | 'hangup'
  /** the callee refused it */
  | 'declined'
  /** the callee was in another call */
  | 'busy'
  /** no answer in time (for the callee: a missed call) */
  | 'no-answer'
  /** the caller stopped before an answer (for the callee: a missed call) */
  | 'cancelled'
  /** no path for the media, or a tab's connection failed */
  | 'failed'
  /** the invite could not reach the contact */
  | 'unreachable'
  /** the contact's device does not take calls from us (we are not its contact there) */
  | 'refused'
  /** an incoming call that another device of this account answered (the caller said so) */
  | 'answered-elsewhere'
  /** an incoming call that another device of this account declined (the caller said so) */
  | 'declined-elsewhere'

export interface CallSnapshot {
  callId: string
  contactId: ContactId
  /** the device the call is with: the caller's; for ours, the contact's PeerID until a device of theirs answers, then that device's */
  peerId: string
  direction: CallDirection
  video: boolean
  phase: CallPhase
  /** once ended: why, and which side ended it */
  reason?: CallEndReason
  endedBy?: 'us' | 'them'
  /** an incoming call's offer: what answering needs */
  offer?: string
  /** an incoming call's candidates from the caller so far (later ones come as `callSignal`) */
  candidates: CallCandidate[]
  /** our clock: placed or rang, answered, ended */
  startedAt: number
  answeredAt?: number
  endedAt?: number
}

/** The call changed phase (every tab hears it; an incoming one rings in each). */
export type CallEvent = Omit<CallSnapshot, 'offer' | 'candidates'>

/** Signalling for the tab that holds the call's media: the contact's answer, a new offer or answer (a restart), candidates. */
export type CallSignalEvent = { callId: string } & (
  | { type: 'answer' | 'offer', sdp: string }
  | { type: 'ice', candidates: CallCandidate[] }
)

/** What a call's RTCPeerConnection is configured with (RTCConfiguration's `iceServers`; none: the browser's defaults). */
export interface CallConfiguration {
  iceServers?: Array<{ urls: string | string[], username?: string, credential?: string }>
}
