/**
 * A frame that is one UTF-8 JSON object (the group and call protocols): its
 * size checked before anything is parsed, then its keys. Each protocol
 * passes how it words its own InvalidMessageError.
 */
import { isRecord } from './is-record.ts'

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The object a frame of at most `maxBytes` holds; throws `invalid(reason)` for a longer frame, no JSON, or no object. */
export function parseJsonObject (bytes: Uint8Array, maxBytes: number, invalid: (reason: string) => Error): Record<string, unknown> {
  if (bytes.byteLength > maxBytes) throw invalid(`${bytes.byteLength} bytes is over the limit of ${maxBytes}`)
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw invalid('not UTF-8 JSON')
  }
  if (!isRecord(value)) throw invalid('not an object')
  return value
}

/** Throws `invalid(…)` unless `frame` has no key but `keys` (its "type" named in the reason). */
export function onlyKeys (frame: Record<string, unknown>, keys: readonly string[], invalid: (reason: string) => Error): void {
  if (Object.keys(frame).some((k) => !keys.includes(k))) throw invalid(`a "${String(frame['type']).slice(0, 20)}" frame has only ${keys.join(', ')}`)
}
