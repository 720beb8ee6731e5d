/**
 * Recording a voice message: the microphone is asked for only when a
 * recording starts; then a MediaRecorder (Opus where the browser has it, at a
 * voice bitrate) records while the loudness is sampled for the waveform and
 * the clock runs; at MAX_VOICE_MS it stops by itself. Finishing hands the
 * recording (file, type, name, duration, waveform) to `onrecorded`;
 * cancelling drops it. A refused or missing microphone ends in a `problem`
 * the composer words (lib/i18n/messages/voice.ts).
 *
 * The browser's part (getUserMedia, MediaRecorder, an AnalyserNode) comes in
 * as a {@link VoiceMedia} (voice-media.ts), so the state machine is
 * tested with fakes (tests/unit/state/voice-recorder.test.ts).
 *
 *   idle ─start→ starting ─microphone→ recording ─finish→ stopping ─stopped→ idle (onrecorded)
 *     ↑              │ refused: problem       │ cancel / failure        │
 *     └──────────────┴────────────────────────┴─────────────────────────┘
 */
import { MAX_VOICE_MS } from '@parley/protocol/chat/constants'
import type { RecorderPhase, VoiceProblem } from '../model/voice.ts'
import { downsampleWaveform } from '../model/waveform.ts'

/** Opus at this rate is clear speech: about 30 KiB for 10 seconds. */
export const VOICE_BITS_PER_SECOND = 24_000
/** The containers with Opus we ask for, in order; without either the browser picks its default. */
export const VOICE_MIME_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'] as const
/** How often the loudness is sampled (and the clock shown moves on), in ms. */
export const LEVEL_INTERVAL_MS = 50
/** The recorder hands over its data this often, so a long recording is not one big buffer at the end. */
export const RECORDER_TIMESLICE_MS = 1000
/** Most loudness samples one recording keeps: one per LEVEL_INTERVAL_MS up to MAX_VOICE_MS. */
const MAX_LEVELS = Math.ceil(MAX_VOICE_MS / LEVEL_INTERVAL_MS) + 1

export type { RecorderPhase, VoiceProblem }

/** A finished recording, as sendFile takes it. */
export interface VoiceRecording {
  file: Blob
  /** the recorder's type, e.g. 'audio/webm;codecs=opus' */
  mime: string
  name: string
  durationMs: number
  /** 1..MAX_WAVEFORM_BYTES samples, 0..255 */
  waveform: Uint8Array
}

/** The microphone's stream, as far as the recorder needs it. */
export interface MicStream {
  /** stops every track: the browser's "recording" indicator goes off */
  stop(): void
}

/** Where a running recorder reports. */
export interface RecorderSink {
  data(chunk: Blob): void
  /** the recorder stopped; every chunk was reported before */
  stopped(): void
  failed(err: unknown): void
}

export interface RecorderHandle {
  /** the type the recorder really records ('' when the browser does not say) */
  readonly mimeType: string
  stop(): void
}

export interface LevelMeter {
  /** the loudness right now: RMS of the signal, 0..1 */
  level(): number
  close(): void
}

/** The browser's media, as the recorder uses it. */
export interface VoiceMedia {
  /** asks for the microphone (getUserMedia); rejects with the browser's DOMException */
  open(): Promise<MicStream>
  isTypeSupported(type: string): boolean
  /** starts recording `stream`; throws when the browser cannot */
  record(stream: MicStream, options: { mimeType?: string, audioBitsPerSecond: number, timesliceMs: number }, sink: RecorderSink): RecorderHandle
  /** a loudness meter on `stream`, or undefined where none can be made (the waveform is then flat) */
  meter(stream: MicStream): LevelMeter | undefined
}

export interface VoiceClock {
  now(): number
  /** calls `fn` every `ms` until the returned function is called */
  every(ms: number, fn: () => void): () => void
}

const realClock: VoiceClock = {
  now: () => performance.now(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms)
    return () => { clearInterval(timer) }
  }
}

/** The first of VOICE_MIME_TYPES the browser records, else undefined (its default). */
export function pickVoiceMime (isTypeSupported: (type: string) => boolean): string | undefined {
  return VOICE_MIME_TYPES.find(type => isTypeSupported(type))
}

/** What a failure of getUserMedia (or of the recorder) means for the user, by the DOMException's name. */
export function problemOf (err: unknown): VoiceProblem {
  const name = typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : ''
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied'
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'noMicrophone'
    case 'NotReadableError':
    case 'AbortError':
      return 'busy'
    default:
      return 'failed'
  }
}

const EXTENSIONS: Readonly<Record<string, string>> = { 'audio/webm': 'webm', 'audio/ogg': 'ogg', 'audio/mp4': 'm4a', 'audio/mpeg': 'mp3', 'audio/wav': 'wav' }

/** The file name a recording is sent under: `voice-YYYYMMDD-HHMMSS.<ext>` in local time. */
export function voiceFileName (mime: string, at: Date): string {
  const essence = (mime.split(';', 1)[0] ?? '').trim().toLowerCase()
  const two = (n: number): string => String(n).padStart(2, '0')
  const stamp = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}-${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`
  return `voice-${stamp}.${EXTENSIONS[essence] ?? 'webm'}`
}

export class VoiceRecorder {
  readonly #media: VoiceMedia
  readonly #clock: VoiceClock
  readonly #onrecorded: (recording: VoiceRecording) => void
  #phase = $state<RecorderPhase>('idle')
  #elapsedMs = $state(0)
  #level = $state(0)
  #problem = $state<VoiceProblem | undefined>(undefined)
  /** bumped by every start and cancel: what an older session reports later is ignored */
  #session = 0
  #stream: MicStream | undefined
  #recorder: RecorderHandle | undefined
  #meter: LevelMeter | undefined
  #stopTicking: (() => void) | undefined
  #chunks: Blob[] = []
  #levels: number[] = []
  #startedAt = 0
  #durationMs = 0
  #mime = ''

  constructor (media: VoiceMedia, onrecorded: (recording: VoiceRecording) => void, clock: VoiceClock = realClock) {
    this.#media = media
    this.#onrecorded = onrecorded
    this.#clock = clock
  }

  get phase (): RecorderPhase {
    return this.#phase
  }

  /** How long the recording runs so far, in ms. */
  get elapsedMs (): number {
    return this.#elapsedMs
  }

  /** The loudness right now (0..1), for the live meter. */
  get level (): number {
    return this.#level
  }

  /** Why the last attempt did not record; cleared by the next start. */
  get problem (): VoiceProblem | undefined {
    return this.#problem
  }

  /** Asks for the microphone and starts recording (nothing unless idle). */
  async start (): Promise<void> {
    if (this.#phase !== 'idle') return
    const session = ++this.#session
    this.#problem = undefined
    this.#phase = 'starting'
    let stream: MicStream
    try {
      stream = await this.#media.open()
    } catch (err) {
      if (session === this.#session) this.#end(problemOf(err))
      return
    }
    if (session !== this.#session) {
      // cancelled while the browser asked for permission
      stream.stop()
      return
    }
    this.#stream = stream
    this.#chunks = []
    this.#levels = []
    const mimeType = pickVoiceMime(type => this.#media.isTypeSupported(type))
    try {
      this.#recorder = this.#media.record(stream, { ...(mimeType === undefined ? {} : { mimeType }), audioBitsPerSecond: VOICE_BITS_PER_SECOND, timesliceMs: RECORDER_TIMESLICE_MS }, {
        data: (chunk) => { if (session === this.#session && chunk.size > 0) this.#chunks.push(chunk) },
        stopped: () => { if (session === this.#session) this.#stopped() },
        failed: () => { if (session === this.#session) this.#end('failed') }
      })
    } catch (err) {
      this.#end(problemOf(err))
      return
    }
    this.#mime = this.#recorder.mimeType !== '' ? this.#recorder.mimeType : (mimeType ?? 'audio/webm')
    this.#meter = this.#media.meter(stream)
    this.#startedAt = this.#clock.now()
    this.#elapsedMs = 0
    this.#phase = 'recording'
    this.#stopTicking = this.#clock.every(LEVEL_INTERVAL_MS, () => { this.#tick() })
  }

  /** Stops recording and hands the recording to `onrecorded` once the recorder has given all of it. */
  finish (): void {
    if (this.#phase !== 'recording') return
    this.#durationMs = Math.min(MAX_VOICE_MS, Math.max(1, Math.round(this.#clock.now() - this.#startedAt)))
    this.#elapsedMs = this.#durationMs
    this.#stopTicking?.()
    this.#stopTicking = undefined
    this.#phase = 'stopping'
    this.#recorder?.stop()
  }

  /** Drops the recording (or the start that is under way) and lets the microphone go. */
  cancel (): void {
    if (this.#phase === 'idle') return
    this.#session++
    this.#end(undefined)
  }

  /** Cancels whatever runs and forgets the last problem. */
  reset (): void {
    this.cancel()
    this.#problem = undefined
  }

  #tick (): void {
    const elapsed = this.#clock.now() - this.#startedAt
    this.#elapsedMs = Math.min(MAX_VOICE_MS, Math.max(0, elapsed))
    const level = this.#meter?.level() ?? 0
    this.#level = level
    if (this.#levels.length < MAX_LEVELS) this.#levels.push(level)
    if (elapsed >= MAX_VOICE_MS) this.finish()
  }

  #stopped (): void {
    const file = new Blob(this.#chunks, { type: this.#mime })
    const recording: VoiceRecording = {
      file,
      mime: this.#mime,
      name: voiceFileName(this.#mime, new Date()), // eslint-disable-line svelte/prefer-svelte-reactivity -- a stamp, read once
      durationMs: this.#durationMs,
      waveform: downsampleWaveform(this.#levels)
    }
    this.#end(file.size === 0 ? 'empty' : undefined)
    if (file.size > 0) this.#onrecorded(recording)
  }

  /** Back to idle: the recorder, the meter and the microphone let go; `problem` says why, if it failed. */
  #end (problem: VoiceProblem | undefined): void {
    this.#stopTicking?.()
    this.#stopTicking = undefined
    const recorder = this.#recorder
    this.#recorder = undefined
    if (this.#phase === 'recording') {
      try {
        recorder?.stop()
      } catch {
        // already stopped (a recorder that failed): nothing more to let go of
      }
    }
    this.#meter?.close()
    this.#meter = undefined
    this.#stream?.stop()
    this.#stream = undefined
    this.#chunks = []
    this.#levels = []
    this.#level = 0
    this.#elapsedMs = 0
    this.#phase = 'idle'
    if (problem !== undefined) this.#problem = problem
  }
}
