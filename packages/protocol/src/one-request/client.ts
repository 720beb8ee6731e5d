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
  return negotiatedRequest({ ...client, protocols: [client.protocol] }, connection, {
    request: async () => client.encode(request),
    reply: async (bytes) => client.decode(bytes, request)
  }, options)
}

/** The protocols a {@link negotiatedRequest} offers, and its limits. */
export interface NegotiatedClient {
  /** best first: the peer picks the first it speaks */
  protocols: readonly string[]
  maxReplyBytes: number
  maxPrefixBytes: number
  defaultTimeoutMs: number
  runOnLimitedConnection?: boolean
}

/** What one exchange writes and reads once the peer has picked its protocol. */
export interface Exchange<Reply> {
  /** the request's frame body for `protocol` (made only now: a session box is sealed for a peer known to open it) */
  request(protocol: string, signal: AbortSignal): Promise<Uint8Array>
  /** the reply to it, or a throw (the protocol's frame error) for a malformed one */
  reply(bytes: Uint8Array, protocol: string, signal: AbortSignal): Promise<Reply>
}

/** As {@link oneRequest}, offering several versions of a protocol: the request is made for the one the peer picked. */
export async function negotiatedRequest<Reply> (
  client: NegotiatedClient,
  connection: Pick<Connection, 'newStream'>,
  exchange: Exchange<Reply>,
  options: AbortOptions = {}
): Promise<Reply> {
  const signal = options.signal ?? AbortSignal.timeout(client.defaultTimeoutMs)
  const stream = await connection.newStream([...client.protocols], {
    signal,
    ...(client.runOnLimitedConnection === true ? { runOnLimitedConnection: true } : {})
  })
  try {
    const frames = lpStream(stream, { maxDataLength: client.maxReplyBytes, maxLengthLength: client.maxPrefixBytes })
    await frames.write(await exchange.request(stream.protocol, signal), { signal })
    const reply = await exchange.reply((await frames.read({ signal })).subarray(), stream.protocol, signal)
    await stream.close({ signal })
    return reply
  } catch (err) {
    stream.abort(toError(err))
    throw err
  }
}
