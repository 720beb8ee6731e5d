/**
 * Our side of a call's media, in the tab that holds the call: the
 * microphone and camera (asked for only when a call is placed or answered),
 * their senders on the call's RTCPeerConnection, mute and camera off, and
 * the camera in use. Where there are several cameras the call can switch
 * between them: the new camera's track replaces the old one on the video
 * sender (`replaceTrack`, no renegotiation) and the old one stops. A camera
 * that goes away mid-call (unplugged: its track ends, or `devicechange`
 * no longer lists it) is replaced by another, or we say that it stopped.
 *
 * In a video call the screen (or a window or a tab: the browser asks which)
 * can be shared instead of the camera, where the browser has
 * `getDisplayMedia`: its track goes on the video sender the same way, so the
 * other side needs nothing new, and the camera comes back when sharing
 * stops, by our button or the browser's own.
 *
 * Device work (a switch, a recovery, sharing) runs one step at a time, and
 * every step checks that the call it began in is still the one held here.
 */
import { t } from '../i18n/index.ts'

/** A device the browser lists (enumerateDevices), as far as the call needs it. */
export type DeviceInfo = Pick<MediaDeviceInfo, 'kind' | 'deviceId' | 'label'>

/** A camera or sound output to choose, with a label to show. */
export interface Device {
  deviceId: string
  label: string
}

/** What the call's media need of the browser (tests pass fakes). */
export interface MediaPlatform {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>
  enumerateDevices(): Promise<DeviceInfo[]>
  /** calls `listener` on every `devicechange`; returns the unsubscribe */
  onDeviceChange(listener: () => void): () => void
  /** a stream of these tracks (the preview's new stream after a switch) */
  stream(tracks: MediaStreamTrack[]): MediaStream
  /** the screen, a window or a tab, as the person chooses; absent where the browser cannot share one */
  getDisplayMedia?: (constraints: DisplayMediaStreamOptions) => Promise<MediaStream>
}

/** The devices of `kind` with an id, each with its label (or "<fallback> n" where the browser gives none). */
export function devicesOf (devices: readonly DeviceInfo[], kind: MediaDeviceKind, fallback: (n: number) => string): Device[] {
  return devices.filter(d => d.kind === kind && d.deviceId !== '')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label === '' ? fallback(i + 1) : d.label }))
}

type Kind = 'audio' | 'video'

export class CallMedia {
  readonly #platform: MediaPlatform
  readonly #onDevices: (devices: readonly DeviceInfo[]) => void
  #stream = $state.raw<MediaStream | undefined>(undefined)
  #muted = $state(false)
  #cameraOff = $state(false)
  #cameras = $state.raw<Device[]>([])
  #camera = $state('')
  #switching = $state(false)
  #notice = $state('')
  /** the shared screen's track, on the video sender instead of the camera's, and its stream (the preview) */
  #screen = $state.raw<MediaStreamTrack | undefined>(undefined)
  #screenStream = $state.raw<MediaStream | undefined>(undefined)
  // the senders of our tracks, not state: nothing renders from them
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #senders = new Map<Kind, RTCRtpSender>()
  /** bumped when the media go: device work begun before then drops what it got */
  #generation = 0
  #steps: Promise<void> = Promise.resolve()
  #offDeviceChange: (() => void) | undefined

  /** `onDevices` hears every listing of the devices (the sound outputs are chosen elsewhere). */
  constructor (platform: MediaPlatform, onDevices: (devices: readonly DeviceInfo[]) => void = () => {}) {
    this.#platform = platform
    this.#onDevices = onDevices
  }

  /** Our microphone and camera, for the preview. */
  get local (): MediaStream | undefined { return this.#stream }
  get muted (): boolean { return this.#muted }
  get cameraOff (): boolean { return this.#cameraOff }
  /** The cameras there are (listed once the browser let us use one). */
  get cameras (): readonly Device[] { return this.#cameras }
  /** The id of the camera in use ('' in a voice call). */
  get camera (): string { return this.#camera }
  /** There is a camera in use and another to switch to. */
  get canSwitch (): boolean { return this.#camera !== '' && this.#cameras.length > 1 }
  /** A switch (or a recovery) is under way. */
  get switching (): boolean { return this.#switching }
  /** What happened to the camera, in words ('' when nothing did). */
  get notice (): string { return this.#notice }
  /** The screen can be shared here: a video call, and a browser that has getDisplayMedia. */
  get canShare (): boolean { return this.#platform.getDisplayMedia !== undefined && this.#stream !== undefined && this.#senders.has('video') }
  /** Our screen goes instead of the camera. */
  get sharing (): boolean { return this.#screen !== undefined }
  /** What our video shows, for the preview: the shared screen, else the camera. */
  get preview (): MediaStream | undefined {
    return this.#screenStream ?? this.#stream
  }

  /** Asks for the microphone (and camera); throws what getUserMedia threw. */
  async open (video: boolean): Promise<MediaStream> {
    this.close()
    const generation = this.#generation
    const stream = await this.#platform.getUserMedia({ audio: true, video })
    if (generation !== this.#generation) {
      for (const track of stream.getTracks()) track.stop()
      throw Object.assign(new Error('The call ended while its media were being opened'), { name: 'AbortError' })
    }
    this.#stream = stream
    this.#muted = false
    this.#cameraOff = false
    const track = stream.getVideoTracks()[0]
    if (track !== undefined) this.#watch(track)
    this.#offDeviceChange = this.#platform.onDeviceChange(() => { this.#step(async () => this.#refresh()) })
    this.#step(async () => this.#refresh())
    return stream
  }

  /** Puts our tracks on `pc`, keeping their senders. */
  attach (pc: RTCPeerConnection): void {
    const stream = this.#stream
    if (stream === undefined) return
    this.#senders.clear()
    for (const track of stream.getTracks()) this.#senders.set(track.kind as Kind, pc.addTrack(track, stream))
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

  /**
   * Shares the screen (the browser asks which) instead of the camera. When
   * the browser gives none (the person said no, or it cannot here), `notice`
   * says so and the camera stays.
   */
  async shareScreen (): Promise<void> {
    const share = this.#platform.getDisplayMedia
    if (share === undefined || this.#screen !== undefined) return
    const generation = this.#generation
    let stream: MediaStream
    try {
      stream = await share({ video: true, audio: false })
    } catch (err) {
      if (generation === this.#generation) this.#notice = t(err instanceof Error && err.name === 'NotAllowedError' ? 'calls.shareRefused' : 'calls.shareFailed')
      return
    }
    this.#notice = ''
    const track = stream.getVideoTracks()[0]
    for (const other of stream.getAudioTracks()) other.stop()
    if (track === undefined) return
    if (generation !== this.#generation || this.#screen !== undefined) {
      track.stop()
      return
    }
    // text and lines stay sharp: the encoder lowers the frame rate before the resolution
    track.contentHint = 'detail'
    this.#screen = track
    this.#screenStream = this.#platform.stream([track])
    void this.#senders.get('video')?.replaceTrack(track).catch(() => {})
    // the browser's own "Stop sharing"
    track.addEventListener('ended', () => { if (this.#screen === track) this.stopSharing() })
  }

  /** Sharing stops: the camera goes on the video sender again (or nothing, while it is off). */
  stopSharing (): void {
    const screen = this.#screen
    if (screen === undefined) return
    this.#screen = undefined
    this.#screenStream = undefined
    screen.stop()
    const camera = this.#videoTrack()
    void this.#senders.get('video')?.replaceTrack(this.#cameraOff || camera === undefined ? null : camera).catch(() => {})
  }

  /** Switches to camera `deviceId`, or without one to the next camera in the list. */
  async switchCamera (deviceId?: string): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#step(async () => {
        const cameras = this.#cameras
        const next = deviceId ?? cameras[(cameras.findIndex(c => c.deviceId === this.#camera) + 1) % cameras.length]?.deviceId
        if (next !== undefined && next !== this.#camera && this.#videoTrack() !== undefined) await this.#switchTo(next)
      }, resolve)
    })
  }

  /** Lets the media go: tracks stopped, senders and listeners dropped. */
  close (): void {
    this.#generation++
    this.#offDeviceChange?.()
    this.#offDeviceChange = undefined
    for (const track of this.#stream?.getTracks() ?? []) track.stop()
    this.#screen?.stop()
    this.#screen = undefined
    this.#screenStream = undefined
    this.#stream = undefined
    this.#senders.clear()
    this.#cameras = []
    this.#camera = ''
    this.#switching = false
    this.#notice = ''
  }

  #send (kind: Kind, on: boolean): void {
    const track = kind === 'audio' ? this.#stream?.getAudioTracks()[0] : this.#videoTrack()
    const sender = this.#senders.get(kind)
    if (track === undefined || sender === undefined) return
    track.enabled = on
    // while the screen is shared, the sender keeps it: the camera's state shows once sharing stops
    if (kind === 'video' && this.#screen !== undefined) return
    void sender.replaceTrack(on ? track : null).catch(() => {})
  }

  #videoTrack (): MediaStreamTrack | undefined {
    return this.#stream?.getVideoTracks()[0]
  }

  /** Runs `work` after the device work before it, while the same media are held. */
  #step (work: () => Promise<void>, done: () => void = () => {}): void {
    const generation = this.#generation
    this.#steps = this.#steps.then(async () => {
      if (generation !== this.#generation) return
      this.#switching = true
      try {
        await work()
      } finally {
        if (generation === this.#generation) this.#switching = false
      }
    }).catch(() => {}).finally(done)
  }

  /** The camera in use, and when it ends (unplugged) the recovery. */
  #watch (track: MediaStreamTrack): void {
    this.#camera = track.getSettings().deviceId ?? ''
    track.addEventListener('ended', () => { this.#step(async () => this.#recover(track)) })
  }

  /** Lists the devices again; a camera in use that is gone is replaced. */
  async #refresh (): Promise<void> {
    const generation = this.#generation
    const devices = await this.#platform.enumerateDevices().catch(() => [])
    if (generation !== this.#generation) return
    this.#cameras = devicesOf(devices, 'videoinput', n => t('calls.cameraN', { n }))
    this.#onDevices(devices)
    const track = this.#videoTrack()
    if (track === undefined) return
    // unplugged: its track ended, or the list (of cameras it does give) no longer has it
    const unlisted = this.#camera !== '' && this.#cameras.length > 0 && !this.#cameras.some(c => c.deviceId === this.#camera)
    if (track.readyState === 'ended' || unlisted) await this.#recover(track)
  }

  /** Camera `track` stopped working: another camera takes over, or we say it stopped. */
  async #recover (track: MediaStreamTrack): Promise<void> {
    if (track !== this.#videoTrack()) return
    const gone = this.#camera
    for (const camera of this.#cameras.filter(c => c.deviceId !== gone)) {
      if (await this.#switchTo(camera.deviceId, false)) {
        this.#notice = t('calls.cameraReplaced', { camera: camera.label })
        return
      }
    }
    this.#drop()
    this.#notice = t('calls.cameraStopped')
  }

  /**
   * Camera `deviceId` replaces the one in use; false when it cannot be had.
   * A phone may open one camera at a time: when the new one fails beside the
   * old, the old one goes first and the new one is tried again; failing that
   * (when `restore`) the old one is opened again.
   */
  async #switchTo (deviceId: string, restore = true): Promise<boolean> {
    const generation = this.#generation
    const previous = this.#camera
    let track = await this.#openCamera(deviceId)
    if (track === undefined && generation === this.#generation) {
      this.#drop()
      track = await this.#openCamera(deviceId)
      if (track === undefined && restore && previous !== '') {
        const back = await this.#openCamera(previous)
        if (back !== undefined) this.#use(back, generation)
        const label = this.#cameras.find(c => c.deviceId === deviceId)?.label ?? deviceId
        this.#notice = back === undefined ? t('calls.cameraStopped') : t('calls.cameraUnavailable', { camera: label })
        return false
      }
    }
    if (track === undefined) return false
    this.#use(track, generation)
    this.#notice = ''
    return generation === this.#generation
  }

  async #openCamera (deviceId: string): Promise<MediaStreamTrack | undefined> {
    try {
      const stream = await this.#platform.getUserMedia({ video: { deviceId: { exact: deviceId } } })
      for (const track of stream.getAudioTracks()) track.stop()
      return stream.getVideoTracks()[0]
    } catch {
      return undefined
    }
  }

  /** `track` becomes our video: on the sender (unless the camera is off), in the preview; the old one stops. */
  #use (track: MediaStreamTrack, generation: number): void {
    const stream = this.#stream
    if (generation !== this.#generation || stream === undefined) {
      track.stop()
      return
    }
    track.enabled = !this.#cameraOff
    if (this.#screen === undefined) void this.#senders.get('video')?.replaceTrack(this.#cameraOff ? null : track).catch(() => {})
    for (const old of stream.getVideoTracks()) old.stop()
    this.#stream = this.#platform.stream([...stream.getAudioTracks(), track])
    this.#watch(track)
  }

  /** Our camera's track stops and leaves the sender: no video goes until another camera is had. */
  #drop (): void {
    const stream = this.#stream
    if (stream === undefined) return
    for (const old of stream.getVideoTracks()) old.stop()
    if (this.#screen === undefined) void this.#senders.get('video')?.replaceTrack(null).catch(() => {})
    this.#stream = this.#platform.stream(stream.getAudioTracks())
    this.#camera = ''
  }
}
