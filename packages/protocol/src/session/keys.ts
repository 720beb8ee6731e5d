/**
 * Making prekeys: a fresh key pair of a kind and its record signed by the
 * owner's identity key (records.ts). The secret half is what the owner keeps:
 * the X25519 secret (32 bytes) for the EC kinds, the ML-KEM-768 key pair's
 * 64-byte seed for the PQ kinds (`keygen(seed)` makes the pair again).
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { KEM_SEED_BYTES, KEY_BYTES, MAX_COUNTER } from './constants.ts'
import { isPqKind, signPrekey } from './records.ts'
import type { Identity } from './pqxdh.ts'
import type { Random } from './ratchet.ts'
import type { PrekeyKind, PrekeyRecord } from './records.ts'

export interface MadePrekey {
  record: PrekeyRecord
  /** X25519 secret, or ML-KEM-768 seed */
  secret: Uint8Array
}

/** A new prekey of `kind` with id `id`, signed by `owner`. */
export function makePrekey (owner: Identity, kind: PrekeyKind, id: number, createdAt: number, random: Random = randomBytes): MadePrekey {
  if (isPqKind(kind)) {
    const seed = random(KEM_SEED_BYTES)
    return { record: signPrekey(owner.secret, owner.multihash, kind, id, createdAt, mlKem768.keygen(seed).publicKey), secret: seed }
  }
  const secret = random(KEY_BYTES)
  return { record: signPrekey(owner.secret, owner.multihash, kind, id, createdAt, x25519.getPublicKey(secret)), secret }
}

/** A random prekey id (1 … 2^32 − 1) not in `taken`. */
export function freshPrekeyId (taken: ReadonlySet<number>, random: Random = randomBytes): number {
  for (;;) {
    const bytes = random(4)
    const id = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
    if (id !== 0 && id <= MAX_COUNTER && !taken.has(id)) return id
  }
}
