/**
 * Reading one row of a backup's contents field by field (backup-rows.ts
 * holds the rows' rules): typed reads with bounds, exact keys, and failures
 * that name the row and the field. Also base58btc, the way PeerIDs are
 * written, for the check that a PeerID matches its key.
 */
import { isRecord } from '@parley/protocol/is-record'
import { exactKeys, fromBase64, type Json } from './backup-envelope.ts'

/** The longest PeerID a row may hold, in characters. */
export const MAX_BACKUP_PEER_ID_CHARS = 128
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** A row breaks a rule; the message names the row and the rule. Worded by the caller for import or export. */
export class RowProblem extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'RowProblem'
  }
}

/** Field name → whether it is optional. */
export type FieldMap = Readonly<Record<string, boolean>>

/** Typed reads of one JSON object with exactly the listed keys; failures name the row and field. */
export class Fields {
  readonly #value: Json
  readonly #at: string

  constructor (value: unknown, at: string, fields: FieldMap) {
    this.#at = at
    const fail = (problem: string): never => this.fail(problem)
    if (!isRecord(value)) fail('it is not an object')
    this.#value = value as Json
    const keys = Object.keys(fields)
    exactKeys(this.#value, keys.filter((key) => fields[key] === false), 'it', fail, keys.filter((key) => fields[key] === true))
  }

  fail (problem: string): never {
    throw new RowProblem(`${this.#at}: ${problem}`)
  }

  has (key: string): boolean {
    return Object.hasOwn(this.#value, key)
  }

  /** The object under `key`, read with its own field map; its failures name this row and the key. */
  nested (key: string, fields: FieldMap): Fields {
    return new Fields(this.#value[key], `${this.#at}, "${key}"`, fields)
  }

  /** The objects of the list under `key` (at most `maxItems`), each read with `fields`; failures name the entry. */
  nestedList (key: string, maxItems: number, fields: FieldMap): Fields[] {
    const v = this.#value[key]
    if (!Array.isArray(v) || v.length > maxItems) return this.fail(`"${key}" is not a list of at most ${maxItems} entries`)
    return v.map((item: unknown, i) => new Fields(item, `${this.#at}, "${key}" entry ${i + 1}`, fields))
  }

  /** The value under `key` as it is, for a reader of its own (a contact's device list). */
  value (key: string): unknown {
    return this.#value[key]
  }

  /** A ULID (26 uppercase Crockford base32 characters), as message and event ids are. */
  ulid (key: string): string {
    const v = this.#value[key]
    if (typeof v !== 'string' || !ULID.test(v)) return this.fail(`"${key}" is not a ULID`)
    return v
  }

  text (key: string, min: number, max: number): string {
    const v = this.#value[key]
    if (typeof v !== 'string') return this.fail(`"${key}" is not text`)
    if (v.length < min || v.length > max) return this.fail(`"${key}" has ${v.length} characters, not ${min} to ${max}`)
    return v
  }

  int (key: string, min: number, max: number): number {
    const v = this.#value[key]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      return this.fail(`"${key}" is not a whole number from ${min} to ${max}`)
    }
    return v
  }

  /** ms since the epoch. */
  time (key: string): number {
    return this.int(key, 0, Number.MAX_SAFE_INTEGER)
  }

  number (key: string, min: number, max: number): number {
    const v = this.#value[key]
    if (typeof v !== 'number' || !(v >= min && v <= max)) return this.fail(`"${key}" is not a number from ${min} to ${max}`)
    return v
  }

  bool (key: string): boolean {
    const v = this.#value[key]
    if (typeof v !== 'boolean') return this.fail(`"${key}" is not true or false`)
    return v
  }

  oneOf<T extends string> (key: string, values: readonly T[]): T {
    const v = this.#value[key]
    if (!values.some((allowed) => allowed === v)) return this.fail(`"${key}" is ${JSON.stringify(v)}, not one of ${values.join(', ')}`)
    return v as T
  }

  peerId (key: string): string {
    const v = this.text(key, 1, MAX_BACKUP_PEER_ID_CHARS)
    if (!BASE58.test(v)) this.fail(`"${key}" is not a PeerID`)
    return v
  }

  bytes (key: string, min: number, max: number): Uint8Array<ArrayBuffer> {
    const v = this.#value[key]
    const bytes = typeof v === 'string' ? fromBase64(v) : undefined
    if (bytes === undefined) return this.fail(`"${key}" is not base64`)
    if (bytes.byteLength < min || bytes.byteLength > max) return this.fail(`"${key}" has ${bytes.byteLength} bytes, not ${min} to ${max}`)
    return bytes
  }

  textList (key: string, maxItems: number, maxChars: number): string[] {
    const v = this.#value[key]
    if (!Array.isArray(v) || v.length > maxItems) return this.fail(`"${key}" is not a list of at most ${maxItems} entries`)
    return v.map((item: unknown, i) => {
      if (typeof item !== 'string' || item.length === 0 || item.length > maxChars) {
        return this.fail(`"${key}" entry ${i + 1} is not text of 1 to ${maxChars} characters`)
      }
      return item
    })
  }
}

/** Base58btc (the Bitcoin alphabet), as PeerIDs are written. */
export function base58btc (bytes: Uint8Array): string {
  const digits: number[] = [] // little-endian base-58 digits
  for (const byte of bytes) {
    let carry = byte
    for (let i = 0; i < digits.length; i++) {
      carry += (digits[i] ?? 0) * 256
      digits[i] = carry % 58
      carry = Math.floor(carry / 58)
    }
    for (; carry > 0; carry = Math.floor(carry / 58)) digits.push(carry % 58)
  }
  let out = ''
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out += '1'
  for (let i = digits.length - 1; i >= 0; i--) out += BASE58_ALPHABET.charAt(digits[i] ?? 0)
  return out
}
