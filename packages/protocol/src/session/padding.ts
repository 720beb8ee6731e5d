/**
 * Padding of a box's plaintext (docs/protocols.md, "The box", Padding), so
 * that whoever carries or stores a box sees a size bucket, not the length of
 * what it carries to the byte. The plaintext is followed by 0x80 and as many
 * zero bytes as bring the whole box to its bucket (ISO/IEC 7816-4 padding, as
 * Signal pads); the box's flag 0x08 says so, and the flag is in the AEAD's
 * associated data, so the padding is authenticated like the rest.
 *
 * Buckets are Padmé's (Nikitin et al., "Reducing Metadata Leakage from
 * Encrypted Files and Communication with PURBs", PETS 2019): a length L is
 * rounded up so that only its top ⌊log2 ⌊log2 L⌋⌋ + 1 bits may be non-zero.
 * It costs at most 12 % (less as L grows, 3 % past 64 KiB) and leaves
 * O(log log L) bits of the length visible, where power-of-two buckets cost
 * up to 100 % for one bit less. Boxes for the mailboxes are also at least
 * MAILBOX_MIN_BOX_BYTES long: then a short item with a PQXDH init or KEM
 * fields (up to 2 415 bytes of them) and one without fall in the same bucket.
 */
import { MAX_BOX_BYTES, MAX_PLAINTEXT_BYTES } from './constants.ts'
import { SessionDecryptError } from './errors.ts'

/** The byte that ends a padded plaintext's content; zeros follow it. */
export const PAD_MARKER = 0x80
/**
 * The least a box for the mailboxes weighs: a short chat frame (about 600
 * bytes of JSON) in a box with an init and a KEM public key, or with both KEM
 * fields, fits; so does a receipts box without KEM fields, padded up.
 */
export const MAILBOX_MIN_BOX_BYTES = 3072

/**
 * How a box is padded: `live` to its Padmé bucket (live chat and group
 * traffic, where bytes are paid on every message); `mailbox` to its bucket
 * and at least MAILBOX_MIN_BOX_BYTES (items a relay stores).
 */
export type PadPolicy = 'live' | 'mailbox'

/** Padmé: `length` rounded up to a number whose low ⌊log2 length⌋ − ⌊log2 ⌊log2 length⌋⌋ − 1 bits are zero. */
export function padme (length: number): number {
  if (!Number.isInteger(length) || length < 0 || length > 0x7fff_ffff) throw new RangeError(`padme: a length from 0 to 2^31 - 1, not ${length}`)
  if (length < 2) return length
  const e = 31 - Math.clz32(length)
  const s = 31 - Math.clz32(e) + 1
  const mask = 2 ** (e - s) - 1
  return (length + mask) & ~mask
}

/** The length a box of `boxBytes` (padding marker included) is padded to under `policy`, at most MAX_BOX_BYTES. */
export function paddedBoxBytes (boxBytes: number, policy: PadPolicy): number {
  const bucket = padme(boxBytes)
  return Math.min(MAX_BOX_BYTES, policy === 'mailbox' ? Math.max(MAILBOX_MIN_BOX_BYTES, bucket) : bucket)
}

/**
 * `plaintext` padded so that a box whose other parts weigh `overheadBytes`
 * comes to its bucket; undefined when it cannot take even the marker (a
 * plaintext of MAX_PLAINTEXT_BYTES goes unpadded).
 */
export function pad (plaintext: Uint8Array, overheadBytes: number, policy: PadPolicy): Uint8Array | undefined {
  if (plaintext.byteLength + 1 > MAX_PLAINTEXT_BYTES) return undefined
  const target = paddedBoxBytes(overheadBytes + plaintext.byteLength + 1, policy) - overheadBytes
  const out = new Uint8Array(Math.min(MAX_PLAINTEXT_BYTES, Math.max(plaintext.byteLength + 1, target)))
  out.set(plaintext)
  out[plaintext.byteLength] = PAD_MARKER
  return out
}

/**
 * The content of a padded plaintext: what comes before its last 0x80 that
 * only zeros follow.
 *
 * @throws SessionDecryptError when it does not end so (the sender padded wrongly)
 */
export function unpad (padded: Uint8Array): Uint8Array {
  let end = padded.byteLength - 1
  while (end >= 0 && padded[end] === 0) end--
  if (end < 0 || padded[end] !== PAD_MARKER) throw new SessionDecryptError('a padded box whose plaintext does not end in 0x80 and zeros')
  return padded.slice(0, end)
}
