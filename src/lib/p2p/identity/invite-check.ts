import { sha256 } from '@noble/hashes/sha2.js'

/**
 * The short link's check (docs/protocols.md, "Short link", "The check"): a
 * PeerID with one base58 character changed is still a valid PeerID, of no
 * one, so a short link ends with six characters computed from everything
 * before them, and a link whose check does not match was changed on its way.
 *
 * `<PeerID>[/<name>]` (exactly as the link has them after `#/c/`) →
 * SHA-256 of its ASCII → the first 4 bytes as a big-endian unsigned integer →
 * written in base 58 with Bitcoin's alphabet, most significant digit first,
 * left-padded with '1' (the alphabet's zero) to SHORT_LINK_CHECK_CHARS.
 * The link is then `#/c/<PeerID>[/<name>].<check>`.
 */

/** Between the checked text and its check: in neither base58 nor base64url, so never part of a PeerID or a name. */
export const SHORT_LINK_CHECK_SEPARATOR = '.'
/** 58^6 > 2^32: six digits hold any 32-bit value. */
export const SHORT_LINK_CHECK_CHARS = 6
const CHECK_BYTES = 4

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const CHECK_PATTERN = new RegExp(`^[${BASE58_ALPHABET}]{${SHORT_LINK_CHECK_CHARS}}$`)

/** The check of `checked`, the `<PeerID>[/<name>]` part of a short link. */
export function shortLinkCheck (checked: string): string {
  const digest = sha256(new TextEncoder().encode(checked))
  let value = new DataView(digest.buffer, digest.byteOffset, CHECK_BYTES).getUint32(0, false)
  let digits = ''
  for (let i = 0; i < SHORT_LINK_CHECK_CHARS; i++) {
    digits = BASE58_ALPHABET.charAt(value % 58) + digits
    value = Math.floor(value / 58)
  }
  return digits
}

/**
 * Splits what follows `#/c/` into the checked text and its check (undefined
 * for a link made before the check existed, which has no separator).
 */
export function splitShortLinkCheck (path: string): { checked: string, check?: string } {
  const at = path.lastIndexOf(SHORT_LINK_CHECK_SEPARATOR)
  if (at < 0) return { checked: path }
  return { checked: path.slice(0, at), check: path.slice(at + 1) }
}

/** Whether `check` is the check of `checked` (a check of the wrong form never is). */
export function shortLinkCheckMatches (checked: string, check: string): boolean {
  return CHECK_PATTERN.test(check) && shortLinkCheck(checked) === check
}
