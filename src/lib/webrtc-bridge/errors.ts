/**
 * Errors of the WebRTC bridge. Each class sets `name` to its class name (or to
 * the DOMException name a browser would use), because structured clone drops
 * prototypes: match by `err.name`, not `instanceof`.
 */

import { MAX_ERROR_MESSAGE_CHARS, MAX_SHORT_STRING_CHARS } from './constants.ts'
import type { ErrorWire } from './protocol.ts'

/** No open tab is registered as an RTC host, so a peer connection cannot be created. */
export class NoRtcHostError extends Error {
  override name = 'NoRtcHostError'
  constructor (message = 'No open tab can host a WebRTC connection right now') {
    super(message)
  }
}

/** The tab that hosted a peer connection went away (closed, navigated, or its port broke). */
export class RtcHostGoneError extends Error {
  override name = 'RtcHostGoneError'
  constructor (message = 'The tab hosting this WebRTC connection went away') {
    super(message)
  }
}

/** A bridge request got no reply in time. */
export class TimeoutError extends Error {
  override name = 'TimeoutError'
  constructor (message = 'The RTC host did not answer in time') {
    super(message)
  }
}

/** Same name as the DOMException a browser throws for a call in the wrong state. */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError'
}

/** Same name as the DOMException a browser throws when its send buffer is full. */
export class OperationError extends Error {
  override name = 'OperationError'
}

/** A limit from `constants.ts` was reached. */
export class TooManyError extends Error {
  override name = 'TooManyError'
}

/** Turns anything thrown into the `{ name, message }` that crosses the port. */
export function errorToWire (err: unknown): ErrorWire {
  const name = err instanceof Error || (typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string')
    ? String((err as { name: string }).name)
    : 'Error'
  const message = err instanceof Error || (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string')
    ? String((err as { message: string }).message)
    : String(err)
  return {
    name: (name === '' ? 'Error' : name).slice(0, 64),
    message: message.slice(0, MAX_ERROR_MESSAGE_CHARS)
  }
}

/** Re-creates an error that crossed the port: a plain `Error` with the remote `name` and `message`. */
export function errorFromWire (wire: ErrorWire): Error {
  const err = new Error(wire.message.slice(0, MAX_SHORT_STRING_CHARS))
  err.name = wire.name
  return err
}
