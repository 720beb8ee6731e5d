/**
 * What the call's widgets read and can do, declared by them: the screen
 * hands in the tab's call (state/call.svelte.ts's CallManager, with its
 * CallMedia and CallPlayback, fits these as they are), so a widget shows a
 * call without knowing where it comes from.
 */
import type { CallEvent } from '../contract/index.ts'

/**
 * How long the card saying how a call ended ("Call ended.", "No answer.")
 * stays, in ms, before it leaves by itself (routes/Call.svelte; Close, a new
 * call or another screen end it sooner).
 */
export const ENDED_CARD_MS = 6000

/** A camera or a sound output to choose, with a label to show. */
export interface DeviceChoice {
  readonly deviceId: string
  readonly label: string
}

/** Our microphone and camera in the call held here. */
export interface OurMediaView {
  readonly local: MediaStream | undefined
  readonly muted: boolean
  readonly cameraOff: boolean
  readonly cameras: readonly DeviceChoice[]
  readonly camera: string
  readonly canSwitch: boolean
  readonly switching: boolean
  /** what happened to a device, in words ('' for nothing) */
  readonly notice: string
  /** the screen can be shared (a video call, a browser that can) */
  readonly canShare: boolean
  /** our screen goes instead of the camera */
  readonly sharing: boolean
  /** what our video shows: the shared screen, else the camera */
  readonly preview: MediaStream | undefined
  toggleMute: () => void
  toggleCamera: () => void
  switchCamera: (deviceId?: string) => Promise<void>
  shareScreen: () => Promise<void>
  stopSharing: () => void
}

/** How their sound and picture play here. */
export interface PlaybackView {
  readonly outputs: readonly DeviceChoice[]
  readonly output: string
  readonly canPictureInPicture: boolean
  readonly pictureInPicture: boolean
  readonly problem: string
  chooseOutput: (deviceId: string) => Promise<void>
  togglePictureInPicture: () => Promise<void>
  /** `element` plays their sound; returns what lets it go */
  attachSound: (element: HTMLMediaElement) => () => void
  /** `element` is their video (the one picture-in-picture shows); returns what lets it go */
  attachVideo: (element: HTMLVideoElement) => () => void
}

/** The call under way (or the one that just ended), as its view shows it. */
export interface CallView {
  readonly call: CallEvent | undefined
  /** this tab holds the call's media */
  readonly here: boolean
  readonly remote: MediaStream | undefined
  /** why the microphone or camera could not be used, in words; '' when nothing is wrong */
  readonly problem: string
  /** placing or answering is under way */
  readonly busy: boolean
  /** the media connected at least once (a failure then is a lost connection) */
  readonly connected: boolean
  /** the connection's figures while it is up */
  readonly quality: { readonly rttMs?: number | undefined, readonly loss?: number | undefined, readonly turn: boolean } | undefined
  readonly media: OurMediaView | undefined
  readonly playback: PlaybackView | undefined
  answer: () => Promise<void>
  decline: () => Promise<void>
  hangUp: () => Promise<void>
  dismiss: () => void
}
