/**
 * The dialer's side of `/parley/push/1.0.0` (one-request/client.ts): one
 * signed request (codec.ts `encodePushRequest`), or the unsigned KEY
 * (key.ts), on a new stream, its reply, the stream closed. Shared by the app and the tests.
 */
import { oneRequest } from '../one-request/client.ts'
import { decodePushReply } from './codec.ts'
import { decodePushKeyReply, encodePushKeyRequest } from './key.ts'
import { MAX_PUSH_REPLY_BYTES, PUSH_PROTOCOL } from './constants.ts'
import type { OneRequestClient } from '../one-request/client.ts'
import type { PushOp, PushReply } from './codec.ts'
import type { PushKeyReply } from './key.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'

/** A request (stream opened, sent, answered) gives up after this long when the caller gave no signal. */
export const PUSH_CLIENT_TIMEOUT_MS = 10_000

/** A signed request frame and the operation it is. */
export interface SignedPushRequest<Op extends PushOp = PushOp> {
  op: Op
  frame: Uint8Array
}

const PUSH_CLIENT: OneRequestClient<SignedPushRequest, PushReply> = {
  protocol: PUSH_PROTOCOL,
  maxReplyBytes: MAX_PUSH_REPLY_BYTES,
  maxPrefixBytes: 2,
  encode: (request) => request.frame,
  decode: (bytes, request) => decodePushReply(request.op, bytes),
  defaultTimeoutMs: PUSH_CLIENT_TIMEOUT_MS
}

/**
 * Sends a signed request to the relay at the other end of `connection` and
 * returns its reply.
 *
 * @throws PushRefusedError when the relay says no (the code says why),
 * PushFrameError for a malformed reply, or the stream's own errors
 */
export async function pushRequest<Op extends PushOp> (connection: Pick<Connection, 'newStream'>, request: SignedPushRequest<Op>, options: AbortOptions = {}): Promise<Extract<PushReply, { op: Op }>> {
  return await oneRequest(PUSH_CLIENT, connection, request, options) as Extract<PushReply, { op: Op }>
}

const PUSH_KEY_CLIENT: OneRequestClient<null, PushKeyReply> = {
  protocol: PUSH_PROTOCOL,
  maxReplyBytes: MAX_PUSH_REPLY_BYTES,
  maxPrefixBytes: 2,
  encode: () => encodePushKeyRequest(),
  decode: (bytes) => decodePushKeyReply(bytes),
  defaultTimeoutMs: PUSH_CLIENT_TIMEOUT_MS
}

/**
 * Asks the relay at the other end of `connection` for its VAPID public key
 * and limits, or whether it sends no push (KEY, unsigned: key.ts).
 *
 * @throws PushRefusedError when the relay says no (`rate-limited`, `unavailable`),
 * PushFrameError for a malformed reply, or the stream's own errors
 * (`UnsupportedProtocolError`: a relay without the protocol)
 */
export async function pushKeyRequest (connection: Pick<Connection, 'newStream'>, options: AbortOptions = {}): Promise<PushKeyReply> {
  return await oneRequest(PUSH_KEY_CLIENT, connection, null, options)
}
