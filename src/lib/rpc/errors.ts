/**
 * Errors of the tab ⇄ worker RPC layer, as coded errors (lib/contract/errors.ts):
 * the tab words them. Match by `err.name`, not `instanceof`, whenever an error
 * may have crossed a port.
 *
 * Errors thrown by a worker handler do not get a wrapper class: the client
 * re-creates them from their shape (`errorFromShape`) with the remote `name`,
 * `code`, `params` and `message`, so the UI handles an error raised locally
 * and one raised in the worker the same way.
 */
import { errorClass } from '../contract/errors.ts'

export { errorFromShape, InvalidParamsError, MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_NAME_LENGTH, toErrorShape } from '../contract/errors.ts'
export type { ErrorShape, RemoteError } from '../contract/errors.ts'

/** A call got no result within its timeout (`rpcTimeout`). */
export const RpcTimeoutError = errorClass('RpcTimeoutError')

/** The port was closed: client closed, worker gone, or this tab was evicted (`rpcClosed`). */
export const RpcClosedError = errorClass('RpcClosedError')

/** The worker has no handler for the called method (`rpcUnknownMethod`). */
export const UnknownMethodError = errorClass('UnknownMethodError')

/** A message on a port did not match the wire format (`rpcInvalidMessage`); it is logged and dropped. */
export const InvalidRpcMessageError = errorClass('InvalidRpcMessageError')

/** Too many calls are in flight on one port; the call was refused, not queued (`rpcTooManyCalls`). */
export const TooManyPendingCallsError = errorClass('TooManyPendingCallsError')
