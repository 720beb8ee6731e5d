/** One link stream as both sides use it: its frames, and a machine's step carried out on it. */
import { FrameStream } from '@parley/protocol/framing'
import { LINK_FRAME_LIMITS } from '@parley/protocol/link/index'
import type { LinkStep } from '@parley/protocol/link/step'
import type { Logger, Stream } from '@libp2p/interface'

/** How long writing one frame may take, in ms. */
const WRITE_TIMEOUT_MS = 10_000

export class LinkStream {
  readonly stream: Stream
  readonly frames: FrameStream
  readonly #log: Logger
  /** aborted once the stream is closed or reset here: ends a read waiting on it */
  readonly #ended = new AbortController()

  constructor (stream: Stream, log: Logger) {
    this.stream = stream
    this.frames = new FrameStream(stream, LINK_FRAME_LIMITS)
    this.#log = log
  }

  get ended (): boolean {
    return this.#ended.signal.aborted
  }

  /** The next frame, or null when the stream ended (cleanly, or broken: the machine hears `closed`). A malformed frame throws InvalidMessageError. */
  async read (): Promise<Uint8Array | null> {
    if (this.ended) return null
    try {
      const frame = await this.frames.read({ signal: this.#ended.signal })
      // (the end of the stream: nothing more will come)
      if (frame === null) this.#ended.abort()
      return frame
    } catch (err) {
      if ((err as Error).name === 'InvalidMessageError') throw err
      this.#log('link stream read ended - %e', err)
      // a stream that broke stays ended: a reader looping on it would otherwise spin on its rejections
      this.#ended.abort()
      return null
    }
  }

  /**
   * The next frame for a machine: null when the stream ended (the machine's
   * `closed`), and a malformed frame as empty bytes, which the machine
   * refuses as `invalid`.
   */
  async next (): Promise<Uint8Array | null> {
    try {
      return await this.read()
    } catch {
      return new Uint8Array(0)
    }
  }

  /** Writes the step's frame, then closes or resets the stream as it says. Never throws: a stream that broke is the machine's `closed`. */
  async apply (step: LinkStep): Promise<void> {
    if (this.ended) return
    try {
      if (step.send !== undefined) await this.frames.write(step.send, { signal: AbortSignal.timeout(WRITE_TIMEOUT_MS) })
      if (step.end === 'close') {
        this.#ended.abort()
        await this.stream.close({ signal: AbortSignal.timeout(WRITE_TIMEOUT_MS) })
      } else if (step.end === 'reset') {
        this.reset()
      }
    } catch (err) {
      this.#log('link stream write failed - %e', err)
      this.reset()
    }
  }

  reset (): void {
    this.#ended.abort()
    this.stream.abort(new Error('link stream reset'))
  }
}
