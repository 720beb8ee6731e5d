/**
 * The dialer's side of a Parley protocol with one request and one reply per
 * stream (contact requests, the mailbox, Nearby): open a stream, write the
 * request as one length-prefixed frame, read the one reply frame, close.
 * Any failure aborts the stream and is rethrown; a reply that does not
 * decode is refused before more than `maxReplyBytes` are read.
 */
import { lpStream } from '@libp2p/utils'
import { toError } from '../abort.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'

export interface OneRequestClient<Request, Reply> {
  /** the protocol id */
  protocol: string
  /** largest reply frame, in bytes */
  maxReplyBytes: number
  /** longest length prefix of a reply, in bytes */
  maxPrefixBytes: number
  /** the request's frame body */
  encode(request: Request): Uint8Array
  /** the reply to `request`, or a throw (the protocol's frame error) for a malformed one */
  decode(bytes: Uint8Array, request: Request): Reply
  /** give up after this long when the caller passes no signal */
  defaultTimeoutMs: number
  /** also over a limited (relayed) connection: both sides must opt in */
  runOnLimitedConnection?: boolean
}

/** Sends `request` to the peer at the other end of `connection` and returns its reply. */
export async function oneRequest<Request, Reply> (
  client: OneRequestClient<Request, Reply>,
  connection: Pick<Connection, 'newStream'>,
  request: Request,
  options: AbortOptions = {}
): Promise<Reply> {
  const signal = options.signal ?? AbortSignal.timeout(client.defaultTimeoutMs)
  const stream = await connection.newStream(client.protocol, {
    signal,
    ...(client.runOnLimitedConnection === true ? { runOnLimitedConnection: true } : {})
  })
  try {
    const frames = lpStream(stream, { maxDataLength: client.maxReplyBytes, maxLengthLength: client.maxPrefixBytes })
    await frames.write(client.encode(request), { signal })
    const reply = client.decode((await frames.read({ signal })).subarray(), request)
    await stream.close({ signal })
    return reply
  } catch (err) {
    stream.abort(toError(err))
    throw err
  }
}
