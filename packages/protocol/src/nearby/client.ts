/**
 * The peer's side of `/parley/nearby/1.0.0`: one request on a new stream of
 * an open connection to the relay, its reply, the stream closed. Shared by
 * the app and the tests.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { oneRequest } from '../one-request/client.ts'
import { MAX_NEARBY_REPLY_BYTES, NEARBY_PROTOCOL, NearbyFrameError, decodeNearbyReply, encodeNearbyRequest } from './codec.ts'
import type { OneRequestClient } from '../one-request/client.ts'
import type { NearbyEntry, NearbyReply, NearbyRequest } from './codec.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'

/** A request (stream opened, sent, answered) gives up after this long when the caller gave no signal. */
export const NEARBY_CLIENT_TIMEOUT_MS = 10_000

const NEARBY_CLIENT: OneRequestClient<NearbyRequest, NearbyReply> = {
  protocol: NEARBY_PROTOCOL,
  maxReplyBytes: MAX_NEARBY_REPLY_BYTES,
  // replies needing more prefix bytes than this are refused before they are read (MAX_NEARBY_REPLY_BYTES needs 3)
  maxPrefixBytes: 4,
  encode: encodeNearbyRequest,
  decode: (bytes, request) => decodeNearbyReply(request.op, bytes),
  defaultTimeoutMs: NEARBY_CLIENT_TIMEOUT_MS
}

/**
 * Sends `request` to the relay at the other end of `connection` and returns
 * its reply, narrowed to the request's operation.
 *
 * @throws NearbyRefusedError when the relay says no (the code says why),
 * NearbyFrameError for a malformed reply, or the stream's own errors
 * (UnsupportedProtocolError from a relay without the protocol)
 */
export async function nearbyRequest<R extends NearbyRequest> (connection: Pick<Connection, 'newStream'>, request: R, options: AbortOptions = {}): Promise<Extract<NearbyReply, { op: R['op'] }>> {
  return await oneRequest(NEARBY_CLIENT, connection, request, options) as Extract<NearbyReply, { op: R['op'] }>
}

/**
 * The PeerID (base58btc) of a LIST entry's multihash.
 *
 * @throws NearbyFrameError when the bytes are not an Ed25519 PeerID
 */
export function peerIdOfEntry (entry: NearbyEntry): string {
  try {
    const peer = peerIdFromMultihash(Digest.decode(entry.peer))
    if (peer.type !== 'Ed25519') throw new Error('not an Ed25519 PeerID')
    return peer.toString()
  } catch {
    throw new NearbyFrameError('a nearby list: an entry\'s PeerID is not an Ed25519 PeerID')
  }
}
