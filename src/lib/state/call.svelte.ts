/**
 * A call, in this tab (docs/protocols.md, "Calls"). Every tab hears where
 * the call under way stands (the node's `call` events) and rings for an
 * incoming one; the tab that places or answers it holds its media: the
 * microphone and camera (asked for only then), the RTCPeerConnection
 * configured with the node's ICE servers, and the signalling through the
 * worker (`startCall`, `answerCall`, `sendCallIce`, … and `callSignal`).
 * The worker only signals: media cannot pass through it.
 *
 * Signals are applied one after another; the candidates both ways are
 * `CallCandidates` (call-candidates.ts: ours to the worker in batches, theirs
 * waiting for the remote description they belong to), and ICE restarts after
 * a network change are `CallPath` (call-path.ts). When this tab goes away
 * (pagehide) its call is hung up, so it ends on both sides; a path that fails
 * for good ends it as `failed`. Our media (mute,
 * camera, switching cameras) are `media` (call-media.svelte.ts); how theirs
 * play (sound output, picture-in-picture) is `playback` (call-playback.svelte.ts);
 * both load with the first call placed or answered here, not with the app.
 */
import type { CallConfiguration, CallEvent, CallSignalEvent } from '../contract/index.ts'
import type { ContactId } from '../db/types.ts'
import { getNodeManager } from './node-manager.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { handleError } from '../i18n/handle-error.ts'
import { CallCandidates } from './call-candidates.ts'
import { CallPath } from './call-path.ts'
import { mediaProblem, qualityFrom } from './call-quality.ts'
import type { CallQuality } from './call-quality.ts'
import type { CallMedia, MediaPlatform } from './call-media.svelte.ts'
import type { CallPlayback, PlaybackPlatform } from './call-playback.svelte.ts'

/** What the manager needs of the node (tests pass a fake). */
export type CallNode = Pick<NodeManager, 'call' | 'onCall' | 'onCallSignal'>

/** What the manager needs of the browser (tests pass fakes). */
export interface CallPlatform extends MediaPlatform {
  peerConnection(config: RTCConfiguration): RTCPeerConnection
}

/** How often the call's quality is read from getStats while it is up, in ms. */
export const QUALITY_EVERY_MS = 2000

const browser: CallPlatform = {
  getUserMedia: async (constraints) => navigator.mediaDevices.getUserMedia(constraints),
  enumerateDevices: async () => navigator.mediaDevices.enumerateDevices(),
  onDeviceChange: (listener) => {
    navigator.mediaDevices.addEventListener('devicechange', listener)
    return () => { navigator.mediaDevices.removeEventListener('devicechange', listener) }
  },
  stream: (tracks) => new MediaStream(tracks),
  peerConnection: (config) => new RTCPeerConnection(config),
  // where the browser can share a screen (not on most phones)
  ...(typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function'
    ? { getDisplayMedia: async (constraints: DisplayMediaStreamOptions) => navigator.mediaDevices.getDisplayMedia(constraints) }
    : {})
}

export class CallManager {
  readonly #node: CallNode
  readonly #platform: CallPlatform
  #call = $state.raw<CallEvent | undefined>(undefined)
  #here = $state(false)
  #remote = $state.raw<MediaStream | undefined>(undefined)
  #problem = $state('')
  #busy = $state(false)
  #quality = $state.raw<CallQuality | undefined>(undefined)
  #connected = $state(false)
  #qualityTimer: ReturnType<typeof setInterval> | undefined
  #lastAudio = { received: 0, lost: 0 }
  #pc: RTCPeerConnection | undefined
  /** the call this tab holds the media of */
  #callId: string | undefined
  readonly #candidates: CallCandidates
  readonly #path: CallPath
  #signals: Promise<void> = Promise.resolve()
  readonly #off: Array<() => void>
  #media = $state.raw<CallMedia | undefined>(undefined)
  #playback = $state.raw<CallPlayback | undefined>(undefined)
  readonly #playbackPlatform: PlaybackPlatform | undefined

  /** `playback`: the browser's own unless given (tests). */
  constructor (node: CallNode, platform: CallPlatform = browser, playback?: PlaybackPlatform) {
    this.#node = node
    this.#platform = platform
    this.#playbackPlatform = playback
    this.#candidates = new CallCandidates(() => this.#callId, async (callId, candidates) => this.#node.call('sendCallIce', { callId, candidates }))
    this.#path = new CallPath(this.#candidates, () => this.#pc, () => this.#callId, async () => this.hangUp(true),
      async (callId, sdp) => this.#node.call('sendCallDescription', { callId, type: 'offer', sdp }))
    this.#off = [
      node.onCall((event) => { this.#onCall(event) }),
      node.onCallSignal((event) => { this.#signals = this.#signals.then(async () => this.#onSignal(event)).catch(() => {}) })
    ]
    void node.call('currentCall').then((call) => {
      if (call === null || this.#call !== undefined) return
      const { offer: _offer, candidates: _candidates, ...event } = call
      this.#call = event
    }).catch(() => {})
  }

  /** The call under way (or the one that just ended, until `dismiss`). */
  get call (): CallEvent | undefined { return this.#call }
  /** This tab holds the call's media. */
  get here (): boolean { return this.#here }
  /** Our microphone and camera (from the first call placed or answered here). */
  get media (): CallMedia | undefined { return this.#media }
  /** Their sound's output, their video in picture-in-picture (from the first call here). */
  get playback (): CallPlayback | undefined { return this.#playback }
  get remote (): MediaStream | undefined { return this.#remote }
  /** Why the microphone or camera could not be used, in words; '' when nothing is wrong. */
  get problem (): string { return this.#problem }
  /** Placing or answering is under way. */
  get busy (): boolean { return this.#busy }
  /** The connection of the call held here, once it is up. */
  get quality (): CallQuality | undefined { return this.#quality }
  /** The media of the call held here (the last one, once ended) connected at least once: a failure then is a lost connection. */
  get connected (): boolean { return this.#connected }

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
      this.#path.caller = true
      this.#candidates.schedule()
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
      await this.#candidates.remoteDescribed(this.#pc, [...ringing.candidates])
      await pc.setLocalDescription(await pc.createAnswer())
      await this.#node.call('answerCall', { callId: ringing.callId, sdp: pc.localDescription?.sdp ?? '' })
      this.#candidates.schedule()
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
    const media = await this.#loadMedia()
    try {
      await media.open(video)
    } catch (err) {
      if (!(err instanceof Error && err.name === 'AbortError')) this.#problem = mediaProblem(err)
      return undefined
    }
    const config: CallConfiguration = await this.#node.call('callConfiguration')
    const pc = this.#platform.peerConnection(config)
    this.#connected = false
    media.attach(pc)
    pc.addEventListener('track', (event) => { this.#remote = event.streams[0] ?? new MediaStream([event.track]) })
    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate !== null) this.#candidates.gathered(event.candidate)
    })
    pc.addEventListener('connectionstatechange', () => {
      if (pc !== this.#pc) return
      if (pc.connectionState === 'connected') this.#connected = true
      this.#path.watch(pc)
      if (pc.connectionState === 'connected' && this.#qualityTimer === undefined) {
        void this.#readQuality(pc)
        this.#qualityTimer = setInterval(() => { void this.#readQuality(pc) }, QUALITY_EVERY_MS)
      }
    })
    this.#pc = pc
    this.#here = true
    return pc
  }

  /** The media's code, loaded with the first call here (kept out of the app's first load). */
  async #loadMedia (): Promise<CallMedia> {
    if (this.#media !== undefined) return this.#media
    const [{ CallMedia }, { CallPlayback, browserPlayback }] = await Promise.all([import('./call-media.svelte.ts'), import('./call-playback.svelte.ts')])
    const playback = this.#playback ?? new CallPlayback(this.#playbackPlatform ?? browserPlayback)
    this.#playback = playback
    this.#media ??= new CallMedia(this.#platform, (devices) => { playback.devices(devices) })
    return this.#media
  }

  #onCall (event: CallEvent): void {
    this.#call = event
    if (event.phase === 'ended' && event.callId === this.#callId) this.#close()
  }

  async #onSignal (event: CallSignalEvent): Promise<void> {
    if (event.callId !== this.#callId) return
    const pc = this.#pc
    if (event.type === 'ice') {
      await this.#candidates.received(pc, event.candidates)
      return
    }
    if (pc === undefined) return
    await pc.setRemoteDescription({ type: event.type, sdp: event.sdp })
    if (event.type === 'answer') {
      await this.#candidates.remoteDescribed(this.#pc, [])
      return
    }
    // their new offer (a restart): our answer
    await pc.setLocalDescription(await pc.createAnswer())
    await this.#node.call('sendCallDescription', { callId: event.callId, type: 'answer', sdp: pc.localDescription?.sdp ?? '' })
  }

  /** Reads round-trip time, audio loss and whether a TURN relay carries the media. */
  async #readQuality (pc: RTCPeerConnection): Promise<void> {
    const stats: RTCStatsReport | undefined = await pc.getStats().catch(() => undefined)
    if (pc !== this.#pc || stats === undefined) return
    const read = qualityFrom([...stats.values()] as Array<Record<string, unknown>>, this.#lastAudio)
    this.#lastAudio = read.audio
    this.#quality = read.quality
  }

  #close (): void {
    this.#path.reset()
    clearInterval(this.#qualityTimer)
    this.#qualityTimer = undefined
    this.#quality = undefined
    this.#lastAudio = { received: 0, lost: 0 }
    this.#candidates.reset()
    this.#pc?.close()
    this.#pc = undefined
    this.#media?.close()
    this.#playback?.leave()
    this.#remote = undefined
    this.#callId = undefined
    this.#here = false
  }
}

let instance: CallManager | undefined
// added as this module loads, before the node's client adds its own (that one closes the client: rpc/connect.ts); they run in that order
if (typeof window !== 'undefined') window.addEventListener('pagehide', () => { instance?.pagehide() })

/** The tab's CallManager: one per tab, listening from first use; its call ends when the tab goes away. */
export function getCallManager (): CallManager {
  instance ??= new CallManager(getNodeManager())
  return instance
}
