/**
 * What the link state machines (device.ts, existing.ts) hand their caller
 * after each event: a frame to write, and whether the stream ends after it.
 * The machines have no timers and do no I/O: the caller reads and writes
 * the stream, tells them what happened, and calls `tick()` when the time
 * `deadline` names has come (an injected clock decides what "now" is).
 */
import { encodeFrameFromDevice, encodeFrameFromExisting } from './frames.ts'
import { LinkError } from './errors.ts'
import type { LinkCancelReason, LinkErrorCode } from './errors.ts'
import type { FrameFromDevice, FrameFromExisting } from './frames.ts'

export interface LinkStep {
  /** a frame body to write on the stream, if any */
  send?: Uint8Array
  /**
   * what becomes of the stream after `send`: `close` (a clean end), `reset`
   * (abort it: the peer broke the protocol); absent, it stays open
   */
  end?: 'close' | 'reset'
}

/** Where a run ended: done, or with the error that says why. */
export type LinkEnd = { phase: 'done' } | { phase: 'ended', error: LinkError }

/** A `cancel` frame for `reason` from the given side, and how the stream ends after it. */
export function cancelStep (from: 'existing' | 'device', reason: LinkCancelReason): LinkStep {
  const frame = { type: 'cancel', reason } as const
  return {
    send: from === 'existing' ? encodeFrameFromExisting(frame satisfies FrameFromExisting) : encodeFrameFromDevice(frame satisfies FrameFromDevice),
    end: reason === 'invalid' ? 'reset' : 'close'
  }
}

/** The end of a run with `code`. */
export function ended (code: LinkErrorCode, byPeer = false, detail?: string): LinkEnd {
  return { phase: 'ended', error: new LinkError(code, { byPeer, ...(detail === undefined ? {} : { detail }) }) }
}
