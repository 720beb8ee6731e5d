/**
 * A ULID as the 16 bytes the wire carries it in (a mailbox item's id, a
 * session box's item id): its 26 Crockford base32 characters, 5 bits each
 * (the first at most 7), read as one 128-bit number, big-endian. So a second
 * deposit of the same message is recognised.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** The 16 bytes of `ulid`; throws for text that is not a ULID. */
export function ulidBytes (ulid: string): Uint8Array {
  if (ulid.length !== 26 || ulid[0] === undefined || ulid[0] > '7') throw new Error(`not a ULID: ${ulid}`)
  let value = 0n
  for (const char of ulid) {
    const digit = ALPHABET.indexOf(char)
    if (digit < 0) throw new Error(`not a ULID: ${ulid}`)
    value = value * 32n + BigInt(digit)
  }
  const out = new Uint8Array(16)
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(value & 0xffn)
    value >>= 8n
  }
  return out
}

/** The ULID whose 16 bytes `id` is ({@link ulidBytes}, undone). */
export function ulidOf (id: Uint8Array): string {
  let value = 0n
  for (const byte of id) value = (value << 8n) | BigInt(byte)
  let out = ''
  for (let i = 0; i < 26; i++) {
    out = (ALPHABET[Number(value & 31n)] ?? '0') + out
    value >>= 5n
  }
  return out
}

/** Largest time a ULID carries: 48 bits of ms. */
const MAX_ULID_TIME = 2 ** 48 - 1

/**
 * The time (ms since the Unix epoch) in a ULID's first 10 characters, as the
 * sender's clock made it; undefined for text that is not a ULID.
 */
export function ulidTime (ulid: string): number | undefined {
  if (ulid.length !== 26) return undefined
  let time = 0
  for (let i = 0; i < 26; i++) {
    const digit = ALPHABET.indexOf(ulid[i] ?? '')
    if (digit < 0) return undefined
    if (i < 10) time = time * 32 + digit
  }
  return time > MAX_ULID_TIME ? undefined : time
}
