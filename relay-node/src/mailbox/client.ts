/**
 * The dialer's side of `/parley/mailbox/1.0.0`: one request on a new stream,
 * its reply, the stream closed. Shared by the app and the tests.
 */
import { lpStream } from '@libp2p/utils'
import { MAILBOX_PROTOCOL, MAX_REPLY_BYTES, decodeReply, encodeRequest } from './codec.ts'
import type { MailboxReply, MailboxRequest } from './codec.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'

/** Replies needing more prefix bytes than this are refused before they are read. */
const MAX_PREFIX_BYTES = 4

/**
 * Sends `request` to the relay at the other end of `connection` and returns
 * its reply, narrowed to the request's operation.
 *
 * @throws MailboxRefusedError when the relay says no (the code says why),
 * MailboxFrameError for a malformed reply, or the stream's own errors
 */
export async function mailboxRequest<R extends MailboxRequest> (connection: Connection, request: R, options: AbortOptions = {}): Promise<Extract<MailboxReply, { op: R['op'] }>> {
  const stream = await connection.newStream(MAILBOX_PROTOCOL, options)
  try {
    const frames = lpStream(stream, { maxDataLength: MAX_REPLY_BYTES, maxLengthLength: MAX_PREFIX_BYTES })
    await frames.write(encodeRequest(request), options)
    const reply = decodeReply(request.op, (await frames.read(options)).subarray())
    await stream.close(options)
    return reply as Extract<MailboxReply, { op: R['op'] }>
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
