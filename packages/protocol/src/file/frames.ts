/**
 * Framing and deadlines of `/parley/file/1.0.0` and `1.1.0` streams:
 * `FileFrames` (the protocol's frames over the one FrameStream of
 * framing.ts, decoded as they are read, and in 1.1.0 sealed and opened with
 * the file's key) and `Watchdog` (a stream's inactivity deadline). Used by
 * the app's file service.
 */
import { AbortError, InvalidMessageError, TimeoutError } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { raceSignal } from '../abort.ts'
import { FrameStream } from '../framing.ts'
import { decodeFileFrame, encodeFileFrameParts } from './codec.ts'
import { HASH_BYTES, MAX_LENGTH_PREFIX_BYTES, SEAL_OVERHEAD_BYTES } from './constants.ts'
import type { FileDialerFrame, FileFrame, FileListenerFrame } from './codec.ts'
import type { FileVersion } from './constants.ts'
import type { FileCipher } from './keyed.ts'
import type { Stream } from '@libp2p/interface'

/**
 * File frames over a stream, with the file limits: decoded as they are read,
 * each frame read or written touching the watchdog. A clean end of stream
 * between frames reads as null, a truncated frame (or more than may be in
 * flight) as InvalidMessageError. A frame body is copied at most once (when
 * it arrived in several pieces); payloads are views into it, except in
 * 1.1.0, where HASHES and CHUNK replies are sealed on write and opened on
 * read with the `cipher` (a reply that does not open is InvalidMessageError).
 */
export class FileFrames {
  readonly watchdog: Watchdog
  readonly version: FileVersion
  /** The file's cipher (1.1.0): the dialer knows it from the start, the listener once OPEN named the file. */
  cipher?: FileCipher
  readonly #frames: FrameStream

  constructor (stream: Stream, maxDataLength: number, maxBufferSize: number, watchdog: Watchdog, version: FileVersion = '1.0.0', cipher?: FileCipher) {
    this.watchdog = watchdog
    this.version = version
    if (cipher !== undefined) this.cipher = cipher
    this.#frames = new FrameStream(stream, { protocol: 'file', maxDataLength, maxLengthLength: MAX_LENGTH_PREFIX_BYTES, maxBufferSize })
  }

  async read (sender: 'dialer'): Promise<FileDialerFrame | null>
  async read (sender: 'listener'): Promise<FileListenerFrame | null>
  async read (sender: 'dialer' | 'listener'): Promise<FileFrame | null> {
    const body = await this.#frames.read({ signal: this.watchdog.signal })
    if (body === null) return null
    this.watchdog.touch()
    const frame = decodeFileFrame(body, sender, this.version)
    if (this.version === '1.0.0') return frame
    if (frame.type === 'hashes') {
      const count = (frame.hashes.byteLength - SEAL_OVERHEAD_BYTES) / HASH_BYTES
      const hashes = await this.watchdog.race(this.#needCipher().open('hashes', frame.from, count, frame.hashes))
      if (hashes === undefined) throw new InvalidMessageError(`Invalid file frame: HASHES from ${frame.from} does not open with the file's key`)
      return { ...frame, hashes }
    }
    if (frame.type === 'chunk') {
      const data = await this.watchdog.race(this.#needCipher().open('chunk', frame.index, 0, frame.data))
      if (data === undefined) throw new InvalidMessageError(`Invalid file frame: CHUNK ${frame.index} does not open with the file's key`)
      return { ...frame, data }
    }
    return frame
  }

  async write (frame: FileFrame): Promise<void> {
    let sealed = frame
    if (this.version !== '1.0.0' && frame.type === 'hashes') {
      sealed = { ...frame, hashes: await this.#needCipher().seal('hashes', frame.from, frame.hashes.byteLength / HASH_BYTES, frame.hashes) }
    } else if (this.version !== '1.0.0' && frame.type === 'chunk') {
      sealed = { ...frame, data: await this.#needCipher().seal('chunk', frame.index, 0, frame.data) }
    }
    await this.#frames.write(new Uint8ArrayList(...encodeFileFrameParts(sealed, this.version)), { signal: this.watchdog.signal })
    this.watchdog.touch()
  }

  #needCipher (): FileCipher {
    if (this.cipher === undefined) throw new Error(`A ${this.version} file stream needs the file's cipher before it seals or opens a payload`)
    return this.cipher
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
