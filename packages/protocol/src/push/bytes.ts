/** The push frames' error, and the shared frame writer and reader bound to it (frame-bytes.ts). */
import { FrameReader, FrameWriter } from '../frame-bytes.ts'

/** A frame that does not follow the format (docs/protocols.md, "Web Push"). */
export class PushFrameError extends Error {
  override name = 'PushFrameError'
}

export { FrameWriter as Writer }

/** Reads a push frame; any overrun is a PushFrameError. */
export class Reader extends FrameReader {
  constructor (buf: Uint8Array, what: string) {
    super(buf, what, message => new PushFrameError(message))
  }
}
