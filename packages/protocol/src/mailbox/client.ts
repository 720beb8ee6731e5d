/**
 * The dialer's side of `/parley/mailbox/1.0.0` (one-request/client.ts): one
 * request on a new stream, its reply, the stream closed. Shared by the app
 * and the tests.
 */
import { oneRequest } from '../one-request/client.ts'
import { MAILBOX_PROTOCOL, MAX_REPLY_BYTES, decodeReply, encodeRequest } from './codec.ts'
import type { OneRequestClient } from '../one-request/client.ts'
import type { MailboxReply, MailboxRequest } from './codec.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'

/** A request (stream opened, sent, answered) gives up after this long when the caller gave no signal. */
export const MAILBOX_CLIENT_TIMEOUT_MS = 10_000

const MAILBOX_CLIENT: OneRequestClient<MailboxRequest, MailboxReply> = {
  protocol: MAILBOX_PROTOCOL,
  maxReplyBytes: MAX_REPLY_BYTES,
  // replies needing more prefix bytes than this are refused before they are read
  maxPrefixBytes: 4,
  encode: encodeRequest,
  decode: (bytes, request) => decodeReply(request.op, bytes),
  defaultTimeoutMs: MAILBOX_CLIENT_TIMEOUT_MS
}

/**
 * Sends `request` to the relay at the other end of `connection` and returns
 * its reply, narrowed to the request's operation.
 *
 * @throws MailboxRefusedError when the relay says no (the code says why),
 * MailboxFrameError for a malformed reply, or the stream's own errors
 */
export async function mailboxRequest<R extends MailboxRequest> (connection: Pick<Connection, 'newStream'>, request: R, options: AbortOptions = {}): Promise<Extract<MailboxReply, { op: R['op'] }>> {
  return await oneRequest(MAILBOX_CLIENT, connection, request, options) as Extract<MailboxReply, { op: R['op'] }>
}
