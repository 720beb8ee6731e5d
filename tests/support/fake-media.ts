/**
 * A stand-in for the browser's media in unit tests of the call's tab side
 * (state/call*.svelte.ts): cameras, microphones and sound outputs that can be
 * listed, opened (getUserMedia), refused, unplugged (the track ends and
 * `devicechange` fires), and an RTCPeerConnection that records its senders'
 * tracks, its descriptions and candidates.
 */
import type { DeviceInfo, MediaPlatform } from '../../src/lib/state/call-media.svelte.ts'

export class FakeTrack extends EventTarget {
  enabled = true
  stopped = false
  ended = false
  constructor (readonly kind: 'audio' | 'video', readonly deviceId = `${kind}-0`) { super() }
  get label (): string { return this.deviceId }
  get readyState (): 'live' | 'ended' { return this.stopped || this.ended ? 'ended' : 'live' }
  getSettings (): { deviceId: string } { return { deviceId: this.deviceId } }
  /** as in browsers, stop() fires no 'ended' */
  stop (): void { this.stopped = true }
  /** the device went away: the track ends on its own */
  unplug (): void {
    this.ended = true
    this.dispatchEvent(new Event('ended'))
  }
}

export class FakeStream {
  constructor (readonly tracks: FakeTrack[] = [new FakeTrack('audio'), new FakeTrack('video')]) {}
  getTracks (): FakeTrack[] { return this.tracks }
  getAudioTracks (): FakeTrack[] { return this.tracks.filter(t => t.kind === 'audio') }
  getVideoTracks (): FakeTrack[] { return this.tracks.filter(t => t.kind === 'video') }
}

export interface FakeSender {
  track: FakeTrack | null
  replaceTrack: (t: FakeTrack | null) => Promise<void>
}

export class FakePeerConnection extends EventTarget {
  readonly log: string[] = []
  readonly senders: FakeSender[] = []
  localDescription: { type: string, sdp: string } | null = null
  connectionState = 'new'
  closed = false
  constructor (readonly config: unknown) { super() }
  addTrack (track: FakeTrack): unknown {
    const sender: FakeSender = { track, replaceTrack: async (t) => { sender.track = t } }
    this.senders.push(sender)
    return sender
  }

  async createOffer (): Promise<{ type: string, sdp: string }> { return { type: 'offer', sdp: 'v=0 our offer' } }
  async createAnswer (): Promise<{ type: string, sdp: string }> { return { type: 'answer', sdp: 'v=0 our answer' } }
  async setLocalDescription (d: { type: string, sdp: string }): Promise<void> { this.localDescription = d; this.log.push(`local ${d.type}`) }
  async setRemoteDescription (d: { type: string, sdp: string }): Promise<void> { this.log.push(`remote ${d.type}`) }
  async addIceCandidate (c: { candidate: string }): Promise<void> { this.log.push(`candidate ${c.candidate}`) }
  close (): void { this.closed = true }
  restartIce (): void { this.log.push('restartIce') }
  async getStats (): Promise<Map<string, unknown>> { return new Map() }
  /** the path changed state */
  becomes (state: string): void {
    this.connectionState = state
    this.dispatchEvent(new Event('connectionstatechange'))
  }

  /** the browser found a candidate of ours */
  gather (n: number): void {
    const json = { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${9000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' }
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { toJSON: () => json } }))
  }
}

export interface FakeDevicesOptions {
  /** the camera ids, in the order the browser lists them */
  cameras?: string[]
  /** the sound output ids */
  outputs?: string[]
  /** like many phones: a camera cannot open while another camera's track is live */
  oneCameraAtATime?: boolean
  /** the browser shares a screen (`getDisplayMedia`: 'allow' gives one, 'deny' is the person saying no); absent, it has none */
  screen?: 'allow' | 'deny'
}

export interface FakeDevices {
  platform: MediaPlatform
  /** every getUserMedia's constraints */
  asked: MediaStreamConstraints[]
  /** every video track opened, in order */
  opened: FakeTrack[]
  /** cameras that refuse to open (NotReadableError) */
  broken: Set<string>
  /** `id` goes away: its live tracks end, the list drops it, `devicechange` fires */
  unplug: (id: string) => void
  /** `devicechange` listeners subscribed now */
  listeners: () => number
}

/** A browser's media devices: microphone, cameras and outputs as given. */
export function fakeDevices (options: FakeDevicesOptions = {}): FakeDevices {
  let cameras = [...(options.cameras ?? ['cam-front'])]
  const outputs = options.outputs ?? ['default']
  const asked: MediaStreamConstraints[] = []
  const opened: FakeTrack[] = []
  const broken = new Set<string>()
  const listeners = new Set<() => void>()
  const list = (): DeviceInfo[] => [
    { kind: 'audioinput', deviceId: 'mic', label: 'Microphone' },
    ...cameras.map(deviceId => ({ kind: 'videoinput' as const, deviceId, label: `Camera ${deviceId}` })),
    ...outputs.map(deviceId => ({ kind: 'audiooutput' as const, deviceId, label: `Output ${deviceId}` }))
  ]
  const platform: MediaPlatform = {
    getUserMedia: async (constraints) => {
      asked.push(constraints)
      const tracks: FakeTrack[] = []
      if (constraints.audio === true) tracks.push(new FakeTrack('audio', 'mic'))
      if (constraints.video !== undefined && constraints.video !== false) {
        const wanted = constraints.video === true ? cameras[0] : ((constraints.video.deviceId as { exact: string } | undefined)?.exact)
        if (wanted === undefined || !cameras.includes(wanted)) throw Object.assign(new Error('no such camera'), { name: 'OverconstrainedError' })
        const busy = options.oneCameraAtATime === true && opened.some(t => t.readyState === 'live' && t.deviceId !== wanted)
        if (broken.has(wanted) || busy) throw Object.assign(new Error('Could not start video source'), { name: 'NotReadableError' })
        const track = new FakeTrack('video', wanted)
        opened.push(track)
        tracks.push(track)
      }
      return new FakeStream(tracks) as unknown as MediaStream
    },
    enumerateDevices: async () => list(),
    onDeviceChange: (listener) => {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    stream: (tracks) => new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream,
    // a screen to share where the options say the browser has one
    ...(options.screen === undefined
      ? {}
      : {
          getDisplayMedia: async () => {
            if (options.screen === 'deny') throw Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' })
            const track = new FakeTrack('video', 'screen')
            opened.push(track)
            return new FakeStream([track]) as unknown as MediaStream
          }
        })
  }
  return {
    platform,
    asked,
    opened,
    broken,
    unplug: (id) => {
      cameras = cameras.filter(c => c !== id)
      for (const track of opened) if (track.deviceId === id && track.readyState === 'live') track.unplug()
      for (const listener of listeners) listener()
    },
    listeners: () => listeners.size
  }
}
