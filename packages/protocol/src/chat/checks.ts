/** Small checks the chat codecs share (codec.ts, offer.ts, actions.ts). */
import { InvalidMessageError } from '@libp2p/interface'

/** A ULID: 26 characters of uppercase Crockford base32. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const encoder = new TextEncoder()

export function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid chat frame: ${reason}`)
}

/** UTF-8 length of `text`, in bytes. */
export function utf8ByteLength (text: string): number {
  return encoder.encode(text).byteLength
}

/** A JSON value, shortened for an error message. */
export function describe (value: unknown): string {
  if (value === undefined) {
    return 'nothing'
  }
  const json: string = JSON.stringify(value) ?? String(value)
  return json.length > 40 ? `${json.slice(0, 40)}…` : json
}

/** Throws unless `obj` has only the `allowed` keys. */
export function onlyFields (obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const extra = Object.keys(obj).filter(key => !allowed.includes(key))
  if (extra.length > 0) {
    throw invalid(`unknown field(s) in ${where}: ${extra.map(k => JSON.stringify(k)).join(', ')}`)
  }
}

/** `obj[key]` as a ULID, or a thrown InvalidMessageError naming `key`. */
export function ulidField (obj: Record<string, unknown>, key: string): string {
  const value = obj[key]
  if (typeof value !== 'string' || !ULID_PATTERN.test(value)) {
    throw invalid(`"${key}" must be a ULID (26 uppercase Crockford base32 characters), got ${describe(value)}`)
  }
  return value
}

/** `obj.sentAt` as ms since the epoch, 0 < sentAt < 2^53. */
export function sentAtField (obj: Record<string, unknown>): number {
  const sentAt = obj.sentAt
  if (typeof sentAt !== 'number' || !Number.isSafeInteger(sentAt) || sentAt <= 0) {
    throw invalid(`"sentAt" must be an integer of ms since the epoch, 0 < sentAt < 2^53, got ${describe(sentAt)}`)
  }
  return sentAt
}

/** `obj[key]` as a string of min..max UTF-8 bytes without unpaired surrogates. */
export function textField (obj: Record<string, unknown>, key: string, min: number, max: number): string {
  const text = obj[key]
  if (typeof text !== 'string') {
    throw invalid(`"${key}" must be a string, got ${describe(text)}`)
  }
  if (LONE_SURROGATE.test(text)) {
    throw invalid(`"${key}" contains unpaired UTF-16 surrogates`)
  }
  const bytes = utf8ByteLength(text)
  if (bytes < min || bytes > max) {
    throw invalid(`"${key}" must be ${min}..${max} UTF-8 bytes, got ${bytes}`)
  }
  return text
}
