/**
 * What crosses the tab ⇄ worker line about group calls
 * (contract/methods/group-calls.ts): the calls the node knows of in our
 * groups, and the signalling of each pair of the one this device is in. The
 * worker keeps the mesh's rules (docs/protocols.md, "Group calls"); each
 * pair's RTCPeerConnection and the media are the tab's.
 */
import type { CallCandidate } from '@parley/protocol/call/wire'

/**
 * Here: `ringing` (the call rings this device), `available` (under way, we
 * are not in it), `joined` (this device is in it), `ended` (over, or we left
 * it and no longer hear of it).
 */
export type GroupCallPhase = 'ringing' | 'available' | 'joined' | 'ended'

/** `over`: the call ended for all (phase `ended`); `full`: it was full when we joined, and we left it at once (phase `available`). */
export type GroupCallEndReason = 'over' | 'full'

export interface GroupCallParticipant {
  /** the device's PeerID */
  peer: string
  /** the member (account PeerID) it is a device of, by our fold */
  member: string
}

export interface GroupCallView {
  groupId: string
  callId: string
  video: boolean
  phase: GroupCallPhase
  /** the devices in the call as we know it (this device first when in it) */
  participants: GroupCallParticipant[]
  /** members (account PeerIDs) who declined when it rang them */
  declined: string[]
  /** the member (account PeerID) that started it */
  startedBy: string
  /** the starter's clock */
  startedAt: number
  /** why it ended, or why we are no longer in it */
  reason?: GroupCallEndReason
}

/**
 * Signalling for the tab that holds the call's media, per pair (`peer`, a
 * participant's device):
 * - `offer-needed`: make a new RTCPeerConnection for `peer` and hand its
 *   offer back as `join` (sendGroupCallSignal);
 * - `join`: `peer` joins with this offer: a new RTCPeerConnection (replacing
 *   any with it) answers it;
 * - `offer` / `answer` / `ice`: as in 1:1 calls, within the pair;
 * - `closed`: the pair is gone (`peer` left, or our offer lost a glare).
 */
export type GroupCallSignal = { callId: string, peer: string } & (
  | { type: 'offer-needed' | 'closed' }
  | { type: 'join' | 'offer' | 'answer', sdp: string }
  | { type: 'ice', candidates: CallCandidate[] }
)

/** What the tab sends within a pair: our offer for a join, an offer (a restart), an answer, candidates. */
export type GroupCallOutgoing =
  | { type: 'join' | 'offer' | 'answer', sdp: string }
  | { type: 'ice', candidates: CallCandidate[] }
