/**
 * Shared by the prekeys tests (codec, fuzz, relay-node): an owner with an
 * Ed25519 identity, and real signed prekey records and uploads of it. The
 * public keys are patterned bytes of the right length: the store and the
 * codec never use them as keys.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { KEM_PUBLIC_BYTES, KEY_BYTES, PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../../src/session/constants.ts'
import { isPqKind, signPrekey } from '../../src/session/records.ts'
import type { PrekeyUpload } from '../../src/prekeys/codec.ts'
import type { PrekeyKind, PrekeyRecord } from '../../src/session/records.ts'

export const CREATED_AT = 1_790_000_000_000

export interface Owner {
  /** the Ed25519 secret key (32-byte seed) */
  secret: Uint8Array
  publicKey: Uint8Array
  /** the PeerID's multihash */
  multihash: Uint8Array
}

/** An owner from a one-byte seed (tests) or from a libp2p node's keys. */
export function owner (seed: number | { secret: Uint8Array, publicKey: Uint8Array }): Owner {
  const secret = typeof seed === 'number' ? new Uint8Array(32).fill(seed) : seed.secret
  const publicKey = typeof seed === 'number' ? ed25519.getPublicKey(secret) : seed.publicKey
  return { secret, publicKey, multihash: peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toMultihash().bytes }
}

/** A record of `kind` and `id` signed by `who`; its public key is `id`'s pattern. */
export function record (who: Owner, kind: PrekeyKind, id: number, createdAt = CREATED_AT): PrekeyRecord {
  const publicKey = Uint8Array.from({ length: isPqKind(kind) ? KEM_PUBLIC_BYTES : KEY_BYTES }, (_, i) => (id * 31 + i * kind) & 0xff)
  return signPrekey(who.secret, who.multihash, kind, id, createdAt, publicKey)
}

/**
 * An upload: signed record `signedId`, last-resort `lastResortId`, then `pq`
 * PQ and `ec` EC one-time records with ids from `firstId` up.
 */
export function upload (who: Owner, { signedId = 1, lastResortId = 1, pq = 0, ec = 0, firstId = 1 } = {}): PrekeyUpload {
  return {
    signed: record(who, PREKEY_SIGNED_EC, signedId),
    lastResort: record(who, PREKEY_PQ_LAST_RESORT, lastResortId),
    oneTime: [
      ...Array.from({ length: pq }, (_, i) => record(who, PREKEY_PQ_ONE_TIME, firstId + i)),
      ...Array.from({ length: ec }, (_, i) => record(who, PREKEY_EC_ONE_TIME, firstId + i))
    ]
  }
}
