/**
 * Framing and deadlines of `/parley/file/1.0.0` streams: `FrameStream`
 * (length-prefixed frames with the file limits, decoded as they are read) and
 * `Watchdog` (a stream's inactivity deadline). Used by the service in file.ts.
 */
import { AbortError, InvalidMessageError, TimeoutError } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeFileFrame, decodeFrameLength, encodeFileFrameParts } from './codec.ts'
import { MAX_LENGTH_PREFIX_BYTES } from './constants.ts'
import type { FileDialerFrame, FileFrame, FileListenerFrame } from './codec.ts'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

/** Errors of `lpStream` that mean the peer sent a malformed frame, or more than it may have in flight (StreamBufferError). */
const FRAMING_ERRORS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError', 'UnexpectedEOFError', 'StreamBufferError'])

/**
 * `lpStream` with the file limits, decoding frames as they are read and
 * touching the watchdog for each frame read or written. A clean end of
 * stream between frames reads as null, a truncated frame as
 * InvalidMessageError. A frame body is copied at most once (when it arrived
 * in several pieces); payloads are views into it.
 */
export class FrameStream {
  readonly watchdog: Watchdog
  private readonly lp: LengthPrefixedStream<Stream>
  private prefixBytes = 0

  constructor (stream: Stream, maxDataLength: number, maxBufferSize: number, watchdog: Watchdog) {
    this.watchdog = watchdog
    this.lp = lpStream(stream, {
      maxDataLength,
      maxLengthLength: MAX_LENGTH_PREFIX_BYTES,
      maxBufferSize,
      lengthDecoder: (prefix) => {
        this.prefixBytes = prefix.byteLength
        return decodeFrameLength(prefix)
      }
    })
  }

  async read (sender: 'dialer'): Promise<FileDialerFrame | null>
  async read (sender: 'listener'): Promise<FileListenerFrame | null>
  async read (sender: 'dialer' | 'listener'): Promise<FileFrame | null> {
    this.prefixBytes = 0
    let body: Uint8Array
    try {
      body = (await this.lp.read({ signal: this.watchdog.signal })).subarray()
    } catch (err) {
      const name = err instanceof Error ? err.name : ''
      if (name === 'UnexpectedEOFError' && this.prefixBytes === 0) {
        return null
      }
      if (FRAMING_ERRORS.has(name)) {
        throw new InvalidMessageError(`Invalid file frame: ${(err as Error).message}`)
      }
      throw err
    }
    this.watchdog.touch()
    return decodeFileFrame(body, sender)
  }

  async write (frame: FileFrame): Promise<void> {
    await this.lp.write(new Uint8ArrayList(...encodeFileFrameParts(frame)), { signal: this.watchdog.signal })
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
    return race(promise, this.signal)
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

/** Settles with `promise`, or rejects with the signal's reason once it aborts. */
export async function race<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    if (signal.aborted) {
      onAbort()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}
