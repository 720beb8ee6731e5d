/**
 * Framing and deadlines of `/parley/file/1.0.0` streams: `FileFrames` (the
 * protocol's frames over the one FrameStream of framing.ts, decoded as they
 * are read) and `Watchdog` (a stream's inactivity deadline). Used by the app's
 * file service.
 */
import { AbortError, TimeoutError } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { raceSignal } from '../abort.ts'
import { FrameStream } from '../framing.ts'
import { decodeFileFrame, encodeFileFrameParts } from './codec.ts'
import { MAX_LENGTH_PREFIX_BYTES } from './constants.ts'
import type { FileDialerFrame, FileFrame, FileListenerFrame } from './codec.ts'
import type { Stream } from '@libp2p/interface'

/**
 * File frames over a stream, with the file limits: decoded as they are read,
 * each frame read or written touching the watchdog. A clean end of stream
 * between frames reads as null, a truncated frame (or more than may be in
 * flight) as InvalidMessageError. A frame body is copied at most once (when
 * it arrived in several pieces); payloads are views into it.
 */
export class FileFrames {
  readonly watchdog: Watchdog
  readonly #frames: FrameStream

  constructor (stream: Stream, maxDataLength: number, maxBufferSize: number, watchdog: Watchdog) {
    this.watchdog = watchdog
    this.#frames = new FrameStream(stream, { protocol: 'file', maxDataLength, maxLengthLength: MAX_LENGTH_PREFIX_BYTES, maxBufferSize })
  }

  async read (sender: 'dialer'): Promise<FileDialerFrame | null>
  async read (sender: 'listener'): Promise<FileListenerFrame | null>
  async read (sender: 'dialer' | 'listener'): Promise<FileFrame | null> {
    const body = await this.#frames.read({ signal: this.watchdog.signal })
    if (body === null) return null
    this.watchdog.touch()
    return decodeFileFrame(body, sender)
  }

  async write (frame: FileFrame): Promise<void> {
    await this.#frames.write(new Uint8ArrayList(...encodeFileFrameParts(frame)), { signal: this.watchdog.signal })
    this.watchdog.touch()
  }
}

/**
 * A stream's deadline: `signal` aborts with a TimeoutError once `ms` pass
 * without touch() (a frame read or written), except while suspend() runs the
 * app's own work, and with the reason of any parent signal.
 */
export class Watchdog {
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private readonly parents: AbortSignal[]
  private readonly onParentAbort = (evt: Event): void => { this.abort((evt.target as AbortSignal).reason) }
  private timer?: ReturnType<typeof setTimeout>
  private suspended = 0

  constructor (private readonly ms: number, private readonly message: string, parents: Array<AbortSignal | undefined>) {
    this.signal = this.controller.signal
    this.parents = parents.filter(p => p != null)
    for (const parent of this.parents) {
      if (parent.aborted) this.abort(parent.reason)
      parent.addEventListener('abort', this.onParentAbort, { once: true })
    }
    this.touch()
  }

  touch (): void {
    clearTimeout(this.timer)
    if (this.suspended > 0 || this.signal.aborted) return
    this.timer = setTimeout(() => { this.abort(new TimeoutError(this.message)) }, this.ms)
  }

  /** Runs `fn` (local work, not a wait for the peer) with the timer stopped; still ends on abort. */
  async suspend<T> (fn: () => Promise<T>): Promise<T> {
    this.suspended++
    clearTimeout(this.timer)
    try {
      return await this.race(fn())
    } finally {
      this.suspended--
      this.touch()
    }
  }

  /** Settles with `promise`, or rejects with the abort reason. */
  async race<T> (promise: Promise<T>): Promise<T> {
    return raceSignal(promise, this.signal)
  }

  abort (reason: unknown): void {
    clearTimeout(this.timer)
    this.controller.abort(reason)
  }

  /** Ends the watch: whatever still waits on `signal` (a read ahead, a source read) is aborted. */
  dispose (): void {
    for (const parent of this.parents) parent.removeEventListener('abort', this.onParentAbort)
    if (!this.signal.aborted) this.abort(new AbortError('The file stream has ended'))
  }
}
