import { peerIdFromString } from '@libp2p/peer-id'
import { errorClass } from '../../contract/errors.ts'
import { SAFETY_QR_PREFIX } from '../identity/index.ts'

/**
 * Safety numbers (docs/protocols.md, "Safety numbers"): two people compare a
 * number derived from both public keys, read aloud as digit groups or by
 * scanning each other's QR code. If a relay or anyone else swapped a key in
 * an invite, the two sides see different numbers.
 *
 * Modelled on Signal's numeric fingerprints: per side, SHA-512 iterated over
 * the version, the public key and a stable id, so that finding a key with a
 * chosen number costs {@link SAFETY_NUMBER_ITERATIONS} hashes per try.
 */

/** Hashed into every fingerprint and written into the QR payload; bump it to change the derivation. */
export const SAFETY_NUMBER_VERSION = 1
/** Signal's figure: slows a search for a key that gives a chosen number, costs one person a few ms. */
export const SAFETY_NUMBER_ITERATIONS = 5200
/** Digits per side: 6 groups of 5, each from 5 bytes of the digest. */
export const SAFETY_NUMBER_SIDE_DIGITS = 30
export const SAFETY_NUMBER_GROUP_DIGITS = 5
/** 5 bytes (2^40) mod 10^5 is close to uniform: each group of digits is about 16.6 bits. */
const BYTES_PER_GROUP = 5
/** Longer scanned text is no safety code; bounds the parsing of whatever a camera reads. */
const MAX_SAFETY_QR_CHARS = 512

export interface SafetyNumber {
  /** 60 decimal digits, the same on both sides */
  digits: string
  /** `digits` as 12 groups of 5, for display */
  groups: string[]
  /** what our QR code holds: our PeerID first, so the other side can check that it scanned us */
  qr: string
  ourPeerId: string
  theirPeerId: string
}

export type SafetyQrComparison = 'match' | 'mismatch' | 'not-a-safety-code'

/** A PeerID that no safety number can be derived from; the code says why. */
export const SafetyNumberError = errorClass('SafetyNumberError')

/** The safety number of a conversation between two Ed25519 PeerIDs; both sides get the same digits. */
export async function safetyNumber (ourPeerId: string, theirPeerId: string): Promise<SafetyNumber> {
  const ours = ed25519Key(ourPeerId)
  const theirs = ed25519Key(theirPeerId)
  // sorted by stable id, so that (A, B) and (B, A) give the same 60 digits
  const [first, second] = ours.id <= theirs.id ? [ours, theirs] : [theirs, ours]
  // each digest is a round trip to WebCrypto: run the two chains side by side
  const halves = await Promise.all([fingerprintDigits(first.id, first.key), fingerprintDigits(second.id, second.key)])
  const digits = halves.join('')
  return {
    digits,
    groups: digits.match(new RegExp(`\\d{${SAFETY_NUMBER_GROUP_DIGITS}}`, 'g')) ?? [],
    qr: `${SAFETY_QR_PREFIX}:${SAFETY_NUMBER_VERSION}:${ours.id}:${theirs.id}:${digits}`,
    ourPeerId: ours.id,
    theirPeerId: theirs.id
  }
}

/**
 * Compares a scanned QR payload with ours. The other side's code lists the
 * PeerIDs the other way round (theirs first), so only that order matches:
 * our own code, shown back to us, verifies nothing.
 */
export function compareSafetyQr (payload: string, ours: SafetyNumber): SafetyQrComparison {
  const text = payload.trim()
  if (text.length > MAX_SAFETY_QR_CHARS) return 'not-a-safety-code'
  const match = new RegExp(`^${SAFETY_QR_PREFIX}:${SAFETY_NUMBER_VERSION}:([^:]+):([^:]+):(\\d{${2 * SAFETY_NUMBER_SIDE_DIGITS}})$`).exec(text)
  if (match == null) return 'not-a-safety-code'
  const [, scannedOwner, scannedPeer, digits] = match
  return scannedOwner === ours.theirPeerId && scannedPeer === ours.ourPeerId && digits === ours.digits
    ? 'match'
    : 'mismatch'
}

interface Identity {
  /** the canonical (base58btc) PeerID: the stable id */
  id: string
  /** the raw 32-byte Ed25519 public key */
  key: Uint8Array
}

/** Ed25519 PeerIDs embed the public key; other kinds (RSA, secp256k1) are not Parley identities. */
function ed25519Key (peerIdText: string): Identity {
  let peerId
  try {
    peerId = peerIdFromString(peerIdText)
  } catch {
    throw new SafetyNumberError('safetyBadPeerId', { id: [...peerIdText].slice(0, 60).join('') })
  }
  if (peerId.type !== 'Ed25519' || peerId.publicKey == null) {
    throw peerId.type === 'RSA' ? new SafetyNumberError('safetyRsa') : new SafetyNumberError('safetyNotEd25519', { type: peerId.type })
  }
  return { id: peerId.toString(), key: peerId.publicKey.raw }
}

/**
 * One side's 30 digits: hash = SHA-512(version ‖ key ‖ id), then
 * hash = SHA-512(hash ‖ key) {@link SAFETY_NUMBER_ITERATIONS} times; each
 * 5 bytes of the result, read as a big-endian integer mod 100000, give 5 digits.
 */
async function fingerprintDigits (id: string, key: Uint8Array): Promise<string> {
  const version = new Uint8Array([SAFETY_NUMBER_VERSION >> 8, SAFETY_NUMBER_VERSION & 0xff])
  let hash = await sha512(concat(version, key, new TextEncoder().encode(id)))
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    hash = await sha512(concat(hash, key))
  }
  let digits = ''
  for (let group = 0; group < SAFETY_NUMBER_SIDE_DIGITS / SAFETY_NUMBER_GROUP_DIGITS; group++) {
    const at = group * BYTES_PER_GROUP
    // below 2^40, so exact in a double
    const chunk = hash.subarray(at, at + BYTES_PER_GROUP).reduce((n, byte) => n * 256 + byte, 0)
    digits += String(chunk % 10 ** SAFETY_NUMBER_GROUP_DIGITS).padStart(SAFETY_NUMBER_GROUP_DIGITS, '0')
  }
  return digits
}

async function sha512 (data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-512', data))
}

function concat (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
