/**
 * Prekey records: the public keys a user publishes for PQXDH, each signed by
 * its Ed25519 identity key (strict RFC 8032 verification, as groups use).
 *
 *     record    = kind (u8) · id (u32) · createdAt (u64, ms) · public (32 for EC kinds, 1184 for PQ kinds) · signature (64)
 *     signature = Ed25519(IK, "parley/prekey/v1" · owner PeerID multihash · kind · id · createdAt · public)
 *
 * Kinds: 1 signed EC prekey, 2 PQ last-resort, 3 PQ one-time, 4 EC one-time
 * (signed too, so a relay cannot slip in keys of its own). The signature
 * names the owner, so a record cannot be moved to another user's bundle.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  KEM_PUBLIC_BYTES, KEY_BYTES, MAX_COUNTER, PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGN_CONTEXT,
  PREKEY_SIGNED_EC, SIGNATURE_BYTES
} from './constants.ts'
import { PrekeyError, SessionFrameError } from './errors.ts'

export type PrekeyKind = typeof PREKEY_SIGNED_EC | typeof PREKEY_PQ_LAST_RESORT | typeof PREKEY_PQ_ONE_TIME | typeof PREKEY_EC_ONE_TIME

export interface PrekeyRecord {
  kind: PrekeyKind
  /** chosen by the owner, unique per kind; 0 is never used (an init's "none") */
  id: number
  /** when the owner made it, in ms since the epoch */
  createdAt: number
  publicKey: Uint8Array
  signature: Uint8Array
}

/** Bytes of a record before its public key and signature: kind, id, createdAt. */
const FIXED_BYTES = 1 + 4 + 8
/** The length of an EC record (109 B) and of a PQ record (1261 B). */
export const EC_RECORD_BYTES = FIXED_BYTES + KEY_BYTES + SIGNATURE_BYTES
export const PQ_RECORD_BYTES = FIXED_BYTES + KEM_PUBLIC_BYTES + SIGNATURE_BYTES

/** Whether a kind's public key is an ML-KEM-768 key (else X25519). */
export function isPqKind (kind: PrekeyKind): boolean {
  return kind === PREKEY_PQ_LAST_RESORT || kind === PREKEY_PQ_ONE_TIME
}

function isKind (kind: number): kind is PrekeyKind {
  return kind === PREKEY_SIGNED_EC || kind === PREKEY_PQ_LAST_RESORT || kind === PREKEY_PQ_ONE_TIME || kind === PREKEY_EC_ONE_TIME
}

function fixed (kind: PrekeyKind, id: number, createdAt: number): Uint8Array {
  if (!Number.isInteger(id) || id < 1 || id > MAX_COUNTER) throw new SessionFrameError(`a prekey id is an integer from 1 to ${MAX_COUNTER}, not ${id}`)
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) throw new SessionFrameError(`a prekey's createdAt is a time in ms, not ${createdAt}`)
  const out = new Uint8Array(FIXED_BYTES)
  const view = new DataView(out.buffer)
  view.setUint8(0, kind)
  view.setUint32(1, id)
  view.setBigUint64(5, BigInt(createdAt))
  return out
}

function publicLength (kind: PrekeyKind): number {
  return isPqKind(kind) ? KEM_PUBLIC_BYTES : KEY_BYTES
}

/** The bytes a record's signature covers. */
export function prekeySignedBytes (ownerMultihash: Uint8Array, kind: PrekeyKind, id: number, createdAt: number, publicKey: Uint8Array): Uint8Array {
  if (publicKey.byteLength !== publicLength(kind)) throw new SessionFrameError(`a kind ${kind} prekey is ${publicLength(kind)} bytes, not ${publicKey.byteLength}`)
  const head = fixed(kind, id, createdAt)
  const out = new Uint8Array(PREKEY_SIGN_CONTEXT.byteLength + ownerMultihash.byteLength + head.byteLength + publicKey.byteLength)
  out.set(PREKEY_SIGN_CONTEXT, 0)
  out.set(ownerMultihash, PREKEY_SIGN_CONTEXT.byteLength)
  out.set(head, PREKEY_SIGN_CONTEXT.byteLength + ownerMultihash.byteLength)
  out.set(publicKey, out.byteLength - publicKey.byteLength)
  return out
}

/** Makes a record: signs `publicKey` with the owner's Ed25519 secret key (32-byte seed). */
export function signPrekey (identitySecret: Uint8Array, ownerMultihash: Uint8Array, kind: PrekeyKind, id: number, createdAt: number, publicKey: Uint8Array): PrekeyRecord {
  const signature = ed25519.sign(prekeySignedBytes(ownerMultihash, kind, id, createdAt, publicKey), identitySecret)
  return { kind, id, createdAt, publicKey: publicKey.slice(), signature }
}

/**
 * Checks a record's signature by the owner's identity key.
 *
 * @throws PrekeyError when it does not hold, or the record is malformed
 */
export function verifyPrekey (record: PrekeyRecord, ownerPublic: Uint8Array, ownerMultihash: Uint8Array): void {
  let valid = false
  try {
    valid = record.signature.byteLength === SIGNATURE_BYTES &&
      ed25519.verify(record.signature, prekeySignedBytes(ownerMultihash, record.kind, record.id, record.createdAt, record.publicKey), ownerPublic, { zip215: false })
  } catch {
    valid = false
  }
  if (!valid) throw new PrekeyError(`the owner's signature on prekey ${record.kind}/${record.id} does not hold`)
}

/** The bytes of a record. */
export function encodeRecord (record: PrekeyRecord): Uint8Array {
  const head = fixed(record.kind, record.id, record.createdAt)
  if (record.publicKey.byteLength !== publicLength(record.kind)) throw new SessionFrameError(`a kind ${record.kind} prekey is ${publicLength(record.kind)} bytes, not ${record.publicKey.byteLength}`)
  if (record.signature.byteLength !== SIGNATURE_BYTES) throw new SessionFrameError(`a signature is ${SIGNATURE_BYTES} bytes, not ${record.signature.byteLength}`)
  const out = new Uint8Array(head.byteLength + record.publicKey.byteLength + SIGNATURE_BYTES)
  out.set(head, 0)
  out.set(record.publicKey, head.byteLength)
  out.set(record.signature, head.byteLength + record.publicKey.byteLength)
  return out
}

/**
 * Decodes one record at the start of `bytes`; returns it and its length, so
 * a bundle parser can read records one after another.
 *
 * @throws SessionFrameError on an unknown kind, id 0, a time over 2^53, or too few bytes
 */
export function decodeRecord (bytes: Uint8Array): { record: PrekeyRecord, length: number } {
  if (bytes.byteLength < FIXED_BYTES) throw new SessionFrameError(`a prekey record is at least ${EC_RECORD_BYTES} bytes; this one is ${bytes.byteLength}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const kind = view.getUint8(0)
  if (!isKind(kind)) throw new SessionFrameError(`unknown prekey kind ${kind}`)
  const id = view.getUint32(1)
  if (id === 0) throw new SessionFrameError('a prekey id is never 0')
  const createdAt = view.getBigUint64(5)
  if (createdAt > BigInt(Number.MAX_SAFE_INTEGER)) throw new SessionFrameError('a prekey\'s createdAt is over 2^53')
  const length = FIXED_BYTES + publicLength(kind) + SIGNATURE_BYTES
  if (bytes.byteLength < length) throw new SessionFrameError(`a kind ${kind} prekey record is ${length} bytes; only ${bytes.byteLength} are left`)
  const publicKey = bytes.slice(FIXED_BYTES, FIXED_BYTES + publicLength(kind))
  const signature = bytes.slice(length - SIGNATURE_BYTES, length)
  return { record: { kind, id, createdAt: Number(createdAt), publicKey, signature }, length }
}
