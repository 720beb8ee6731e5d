/**
 * Base64, the one copy of the app and the wire code: standard with padding
 * (RFC 4648 §4), strict both ways, what the chat codec uses for file
 * thumbnails in JSON, backups for bytes and group pictures in their data:
 * URLs; and base64url without padding (§5), what invite links carry.
 *
 * On the platform's btoa/atob rather than a library: the one installed
 * (multiformats' rfc4648 codec, which uint8arrays also uses in browsers)
 * encodes a byte at a time in JavaScript, 3.6× slower than btoa on a 20 MB
 * backup here, and backups reach 256 MB.
 */

/** Spread into String.fromCharCode at most this many bytes at a time (argument count limits). */
const BASE64_CHUNK_BYTES = 8192
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export function toBase64 (bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.byteLength; i += BASE64_CHUNK_BYTES) {
    binary += String.fromCharCode(...bytes.subarray(i, i + BASE64_CHUNK_BYTES))
  }
  return btoa(binary)
}

/** Standard base64 with padding; undefined for anything else (atob alone would skip whitespace). */
export function fromBase64 (text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined
  let binary: string
  try {
    binary = atob(text)
  } catch {
    return undefined // not reachable after the pattern check; kept so bad input can never throw a DOMException
  }
  return bytesOf(binary)
}

/** base64url without padding. */
export function toBase64Url (bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * base64url (padded or not) back to bytes, as leniently as atob: the caller
 * checks the alphabet first. Throws (atob's DOMException) for a length no
 * bytes encode to.
 */
export function fromBase64Url (text: string): Uint8Array<ArrayBuffer> {
  return bytesOf(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - text.length % 4) % 4)))
}

function bytesOf (binary: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
