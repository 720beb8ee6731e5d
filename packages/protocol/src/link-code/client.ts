/**
 * The peer's side of `/parley/link-rendezvous/1.0.0`: one request on a new
 * stream of an open connection to the relay, its reply, the stream closed.
 * Shared by the app and the tests.
 */
import { oneRequest } from '../one-request/client.ts'
import {
  LINK_RENDEZVOUS_PROTOCOL, MAX_LINK_RENDEZVOUS_REPLY_BYTES, decodeLinkRendezvousReply, encodeLinkRendezvousRequest
} from './codec.ts'
import type { OneRequestClient } from '../one-request/client.ts'
import type { LinkRendezvousReply, LinkRendezvousRequest } from './codec.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'

/** A request (stream opened, sent, answered) gives up after this long when the caller gave no signal. */
export const LINK_RENDEZVOUS_CLIENT_TIMEOUT_MS = 10_000

const CLIENT: OneRequestClient<LinkRendezvousRequest, LinkRendezvousReply> = {
  protocol: LINK_RENDEZVOUS_PROTOCOL,
  maxReplyBytes: MAX_LINK_RENDEZVOUS_REPLY_BYTES,
  // MAX_LINK_RENDEZVOUS_REPLY_BYTES needs 2
  maxPrefixBytes: 2,
  encode: encodeLinkRendezvousRequest,
  decode: (bytes, request) => decodeLinkRendezvousReply(request.op, bytes),
  defaultTimeoutMs: LINK_RENDEZVOUS_CLIENT_TIMEOUT_MS
}

/**
 * Sends `request` to the relay at the other end of `connection` and returns
 * its reply, narrowed to the request's operation.
 *
 * @throws LinkRendezvousRefusedError when the relay says no (the code says
 * why), LinkRendezvousFrameError for a malformed reply, or the stream's own
 * errors (UnsupportedProtocolError from a relay without the protocol)
 */
export async function linkRendezvousRequest<R extends LinkRendezvousRequest> (connection: Pick<Connection, 'newStream'>, request: R, options: AbortOptions = {}): Promise<Extract<LinkRendezvousReply, { op: R['op'] }>> {
  return await oneRequest(CLIENT, connection, request, options) as Extract<LinkRendezvousReply, { op: R['op'] }>
}
