/**
 * Standard base64 with padding (RFC 4648 §4), strict both ways: what the chat
 * codec uses for file thumbnails in JSON, and what backups use for bytes.
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
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
