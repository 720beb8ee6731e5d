/**
 * `/parley/link/1.0.0`: linking a new device to an account (docs/protocols.md,
 * "Linking a device"; issue 58). The wire module only: the QR code's text,
 * the frames, the proofs, confirmation code and state key, and a pure state
 * machine for each side (device.ts for the new device, existing.ts for A).
 * Reading and writing the stream is the caller's: a {@link FrameStream}
 * with {@link LINK_FRAME_LIMITS}, `runOnLimitedConnection`.
 */
import { MAX_LINK_BUFFER_BYTES, MAX_LINK_FRAME_BYTES, MAX_LINK_PREFIX_BYTES } from './constants.ts'
import type { FrameLimits } from '../framing.ts'

export * from './constants.ts'
export * from './errors.ts'
export * from './qr.ts'
export * from './frames.ts'
export * from './transcript.ts'
export * from './step.ts'
export * from './device.ts'
export * from './existing.ts'

/** The limits of a link stream's {@link FrameStream}. */
export const LINK_FRAME_LIMITS: FrameLimits = {
  protocol: 'link',
  maxDataLength: MAX_LINK_FRAME_BYTES,
  maxLengthLength: MAX_LINK_PREFIX_BYTES,
  maxBufferSize: MAX_LINK_BUFFER_BYTES
}
