/**
 * Errors of the tab ⇄ worker RPC layer. Each class sets `name` to its class
 * name, because structured clone drops prototypes: match by `err.name`, not
 * `instanceof`, whenever an error may have crossed the port.
 *
 * Errors thrown by a worker handler do not get a wrapper class: the client
 * re-creates them as plain `Error`s whose `name` and `message` are the remote
 * ones (see {@link errorFromShape}), so the UI matches `err.name` the same way
 * whether the error was raised locally or in the worker.
 *
 * Default messages are in the language of the realm that creates the error
 * (lib/i18n): the tab's for timeouts and closed ports.
 */

import type { RpcErrorShape } from './protocol.ts'
import { t } from '../i18n/index.ts'

/** Longest error `name` that crosses the port; longer ones are truncated. */
export const MAX_ERROR_NAME_LENGTH = 64
/** Longest error `message` that crosses the port; longer ones are truncated. */
export const MAX_ERROR_MESSAGE_LENGTH = 4096

/** A call got no result within its timeout. */
export class RpcTimeoutError extends Error {
  override name = 'RpcTimeoutError'
  constructor (message = t('errors.rpcTimeout')) {
    super(message)
  }
}

/** The port was closed (client closed, worker gone, or this tab was evicted). */
export class RpcClosedError extends Error {
  override name = 'RpcClosedError'
  constructor (message = t('errors.rpcClosed')) {
    super(message)
  }
}

/** The worker has no handler for the called method. */
export class UnknownMethodError extends Error {
  override name = 'UnknownMethodError'
  constructor (message = t('errors.rpcUnknownMethod')) {
    super(message)
  }
}

/** A message on the port did not match the wire format; it is logged and dropped. */
export class InvalidRpcMessageError extends Error {
  override name = 'InvalidRpcMessageError'
  constructor (message = t('errors.rpcInvalidMessage')) {
    super(message)
  }
}

/** Too many calls are in flight on one port; the call was refused, not queued. */
export class TooManyPendingCallsError extends Error {
  override name = 'TooManyPendingCallsError'
  constructor (message = t('errors.rpcTooManyCalls')) {
    super(message)
  }
}

/**
 * Reduces anything thrown by a handler to the `{ name, message }` that crosses
 * the port. Never includes a stack trace; both fields are length-capped.
 */
export function toErrorShape (err: unknown): RpcErrorShape {
  let name = 'Error'
  let message: string
  if (typeof err === 'object' && err !== null) {
    const { name: n, message: m } = err as { name?: unknown, message?: unknown }
    if (typeof n === 'string' && n !== '') name = n
    message = typeof m === 'string' ? m : safeString(err)
  } else {
    message = safeString(err)
  }
  return {
    name: name.slice(0, MAX_ERROR_NAME_LENGTH),
    message: message.slice(0, MAX_ERROR_MESSAGE_LENGTH)
  }
}

/**
 * Re-creates an error that came back from the worker: a plain `Error` whose
 * `name` and `message` are the remote ones.
 */
export function errorFromShape (shape: RpcErrorShape): Error {
  const err = new Error(shape.message)
  err.name = shape.name
  return err
}

function safeString (value: unknown): string {
  try {
    return String(value)
  } catch {
    // String() throws for objects with a hostile toString or Symbol.toPrimitive;
    // the shape still has to be built, so fall back to a fixed text.
    return 'Unprintable error'
  }
}
