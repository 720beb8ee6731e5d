/**
 * The new device's offer sealed under its short code (docs/protocols.md,
 * "The short code"), for a relay to keep under a rendezvous id it cannot
 * read the offer from:
 *
 *     data   = the code's 11 data characters, ASCII upper case (short-code.ts)
 *     id     = HKDF-SHA-256(ikm = data, salt = UTF-8 of the relay's PeerID text, info = "parley link code id", 16 bytes)
 *     key    = HKDF-SHA-256(ikm = data, no salt, info = "parley link code key", 32 bytes)
 *     plain  = length (u16, big-endian) · offer (UTF-8 of the `parley-link:` text) · zero bytes up to a multiple of 512
 *     box    = nonce (24 random bytes) · XChaCha20-Poly1305(key, nonce, plain, aad = id)
 *
 * The id differs on every relay (its PeerID is the salt), so two relays
 * cannot tell they hold the same code; the padding leaves the relay only a
 * size bucket.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, randomBytes } from '@noble/hashes/utils.js'
import { MAX_LINK_QR_CHARS } from '../link/constants.ts'
import { shortCodeData } from './short-code.ts'

/** Bytes of a rendezvous id. */
export const LINK_CODE_ID_BYTES = 16
/** The plaintext is padded to a multiple of this many bytes. */
export const LINK_CODE_PAD_BYTES = 512
const KEY_BYTES = 32
const NONCE_BYTES = 24
const TAG_BYTES = 16
/** Largest plaintext: the longest offer with its length, padded. */
const MAX_PLAIN_BYTES = Math.ceil((2 + MAX_LINK_QR_CHARS) / LINK_CODE_PAD_BYTES) * LINK_CODE_PAD_BYTES
/** Smallest and largest box (one pad block; the longest offer padded). */
export const MIN_LINK_CODE_BOX_BYTES = NONCE_BYTES + LINK_CODE_PAD_BYTES + TAG_BYTES
export const MAX_LINK_CODE_BOX_BYTES = NONCE_BYTES + MAX_PLAIN_BYTES + TAG_BYTES

const ID_INFO = new TextEncoder().encode('parley link code id')
const KEY_INFO = new TextEncoder().encode('parley link code key')
const encoder = new TextEncoder()
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A box that does not open under the code (another code's, altered, or not a box). */
export class LinkCodeBoxError extends Error {
  override name = 'LinkCodeBoxError'
}

/** The rendezvous id of `code` on the relay whose PeerID (text) is `relay`. */
export function linkCodeId (code: string, relay: string): Uint8Array {
  return hkdf(sha256, encoder.encode(shortCodeData(code)), encoder.encode(relay), ID_INFO, LINK_CODE_ID_BYTES)
}

function linkCodeKey (code: string): Uint8Array {
  return hkdf(sha256, encoder.encode(shortCodeData(code)), undefined, KEY_INFO, KEY_BYTES)
}

/** Seals the offer text for the relay `relay` under `code`'s key; `random` gives the 24-byte nonce. */
export function sealLinkOffer (code: string, relay: string, offer: string, random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  const text = encoder.encode(offer)
  if (text.byteLength > MAX_LINK_QR_CHARS) throw new LinkCodeBoxError(`an offer is at most ${MAX_LINK_QR_CHARS} bytes`)
  const plain = new Uint8Array(Math.ceil((2 + text.byteLength) / LINK_CODE_PAD_BYTES) * LINK_CODE_PAD_BYTES)
  plain[0] = text.byteLength >> 8
  plain[1] = text.byteLength & 0xff
  plain.set(text, 2)
  const nonce = random(NONCE_BYTES)
  return concatBytes(nonce, xchacha20poly1305(linkCodeKey(code), nonce, linkCodeId(code, relay)).encrypt(plain))
}

/**
 * The offer text in a box from the relay `relay`.
 *
 * @throws LinkCodeBoxError when it does not open under `code` or its plaintext breaks the format
 */
export function openLinkOffer (code: string, relay: string, box: Uint8Array): string {
  if (box.byteLength < MIN_LINK_CODE_BOX_BYTES || box.byteLength > MAX_LINK_CODE_BOX_BYTES) throw new LinkCodeBoxError(`a box is ${MIN_LINK_CODE_BOX_BYTES} to ${MAX_LINK_CODE_BOX_BYTES} bytes, not ${box.byteLength}`)
  let plain: Uint8Array
  try {
    plain = xchacha20poly1305(linkCodeKey(code), box.subarray(0, NONCE_BYTES), linkCodeId(code, relay)).decrypt(box.subarray(NONCE_BYTES))
  } catch {
    throw new LinkCodeBoxError('the box does not open under this code')
  }
  if (plain.byteLength % LINK_CODE_PAD_BYTES !== 0) throw new LinkCodeBoxError(`the plaintext is not a multiple of ${LINK_CODE_PAD_BYTES} bytes`)
  const length = ((plain[0] ?? 0) << 8) | (plain[1] ?? 0)
  if (length > MAX_LINK_QR_CHARS || 2 + length > plain.byteLength) throw new LinkCodeBoxError('the offer\'s length is out of range')
  if (plain.byteLength !== Math.ceil((2 + length) / LINK_CODE_PAD_BYTES) * LINK_CODE_PAD_BYTES) throw new LinkCodeBoxError('the padding is longer than needed')
  if (plain.subarray(2 + length).some(b => b !== 0)) throw new LinkCodeBoxError('the padding is not zero bytes')
  try {
    return strict.decode(plain.subarray(2, 2 + length))
  } catch {
    throw new LinkCodeBoxError('the offer is not UTF-8')
  }
}
