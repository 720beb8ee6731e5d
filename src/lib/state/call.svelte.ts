/**
 * A call, in this tab (docs/protocols.md, "Calls"). Every tab hears where
 * the call under way stands (the node's `call` events) and rings for an
 * incoming one; the tab that places or answers it holds its media: the
 * microphone and camera (asked for only then), the RTCPeerConnection
 * configured with the node's ICE servers, and the signalling through the
 * worker (`startCall`, `answerCall`, `sendCallIce`, … and `callSignal`).
 * The worker only signals: media cannot pass through it.
 *
 * Signals are applied one after another (a candidate waits for the remote
 * description it belongs to); our candidates go to the worker in batches.
 * When this tab goes away (pagehide) its call is hung up, so it ends on both
 * sides; a path that fails for good ends it as `failed`.
 */
import type { CallCandidate, CallConfiguration, CallEvent, CallSignalEvent } from '../contract/index.ts'
import type { ContactId } from '../db/types.ts'
import { getNodeManager } from './node-manager.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { t } from '../i18n/index.ts'
import { handleError } from './handle-error.ts'

/** What the manager needs of the node (tests pass a fake). */
export type CallNode = Pick<NodeManager, 'call' | 'onCall' | 'onCallSignal'>

/** What the manager needs of the browser (tests pass fakes). */
export interface CallPlatform {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>
  peerConnection(config: RTCConfiguration): RTCPeerConnection
}

/** Our candidates are gathered for this long and sent together. */
export const CANDIDATE_BATCH_MS = 40
/** Remote candidates kept while their description is not set yet. */
export const MAX_QUEUED_CANDIDATES = 256
/** How often the call's quality is read from getStats while it is up, in ms. */
export const QUALITY_EVERY_MS = 2000

/** The call's connection as getStats tells it (the quality line). */
export interface CallQuality {
  /** round-trip time of the selected candidate pair, in ms */
  rttMs?: number
  /** audio packets lost of those expected since the last reading, 0..1 */
  loss?: number
  /** the media go through a TURN relay (a candidate of type relay is in the selected pair) */
  turn: boolean
}

/** The words for a call's quality: good, fair or poor, with what it was judged by. */
export function qualityLevel (quality: CallQuality): 'good' | 'fair' | 'poor' {
  const rtt = quality.rttMs ?? 0
  const loss = quality.loss ?? 0
  if (rtt > 600 || loss > 0.1) return 'poor'
  if (rtt > 250 || loss > 0.03) return 'fair'
  return 'good'
}

/** Candidates per sendCallIce (the frame's limit). */
const MAX_CANDIDATES_PER_CALL = 32

const browser: CallPlatform = {
  getUserMedia: async (constraints) => navigator.mediaDevices.getUserMedia(constraints),
  peerConnection: (config) => new RTCPeerConnection(config)
}

/** The words for a refused or failed getUserMedia. */
export function mediaProblem (err: unknown): string {
  const name = err instanceof Error ? err.name : ''
  if (name === 'NotAllowedError' || name === 'SecurityError') return t('calls.denied')
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return t('calls.noDevice')
  return t('calls.mediaFailed', { reason: err instanceof Error ? err.message : String(err) })
}

export class CallManager {
  readonly #node: CallNode
  readonly #platform: CallPlatform
  #call = $state.raw<CallEvent | undefined>(undefined)
  #here = $state(false)
  #local = $state.raw<MediaStream | undefined>(undefined)
  #remote = $state.raw<MediaStream | undefined>(undefined)
  #muted = $state(false)
  #cameraOff = $state(false)
  #problem = $state('')
  #busy = $state(false)
  #quality = $state.raw<CallQuality | undefined>(undefined)
  #qualityTimer: ReturnType<typeof setInterval> | undefined
  #lastAudio = { received: 0, lost: 0 }
  #pc: RTCPeerConnection | undefined
  // the senders of our tracks, not state: nothing renders from them
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #senders = new Map<string, RTCRtpSender>()
  /** the call this tab holds the media of */
  #callId: string | undefined
  #outgoing: CallCandidate[] = []
  #flushTimer: ReturnType<typeof setTimeout> | undefined
  #queued: RTCIceCandidateInit[] = []
  #remoteSet = false
  #signals: Promise<void> = Promise.resolve()
  readonly #off: Array<() => void>

  constructor (node: CallNode, platform: CallPlatform = browser) {
    this.#node = node
    this.#platform = platform
    this.#off = [
      node.onCall((event) => { this.#onCall(event) }),
      node.onCallSignal((event) => { this.#signals = this.#signals.then(async () => this.#onSignal(event)).catch(() => {}) })
    ]
    void node.call('currentCall').then((call) => {
      if (call !== null && this.#call === undefined) {
        const { offer: _offer, candidates: _candidates, ...event } = call
        this.#call = event
      }
    }).catch(() => {})
  }

  /** The call under way (or the one that just ended, until `dismiss`). */
  get call (): CallEvent | undefined { return this.#call }
  /** This tab holds the call's media. */
  get here (): boolean { return this.#here }
  get local (): MediaStream | undefined { return this.#local }
  get remote (): MediaStream | undefined { return this.#remote }
  get muted (): boolean { return this.#muted }
  get cameraOff (): boolean { return this.#cameraOff }
  /** Why the microphone or camera could not be used, in words; '' when nothing is wrong. */
  get problem (): string { return this.#problem }
  /** Placing or answering is under way. */
  get busy (): boolean { return this.#busy }
  /** The connection of the call held here, once it is up. */
  get quality (): CallQuality | undefined { return this.#quality }

  /** Calls a contact: asks for the microphone (and camera), makes the offer, and sends it. */
  async place (contactId: ContactId, video: boolean): Promise<void> {
    if (this.#busy || (this.#call !== undefined && this.#call.phase !== 'ended')) return
    this.#busy = true
    this.#problem = ''
    try {
      const pc = await this.#open(video)
      if (pc === undefined) return
      await pc.setLocalDescription(await pc.createOffer())
      const { callId } = await this.#node.call('startCall', { contactId, video, sdp: pc.localDescription?.sdp ?? '' })
      this.#callId = callId
      this.#schedule()
    } catch (err) {
      this.#problem = handleError(err, 'startCall')
      this.#close()
    } finally {
      this.#busy = false
    }
  }

  /** Answers the call ringing here: asks for the microphone (and camera), then answers the offer. */
  async answer (): Promise<void> {
    if (this.#busy) return
    this.#busy = true
    this.#problem = ''
    try {
      const ringing = await this.#node.call('currentCall')
      if (ringing?.direction !== 'in' || ringing.phase !== 'ringing' || ringing.offer === undefined) return
      this.#callId = ringing.callId
      const pc = await this.#open(ringing.video)
      if (pc === undefined) {
        this.#callId = undefined
        return
      }
      await pc.setRemoteDescription({ type: 'offer', sdp: ringing.offer })
      await this.#remoteDescribed([...ringing.candidates])
      await pc.setLocalDescription(await pc.createAnswer())
      await this.#node.call('answerCall', { callId: ringing.callId, sdp: pc.localDescription?.sdp ?? '' })
      this.#schedule()
    } catch (err) {
      this.#problem = handleError(err, 'answerCall')
      this.#close()
    } finally {
      this.#busy = false
    }
  }

  async decline (): Promise<void> {
    const call = this.#call
    if (call === undefined || call.phase !== 'ringing' || call.direction !== 'in') return
    await this.#node.call('declineCall', { callId: call.callId }).catch(() => {})
  }

  /** Ends the call (before an answer: cancels it), in this tab or another. */
  async hangUp (failed = false): Promise<void> {
    const call = this.#call
    if (call === undefined || call.phase === 'ended') return
    this.#close()
    await this.#node.call('hangUp', { callId: call.callId, ...(failed ? { failed } : {}) }).catch(() => {})
  }

  /** Muted: the microphone's track leaves its sender, so no audio packets go at all (not even silence). */
  toggleMute (): void {
    this.#muted = !this.#muted
    this.#send('audio', !this.#muted)
  }

  toggleCamera (): void {
    this.#cameraOff = !this.#cameraOff
    this.#send('video', !this.#cameraOff)
  }

  #send (kind: 'audio' | 'video', on: boolean): void {
    const track = kind === 'audio' ? this.#local?.getAudioTracks()[0] : this.#local?.getVideoTracks()[0]
    const sender = this.#senders.get(kind)
    if (track === undefined || sender === undefined) return
    track.enabled = on
    void sender.replaceTrack(on ? track : null).catch(() => {})
  }

  /** Forgets a call that ended (its "Call ended" line goes). */
  dismiss (): void {
    if (this.#call?.phase === 'ended') this.#call = undefined
    this.#problem = ''
  }

  /** The tab goes away: its call ends on both sides. */
  pagehide (): void {
    if (this.#here) void this.hangUp()
  }

  /** Stops listening and lets the media go (tests, teardown). */
  destroy (): void {
    for (const off of this.#off) off()
    this.#close()
  }

  /** Our media and the peer connection; undefined (with `problem` set) when the browser refused them. */
  async #open (video: boolean): Promise<RTCPeerConnection | undefined> {
    let stream: MediaStream
    try {
      stream = await this.#platform.getUserMedia({ audio: true, video })
    } catch (err) {
      this.#problem = mediaProblem(err)
      return undefined
    }
    const config: CallConfiguration = await this.#node.call('callConfiguration')
    const pc = this.#platform.peerConnection(config)
    this.#senders.clear()
    for (const track of stream.getTracks()) this.#senders.set(track.kind, pc.addTrack(track, stream))
    pc.addEventListener('track', (event) => { this.#remote = event.streams[0] ?? new MediaStream([event.track]) })
    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate === null) return
      const c = event.candidate.toJSON()
      this.#outgoing.push({ candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, ...(c.usernameFragment == null ? {} : { usernameFragment: c.usernameFragment }) })
      this.#schedule()
    })
    pc.addEventListener('connectionstatechange', () => {
      if (pc !== this.#pc) return
      if (pc.connectionState === 'failed') void this.hangUp(true)
      if (pc.connectionState === 'connected' && this.#qualityTimer === undefined) {
        void this.#readQuality(pc)
        this.#qualityTimer = setInterval(() => { void this.#readQuality(pc) }, QUALITY_EVERY_MS)
      }
    })
    this.#pc = pc
    this.#local = stream
    this.#here = true
    this.#muted = false
    this.#cameraOff = false
    return pc
  }

  /** Sends our gathered candidates after a moment, together. */
  #schedule (): void {
    if (this.#flushTimer !== undefined || this.#callId === undefined) return
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined
      const callId = this.#callId
      if (callId === undefined) return
      while (this.#outgoing.length > 0) {
        const candidates = this.#outgoing.splice(0, MAX_CANDIDATES_PER_CALL)
        void this.#node.call('sendCallIce', { callId, candidates }).catch(() => {})
      }
    }, CANDIDATE_BATCH_MS)
  }

  #onCall (event: CallEvent): void {
    this.#call = event
    if (event.phase === 'ended' && event.callId === this.#callId) this.#close()
  }

  async #onSignal (event: CallSignalEvent): Promise<void> {
    if (event.callId !== this.#callId) return
    const pc = this.#pc
    if (event.type === 'ice') {
      // before our connection or its remote description exists (an answer on its way): they wait
      if (pc !== undefined && this.#remoteSet) await this.#add(pc, event.candidates)
      else this.#queued = [...this.#queued, ...event.candidates].slice(-MAX_QUEUED_CANDIDATES)
      return
    }
    if (pc === undefined) return
    await pc.setRemoteDescription({ type: event.type, sdp: event.sdp })
    if (event.type === 'answer') {
      await this.#remoteDescribed([])
      return
    }
    // their new offer (a restart): our answer
    await pc.setLocalDescription(await pc.createAnswer())
    await this.#node.call('sendCallDescription', { callId: event.callId, type: 'answer', sdp: pc.localDescription?.sdp ?? '' })
  }

  /** The remote description is set: the candidates that waited for it, and `more`, go in. */
  async #remoteDescribed (more: RTCIceCandidateInit[]): Promise<void> {
    const pc = this.#pc
    if (pc === undefined) return
    this.#remoteSet = true
    const waiting = [...more, ...this.#queued]
    this.#queued = []
    await this.#add(pc, waiting)
  }

  async #add (pc: RTCPeerConnection, candidates: readonly RTCIceCandidateInit[]): Promise<void> {
    // one that does not fit (another ICE generation) is skipped, the rest still go in
    for (const candidate of candidates) await pc.addIceCandidate(candidate).catch(() => {})
  }

  /** Reads round-trip time, audio loss and whether a TURN relay carries the media. */
  async #readQuality (pc: RTCPeerConnection): Promise<void> {
    const stats: RTCStatsReport | undefined = await pc.getStats().catch(() => undefined)
    if (pc !== this.#pc || stats === undefined) return
    const reports = [...stats.values()] as Array<Record<string, unknown>>
    const byId = (id: unknown): Record<string, unknown> | undefined => reports.find(r => r['id'] === id)
    const transport = reports.find(r => r['type'] === 'transport')
    const pair = byId(transport?.['selectedCandidatePairId']) ?? reports.find(r => r['type'] === 'candidate-pair' && r['nominated'] === true && r['state'] === 'succeeded')
    const quality: CallQuality = { turn: false }
    if (pair !== undefined) {
      const rtt = pair['currentRoundTripTime']
      if (typeof rtt === 'number') quality.rttMs = Math.round(rtt * 1000)
      quality.turn = [pair['localCandidateId'], pair['remoteCandidateId']].some(id => byId(id)?.['candidateType'] === 'relay')
    }
    const audio = reports.find(r => r['type'] === 'inbound-rtp' && r['kind'] === 'audio')
    if (audio !== undefined) {
      const received = Number(audio['packetsReceived'] ?? 0)
      const lost = Math.max(0, Number(audio['packetsLost'] ?? 0))
      const expected = (received - this.#lastAudio.received) + (lost - this.#lastAudio.lost)
      if (expected > 0) quality.loss = (lost - this.#lastAudio.lost) / expected
      this.#lastAudio = { received, lost }
    }
    this.#quality = quality
  }

  #close (): void {
    clearInterval(this.#qualityTimer)
    this.#qualityTimer = undefined
    this.#quality = undefined
    this.#lastAudio = { received: 0, lost: 0 }
    clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    this.#pc?.close()
    this.#pc = undefined
    for (const track of this.#local?.getTracks() ?? []) track.stop()
    this.#local = undefined
    this.#remote = undefined
    this.#callId = undefined
    this.#outgoing = []
    this.#queued = []
    this.#remoteSet = false
    this.#here = false
  }
}

let instance: CallManager | undefined

/** The tab's CallManager: one per tab, listening from first use; its call ends when the tab goes away. */
export function getCallManager (): CallManager {
  if (instance === undefined) {
    const manager = new CallManager(getNodeManager())
    instance = manager
    window.addEventListener('pagehide', () => { manager.pagehide() })
  }
  return instance
}
