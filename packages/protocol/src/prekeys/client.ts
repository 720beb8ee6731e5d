/**
 * The dialer's side of `/parley/prekeys/1.0.0` (one-request/client.ts): one
 * request on a new stream, its reply, the stream closed. An owner publishes,
 * asks the status of and clears its own prekeys on a relay; anyone fetches an
 * owner's bundle and checks it with verifyBundle before using it. Every call
 * takes a signal, and gives up after PREKEYS_CLIENT_TIMEOUT_MS without one.
 */
import { oneRequest } from '../one-request/client.ts'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../session/constants.ts'
import { PrekeyError } from '../session/errors.ts'
import { verifyPrekey } from '../session/records.ts'
import { MAX_REPLY_BYTES, PREKEYS_PROTOCOL, decodeReply, encodeRequest } from './codec.ts'
import type { OneRequestClient } from '../one-request/client.ts'
import type { FetchedBundle, PrekeyStatus, PrekeyUpload, PrekeysReply, PrekeysRequest } from './codec.ts'
import type { AbortOptions, Connection, PeerId } from '@libp2p/interface'

export { PREKEYS_PROTOCOL, PrekeysFrameError, PrekeysRefusedError } from './codec.ts'
export type { FetchedBundle, PrekeyStatus, PrekeyUpload, PrekeysErrorName } from './codec.ts'

/** A request (stream opened, sent, answered) gives up after this long when the caller gave no signal. */
export const PREKEYS_CLIENT_TIMEOUT_MS = 10_000

const PREKEYS_CLIENT: OneRequestClient<PrekeysRequest, PrekeysReply> = {
  protocol: PREKEYS_PROTOCOL,
  maxReplyBytes: MAX_REPLY_BYTES,
  // MAX_REPLY_BYTES needs 2 bytes of prefix
  maxPrefixBytes: 2,
  encode: encodeRequest,
  decode: (bytes, request) => decodeReply(request.op, bytes),
  defaultTimeoutMs: PREKEYS_CLIENT_TIMEOUT_MS
}

/** To a browser, its own bundle: over whatever connection we have to it, a relayed one too. */
const OWNER_CLIENT: OneRequestClient<PrekeysRequest, PrekeysReply> = { ...PREKEYS_CLIENT, runOnLimitedConnection: true }

type Dialable = Pick<Connection, 'newStream'>

async function request<R extends PrekeysRequest> (connection: Dialable, req: R, options: AbortOptions, client = PREKEYS_CLIENT): Promise<Extract<PrekeysReply, { op: R['op'] }>> {
  return await oneRequest(client, connection, req, options) as Extract<PrekeysReply, { op: R['op'] }>
}

/**
 * Publishes our prekeys on the relay at the other end of `connection` (we are
 * the owner: the relay takes our PeerID from the connection). It replaces the
 * signed and last-resort records whose ids differ from the ones it holds and
 * adds the one-time records it does not hold yet; returns what it holds then.
 *
 * @throws PrekeysRefusedError (`bad-request` for a record whose signature does
 * not hold: nothing is stored; `quota`; `rate-limited`; …), PrekeysFrameError
 * for an upload that cannot be encoded or a malformed reply, or the stream's errors
 */
export async function publishPrekeys (connection: Dialable, upload: PrekeyUpload, options: AbortOptions = {}): Promise<PrekeyStatus> {
  const { signed, lastResort, oneTime } = upload
  return (await request(connection, { op: 'publish', signed, lastResort, oneTime }, options)).status
}

/** What the relay holds of our prekeys (ids 0 and counts 0 when nothing). */
export async function prekeyStatus (connection: Dialable, options: AbortOptions = {}): Promise<PrekeyStatus> {
  return (await request(connection, { op: 'status' }, options)).status
}

/**
 * Fetches `owner`'s bundle from the relay, which deletes the one-time records
 * it hands out. The signatures are NOT checked here: call verifyBundle.
 *
 * @throws PrekeysRefusedError `not-found` when the relay holds nothing for
 * `owner`, `rate-limited`, …
 */
export async function fetchBundle (connection: Dialable, owner: PeerId | Uint8Array, options: AbortOptions = {}): Promise<FetchedBundle> {
  return fetchWith(PREKEYS_CLIENT, connection, owner, options)
}

async function fetchWith (client: OneRequestClient<PrekeysRequest, PrekeysReply>, connection: Dialable, owner: PeerId | Uint8Array, options: AbortOptions): Promise<FetchedBundle> {
  const multihash = owner instanceof Uint8Array ? owner : owner.toMultihash().bytes
  return (await request(connection, { op: 'fetch', owner: multihash }, options, client)).bundle
}

/**
 * Fetches `owner`'s own bundle from `owner` itself, at the other end of
 * `connection` (relayed or direct): its signed and last-resort records, no
 * one-time ones (docs/protocols.md, "Prekeys", "From the owner itself"). The
 * signatures are NOT checked here: call verifyBundle.
 *
 * @throws PrekeysRefusedError (`rate-limited`, …), or the stream's errors (an
 * app that does not serve its bundle: UnsupportedProtocolError)
 */
export async function fetchOwnBundle (connection: Dialable, owner: PeerId | Uint8Array, options: AbortOptions = {}): Promise<FetchedBundle> {
  return fetchWith(OWNER_CLIENT, connection, owner, options)
}

/** Drops every prekey record the relay holds for us (after a restore, before publishing anew). */
export async function clearPrekeys (connection: Dialable, options: AbortOptions = {}): Promise<void> {
  await request(connection, { op: 'clear' }, options)
}

/**
 * Checks a fetched bundle: each record of the kind its place needs (signed
 * EC; PQ one-time or last-resort; EC one-time) and signed by the owner
 * (`ownerPublic`, its Ed25519 key; `ownerMultihash`, its PeerID's multihash).
 *
 * @throws PrekeyError naming the record that does not hold
 */
export function verifyBundle (bundle: FetchedBundle, ownerPublic: Uint8Array, ownerMultihash: Uint8Array): void {
  const { signed, pq, ecOneTime } = bundle
  if (signed.kind !== PREKEY_SIGNED_EC) throw new PrekeyError(`the bundle's signed prekey is of kind ${PREKEY_SIGNED_EC}, not ${signed.kind}`)
  if (pq.kind !== PREKEY_PQ_ONE_TIME && pq.kind !== PREKEY_PQ_LAST_RESORT) throw new PrekeyError(`the bundle's PQ prekey is of kind ${PREKEY_PQ_ONE_TIME} or ${PREKEY_PQ_LAST_RESORT}, not ${pq.kind}`)
  if (ecOneTime != null && ecOneTime.kind !== PREKEY_EC_ONE_TIME) throw new PrekeyError(`the bundle's one-time prekey is of kind ${PREKEY_EC_ONE_TIME}, not ${ecOneTime.kind}`)
  for (const record of ecOneTime == null ? [signed, pq] : [signed, pq, ecOneTime]) verifyPrekey(record, ownerPublic, ownerMultihash)
}
