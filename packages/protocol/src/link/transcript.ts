/**
 * The link protocol's cryptography (docs/protocols.md, "Linking a device",
 * "Proofs, code and state key"): everything comes from the QR code's secret
 * and a transcript of who is linking with whom, so none of it means anything
 * in another run, another role or between other devices.
 *
 * A transcript is a list of fields, each one length byte then its bytes:
 * the protocol id, a label naming what is derived, the account's, A's and the
 * new device's PeerIDs (their UTF-8 text), A's nonce and, except in A's
 * proof, the new device's nonce.
 *
 * - proofs: HMAC-SHA-256(key = secret, transcript) with the labels
 *   `hello A` (nonce A only) and `hello N`;
 * - the confirmation code: HKDF-SHA-256(ikm = secret, no salt, info =
 *   transcript labelled `code`, 8 bytes), an unsigned big-endian integer,
 *   mod 10^6, as 6 decimal digits;
 * - the state key: HKDF-SHA-256(ikm = secret, no salt, info = transcript
 *   labelled `state key`, 32 bytes), the key of the keyed file that carries
 *   the account's state. It never travels: both sides derive it.
 */
import { equalBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { LINK_CODE_DIGITS, LINK_CODE_SOURCE_BYTES, LINK_NONCE_BYTES, LINK_PROTOCOL, LINK_SECRET_BYTES, LINK_STATE_KEY_BYTES } from './constants.ts'

/** Who is linking with whom: the PeerIDs every transcript names. */
export interface LinkParties {
  /** the account's PeerID, as A's `hello` names it */
  account: string
  /** A's PeerID on the connection (Noise proved it) */
  existing: string
  /** the new device's PeerID (the QR code's `id`; Noise proved it) */
  device: string
}

/** What a transcript derives; its label, in the transcript's second field. */
export type TranscriptLabel = 'hello A' | 'hello N' | 'code' | 'state key'

const encoder = new TextEncoder()

/** The transcript bytes for `label` (exported for the vectors and a second implementation's checks). */
export function linkTranscript (label: TranscriptLabel, parties: LinkParties, nonceA: Uint8Array, nonceN?: Uint8Array): Uint8Array {
  checkNonce(nonceA)
  if (nonceN !== undefined) checkNonce(nonceN)
  if ((label === 'hello A') !== (nonceN === undefined)) throw new RangeError(`the "${label}" transcript ${label === 'hello A' ? 'has no' : 'needs the'} new device's nonce`)
  const fields = [encoder.encode(LINK_PROTOCOL), encoder.encode(label), encoder.encode(parties.account), encoder.encode(parties.existing), encoder.encode(parties.device), nonceA]
  if (nonceN !== undefined) fields.push(nonceN)
  const out = new Uint8Array(fields.reduce((n, f) => n + 1 + f.byteLength, 0))
  let at = 0
  for (const field of fields) {
    if (field.byteLength > 255) throw new RangeError('a transcript field is at most 255 bytes')
    out[at++] = field.byteLength
    out.set(field, at)
    at += field.byteLength
  }
  return out
}

/** A's proof that it saw the QR code: HMAC-SHA-256(secret, transcript `hello A`). */
export function proofOfExisting (secret: Uint8Array, parties: LinkParties, nonceA: Uint8Array): Uint8Array {
  checkSecret(secret)
  return hmac(sha256, secret, linkTranscript('hello A', parties, nonceA))
}

/** The new device's proof that it made the QR code, for this run: HMAC-SHA-256(secret, transcript `hello N`). */
export function proofOfDevice (secret: Uint8Array, parties: LinkParties, nonceA: Uint8Array, nonceN: Uint8Array): Uint8Array {
  checkSecret(secret)
  return hmac(sha256, secret, linkTranscript('hello N', parties, nonceA, nonceN))
}

/** Whether `proof` is `expected`, in constant time. */
export function proofMatches (proof: Uint8Array, expected: Uint8Array): boolean {
  return proof.byteLength === expected.byteLength && equalBytes(proof, expected)
}

/** The 6-digit confirmation code both screens show. */
export function confirmationCode (secret: Uint8Array, parties: LinkParties, nonceA: Uint8Array, nonceN: Uint8Array): string {
  checkSecret(secret)
  const source = hkdf(sha256, secret, undefined, linkTranscript('code', parties, nonceA, nonceN), LINK_CODE_SOURCE_BYTES)
  let value = 0n
  for (const byte of source) value = (value << 8n) | BigInt(byte)
  return (value % 10n ** BigInt(LINK_CODE_DIGITS)).toString().padStart(LINK_CODE_DIGITS, '0')
}

/** The key of the keyed file (`/parley/file/1.1.0`) that carries the account's state to the new device. */
export function stateKey (secret: Uint8Array, parties: LinkParties, nonceA: Uint8Array, nonceN: Uint8Array): Uint8Array {
  checkSecret(secret)
  return hkdf(sha256, secret, undefined, linkTranscript('state key', parties, nonceA, nonceN), LINK_STATE_KEY_BYTES)
}

function checkSecret (secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.byteLength !== LINK_SECRET_BYTES) throw new RangeError(`a link secret is ${LINK_SECRET_BYTES} bytes`)
}

function checkNonce (nonce: Uint8Array): void {
  if (!(nonce instanceof Uint8Array) || nonce.byteLength !== LINK_NONCE_BYTES) throw new RangeError(`a link nonce is ${LINK_NONCE_BYTES} bytes`)
}
