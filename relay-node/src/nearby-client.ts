/**
 * The peer's side of `/parley/nearby/1.0.0`: one request on a new stream of
 * an open connection to the relay, its reply, the stream closed. Shared by
 * the app and the tests.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import * as Digest from 'multiformats/hashes/digest'
import { MAX_NEARBY_REPLY_BYTES, NEARBY_PROTOCOL, NearbyFrameError, decodeNearbyReply, encodeNearbyRequest } from './nearby-codec.ts'
import type { NearbyEntry, NearbyReply, NearbyRequest } from './nearby-codec.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'

/** A request (stream opened, sent, answered) gives up after this long when the caller gave no signal. */
export const NEARBY_CLIENT_TIMEOUT_MS = 10_000
/** Replies needing more prefix bytes than this are refused before they are read (MAX_NEARBY_REPLY_BYTES needs 3). */
const MAX_PREFIX_BYTES = 4

/**
 * Sends `request` to the relay at the other end of `connection` and returns
 * its reply, narrowed to the request's operation.
 *
 * @throws NearbyRefusedError when the relay says no (the code says why),
 * NearbyFrameError for a malformed reply, or the stream's own errors
 * (UnsupportedProtocolError from a relay without the protocol)
 */
export async function nearbyRequest<R extends NearbyRequest> (connection: Connection, request: R, options: AbortOptions = {}): Promise<Extract<NearbyReply, { op: R['op'] }>> {
  const signal = options.signal ?? AbortSignal.timeout(NEARBY_CLIENT_TIMEOUT_MS)
  const stream = await connection.newStream(NEARBY_PROTOCOL, { signal })
  try {
    const frames = lpStream(stream, { maxDataLength: MAX_NEARBY_REPLY_BYTES, maxLengthLength: MAX_PREFIX_BYTES })
    await frames.write(encodeNearbyRequest(request), { signal })
    const reply = decodeNearbyReply(request.op, (await frames.read({ signal })).subarray())
    await stream.close({ signal })
    return reply as Extract<NearbyReply, { op: R['op'] }>
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
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
