/**
 * How the tab that holds a call plays the other side: which sound output
 * their voice goes to, where the browser lets a page choose
 * (`HTMLMediaElement.setSinkId`) and there is more than one output (the
 * choice is remembered for the next call), and their video in
 * picture-in-picture where the browser has it. Decided by capability, never
 * by the browser's name. Leaving the call leaves picture-in-picture.
 *
 * The call's view hands over its elements (`attachSound`, `attachVideo`);
 * everything else is decided here.
 */
import { t } from '../i18n/index.ts'
import { devicesOf } from './call-media.svelte.ts'
import type { Device, DeviceInfo } from './call-media.svelte.ts'
import { readLocal, writeLocal } from './local-store.ts'

/** localStorage key of the chosen sound output's device id. */
export const OUTPUT_KEY = 'parley.callOutput'

/** The pseudo-outputs Chromium lists beside the real ones (the system's choices). */
const PSEUDO_OUTPUTS = new Set(['default', 'communications'])

/** HTMLMediaElement.HAVE_METADATA: a video's size is known, so it can go to picture-in-picture. */
const HAVE_METADATA = 1

/** What playback needs of the browser (tests pass fakes). */
export interface PlaybackPlatform {
  /** HTMLMediaElement.prototype.setSinkId exists */
  canChooseOutput: boolean
  /** document.pictureInPictureEnabled */
  pictureInPictureEnabled(): boolean
  pictureInPictureElement(): Element | null
  exitPictureInPicture(): Promise<void>
  read(key: string): string | null
  write(key: string, value: string): void
}

export const browserPlayback: PlaybackPlatform = {
  canChooseOutput: typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype,
  pictureInPictureEnabled: () => typeof document !== 'undefined' && document.pictureInPictureEnabled === true,
  pictureInPictureElement: () => document.pictureInPictureElement,
  exitPictureInPicture: async () => document.exitPictureInPicture(),
  read: readLocal,
  write: writeLocal
}

export class CallPlayback {
  readonly #platform: PlaybackPlatform
  #outputs = $state.raw<Device[]>([])
  #output = $state('')
  #video = $state.raw<HTMLVideoElement | undefined>(undefined)
  #videoReady = $state(false)
  #pip = $state(false)
  #problem = $state('')
  // the elements playing their sound, not state: nothing renders from them
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #sound = new Set<HTMLMediaElement>()

  constructor (platform: PlaybackPlatform = browserPlayback) {
    this.#platform = platform
  }

  /** The sound outputs to choose from: empty where the browser cannot choose or there is only one. */
  get outputs (): readonly Device[] { return this.#outputs }
  /** The chosen output's id ('' for the system's where the browser lists none for it). */
  get output (): string { return this.#output }
  /** Their video can go to picture-in-picture now. */
  get canPictureInPicture (): boolean { return this.#video !== undefined && this.#videoReady && this.#platform.pictureInPictureEnabled() }
  /** Their video is in picture-in-picture. */
  get pictureInPicture (): boolean { return this.#pip }
  /** An output or picture-in-picture that failed, in words ('' when nothing did). */
  get problem (): string { return this.#problem }

  /** The devices as listed (CallMedia hears them): the outputs to offer, and whether the remembered one is there. */
  devices (devices: readonly DeviceInfo[]): void {
    const outputs = this.#platform.canChooseOutput ? devicesOf(devices, 'audiooutput', n => t('calls.outputN', { n })) : []
    const real = outputs.filter(d => !PSEUDO_OUTPUTS.has(d.deviceId))
    // the system's own choice comes first: Chromium lists it ('default'), others do not
    const system = outputs.some(d => d.deviceId === 'default') ? [] : [{ deviceId: '', label: t('calls.outputSystem') }]
    this.#outputs = real.length > 1 ? [...system, ...outputs] : []
    const remembered = this.#platform.read(OUTPUT_KEY)
    const output = this.#outputs.find(d => d.deviceId === remembered)?.deviceId ?? this.#outputs[0]?.deviceId ?? ''
    if (output !== this.#output) {
      this.#output = output
      for (const element of this.#sound) void this.#sink(element)
    }
  }

  /** Their sound goes to output `deviceId` from now on, in this call and the next. */
  async chooseOutput (deviceId: string): Promise<void> {
    if (!this.#outputs.some(d => d.deviceId === deviceId)) return
    this.#output = deviceId
    this.#platform.write(OUTPUT_KEY, deviceId)
    await Promise.all([...this.#sound].map(async element => this.#sink(element)))
  }

  /** `element` plays their sound (to the chosen output); returns the detach. */
  attachSound (element: HTMLMediaElement): () => void {
    this.#sound.add(element)
    void this.#sink(element)
    return () => { this.#sound.delete(element) }
  }

  /** `element` shows their video (picture-in-picture's); returns the detach. */
  attachVideo (element: HTMLVideoElement): () => void {
    const ready = (): void => { this.#videoReady = element.readyState >= HAVE_METADATA }
    const enter = (): void => { this.#pip = true }
    const leave = (): void => { this.#pip = false }
    const events: Array<[string, () => void]> = [['loadedmetadata', ready], ['emptied', ready], ['enterpictureinpicture', enter], ['leavepictureinpicture', leave]]
    for (const [name, listener] of events) element.addEventListener(name, listener)
    this.#video = element
    ready()
    this.#pip = this.#platform.pictureInPictureElement() === element
    return () => {
      for (const [name, listener] of events) element.removeEventListener(name, listener)
      if (this.#video !== element) return
      void this.#leavePictureInPicture(element)
      this.#video = undefined
      this.#videoReady = false
      this.#pip = false
    }
  }

  /** Their video into picture-in-picture, or back out of it. */
  async togglePictureInPicture (): Promise<void> {
    const video = this.#video
    if (video === undefined) return
    this.#problem = ''
    try {
      if (this.#platform.pictureInPictureElement() === video) await this.#platform.exitPictureInPicture()
      else await video.requestPictureInPicture()
    } catch (err) {
      this.#problem = t('calls.pipFailed', { reason: err instanceof Error ? err.message : String(err) })
    }
  }

  /** The call is over here: picture-in-picture ends, the problems go. */
  leave (): void {
    if (this.#video !== undefined) void this.#leavePictureInPicture(this.#video)
    this.#problem = ''
  }

  async #leavePictureInPicture (video: HTMLVideoElement): Promise<void> {
    if (this.#platform.pictureInPictureElement() !== video) return
    // it may have left on its own meanwhile; nothing else to undo
    await this.#platform.exitPictureInPicture().catch(() => {})
    this.#pip = false
  }

  async #sink (element: HTMLMediaElement): Promise<void> {
    if (!this.#platform.canChooseOutput || element.sinkId === this.#output) return
    try {
      await element.setSinkId(this.#output)
      this.#problem = ''
    } catch (err) {
      this.#problem = t('calls.outputFailed', { reason: err instanceof Error ? err.message : String(err) })
    }
  }
}
