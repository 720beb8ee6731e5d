/**
 * Length-prefixed frames, as every Parley stream protocol carries them (an
 * unsigned-varint byte count, then that many bytes): the prefix decoder and
 * ONE frame stream over libp2p's `lpStream`, with the protocol's limits.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { decode as decodeVarint } from 'uint8-varint'
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Decodes the unsigned-varint length prefix of a frame (the `lengthDecoder`
 * of `lpStream`). Throws `RangeError` while the prefix is incomplete, as
 * `lpStream` expects, and `invalid(reason)` once it is longer than
 * `maxBytes`, before decoding more.
 */
export function decodeVarintLength (prefix: Uint8Array | Uint8ArrayList, maxBytes: number, invalid: (reason: string) => Error): number {
  // uint8-varint reads on to the first byte without the continuation bit: that
  // byte must be among the first maxBytes, or the prefix is refused unread
  const end = Math.min(prefix.byteLength, maxBytes)
  for (let i = 0; i < end; i++) {
    const byte = prefix instanceof Uint8Array ? prefix[i] : prefix.get(i)
    if (byte !== undefined && byte < 0x80) return decodeVarint(prefix)
  }
  if (prefix.byteLength > maxBytes) throw invalid(`length prefix is longer than ${maxBytes} bytes`)
  throw new RangeError('incomplete length prefix')
}

/**
 * {@link decodeVarintLength} refusing a prefix over `maxBytes` with
 * `InvalidMessageError('Invalid <protocol> frame: …')`.
 */
export function decodeFrameLength (prefix: Uint8Array | Uint8ArrayList, maxBytes: number, protocol: string): number {
  return decodeVarintLength(prefix, maxBytes, (reason) => new InvalidMessageError(`Invalid ${protocol} frame: ${reason}`))
}

export interface FrameLimits {
  /** the protocol's name, for error messages ('chat', 'file') */
  protocol: string
  /** largest frame body, in bytes */
  maxDataLength: number
  /** longest length prefix, in bytes */
  maxLengthLength: number
  /** most bytes read ahead and not yet consumed: more means the peer sends faster than the protocol allows */
  maxBufferSize: number
}

/**
 * Errors of `lpStream` that mean the peer sent a malformed frame, or more
 * than it may have in flight (StreamBufferError).
 */
const FRAMING_ERRORS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError', 'UnexpectedEOFError', 'StreamBufferError'])

/**
 * A frame the stream ended inside of. Its name is InvalidMessageError: to a
 * listener it is a malformed frame like any other. A dialer waiting for an
 * answer may tell it apart ({@link isTruncatedFrame}): a connection that goes
 * away mid-frame ends the stream the same way.
 */
export class TruncatedFrameError extends InvalidMessageError {
  readonly truncated = true
}

/** Whether `err` is a {@link TruncatedFrameError}. */
export function isTruncatedFrame (err: unknown): boolean {
  return err instanceof TruncatedFrameError
}

/**
 * `lpStream` with a protocol's limits, telling a clean end of stream (the
 * remote closed its write side between frames: `read` resolves null) from a
 * truncated or malformed frame (`InvalidMessageError`). lpStream reports both
 * ends as UnexpectedEOFError; the length decoder records whether a prefix had
 * begun.
 */
export class FrameStream {
  readonly #lp: LengthPrefixedStream<Stream>
  readonly #protocol: string
  #prefixBytes = 0

  constructor (stream: Stream, limits: FrameLimits) {
    this.#protocol = limits.protocol
    this.#lp = lpStream(stream, {
      maxDataLength: limits.maxDataLength,
      maxLengthLength: limits.maxLengthLength,
      maxBufferSize: limits.maxBufferSize,
      lengthDecoder: (prefix) => {
        this.#prefixBytes = prefix.byteLength
        return decodeFrameLength(prefix, limits.maxLengthLength, limits.protocol)
      }
    })
  }

  /** The next frame's body (a view, copied at most once when it arrived in pieces), or null at a clean end of stream. */
  async read (options: AbortOptions): Promise<Uint8Array | null> {
    this.#prefixBytes = 0
    try {
      return (await this.#lp.read(options)).subarray()
    } catch (err) {
      const name = err instanceof Error ? err.name : ''
      if (name === 'UnexpectedEOFError' && this.#prefixBytes === 0) {
        return null
      }
      if (name === 'UnexpectedEOFError') {
        throw new TruncatedFrameError(`Invalid ${this.#protocol} frame: the stream ended inside a frame (${(err as Error).message})`)
      }
      if (FRAMING_ERRORS.has(name)) {
        throw new InvalidMessageError(`Invalid ${this.#protocol} frame: ${(err as Error).message}`)
      }
      throw err
    }
  }

  async write (body: Uint8Array | Uint8ArrayList, options: AbortOptions): Promise<void> {
    await this.#lp.write(body, options)
  }
}
