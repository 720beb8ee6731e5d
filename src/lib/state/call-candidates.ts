/**
 * A call's ICE candidates, both ways, through the worker (trickle ICE, docs/protocols.md,
 * "Calls"): ours are gathered for CANDIDATE_BATCH_MS and sent together once the call has
 * its id; theirs go into the peer connection once the remote description they belong to is
 * set, and wait (the last MAX_QUEUED_CANDIDATES of them) until then. The tab's CallManager
 * (call.svelte.ts) holds one and resets it when its call closes.
 */
import type { CallCandidate } from '../contract/index.ts'

/** Our candidates are gathered for this long and sent together. */
export const CANDIDATE_BATCH_MS = 40
/** Remote candidates kept while their description is not set yet. */
export const MAX_QUEUED_CANDIDATES = 256

/** Candidates per sendCallIce (the frame's limit). */
const MAX_CANDIDATES_PER_CALL = 32

export class CallCandidates {
  readonly #callId: () => string | undefined
  readonly #send: (callId: string, candidates: CallCandidate[]) => Promise<unknown>
  #outgoing: CallCandidate[] = []
  #flushTimer: ReturnType<typeof setTimeout> | undefined
  #queued: RTCIceCandidateInit[] = []
  #remoteSet = false

  /** `callId`: the call held here, if it has its id yet; `send`: one sendCallIce. */
  constructor (callId: () => string | undefined, send: (callId: string, candidates: CallCandidate[]) => Promise<unknown>) {
    this.#callId = callId
    this.#send = send
  }

  /** One of ours, gathered: it goes with the others after a moment. */
  gathered (candidate: RTCIceCandidate): void {
    const c = candidate.toJSON()
    this.#outgoing.push({ candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, ...(c.usernameFragment == null ? {} : { usernameFragment: c.usernameFragment }) })
    this.schedule()
  }

  /** Sends our gathered candidates after a moment, together (once the call has its id). */
  schedule (): void {
    if (this.#flushTimer !== undefined || this.#callId() === undefined) return
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined
      const callId = this.#callId()
      if (callId === undefined) return
      while (this.#outgoing.length > 0) {
        const candidates = this.#outgoing.splice(0, MAX_CANDIDATES_PER_CALL)
        void this.#send(callId, candidates).catch(() => {})
      }
    }, CANDIDATE_BATCH_MS)
  }

  /** Theirs: into `pc` when its remote description is set; before that (or before `pc`) they wait. */
  async received (pc: RTCPeerConnection | undefined, candidates: readonly RTCIceCandidateInit[]): Promise<void> {
    // before our connection or its remote description exists (an answer on its way): they wait
    if (pc !== undefined && this.#remoteSet) await this.#add(pc, candidates)
    else this.#queued = [...this.#queued, ...candidates].slice(-MAX_QUEUED_CANDIDATES)
  }

  /** The remote description of `pc` is set: the candidates that waited for it, and `more`, go in. */
  async remoteDescribed (pc: RTCPeerConnection | undefined, more: RTCIceCandidateInit[]): Promise<void> {
    if (pc === undefined) return
    this.#remoteSet = true
    const waiting = [...more, ...this.#queued]
    this.#queued = []
    await this.#add(pc, waiting)
  }

  /** An ICE restart: their candidates of the new round wait for their new answer. */
  restarting (): void {
    this.#remoteSet = false
  }

  /** The call closed here: nothing more is sent, nothing kept. */
  reset (): void {
    clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    this.#outgoing = []
    this.#queued = []
    this.#remoteSet = false
  }

  async #add (pc: RTCPeerConnection, candidates: readonly RTCIceCandidateInit[]): Promise<void> {
    // one that does not fit (another ICE generation) is skipped, the rest still go in
    for (const candidate of candidates) await pc.addIceCandidate(candidate).catch(() => {})
  }
}
