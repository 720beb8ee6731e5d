/**
 * The identity backup's file envelope (docs/protocols.md, "Identity backup
 * file"): format and version, the key derivation's and AES-GCM's parameters,
 * the size limits, and sealing and opening a plaintext with the header as
 * AES-GCM additional data. It knows nothing of what the plaintext holds; that
 * is backup-rows.ts, and backup.ts puts the two together over the database.
 * The key derivation (Argon2id for new files, PBKDF2 for version 1 files) and
 * its bounds are in backup-kdf.ts.
 *
 * Kept apart so the crypto and the format can be read (and audited) on their
 * own. Also home to the small JSON and base64 helpers both halves use.
 * Reading is in two steps: {@link decodeEnvelope} checks every field and every
 * cost without any crypto (what the fuzzer drives), then {@link openEnvelope}
 * derives the key and decrypts.
 */
import { fromBase64, toBase64 } from '@parley/protocol/base64'
import { isRecord } from '@parley/protocol/is-record'
import { MAX_BACKUP_BYTES, MAX_PASSPHRASE_CHARS, MIN_PASSPHRASE_CHARS } from '../contract/backup-limits.ts'
import { BackupTooLargeError, CorruptBackupError, InvalidPassphraseError, WrongPassphraseError } from './backup-errors.ts'
import {
  ARGON2_VERSION, ARGON2ID_COST, ARGON2ID_NAME, deriveKey, KDF_KEYS, orderedKdf, readArgon2idKdf, readPbkdf2Kdf,
  SALT_BYTES, withinArgon2idBounds, type Argon2idCost, type Argon2idRunner, type Kdf
} from './backup-kdf.ts'

/** `format` of every backup file: tells a backup from any other JSON. */
export const BACKUP_FORMAT = 'parley-backup'
/**
 * Version of the envelope Parley writes: 2, Argon2id. Version 1 (PBKDF2) is
 * still read. An older Parley given a version 2 file says it is from a newer
 * version, not that it is damaged.
 */
export const BACKUP_FILE_VERSION = 2
/** The file versions this code reads. */
export const READ_FILE_VERSIONS = [1, 2] as const
/** Version of the plaintext contents (the same in both file versions). */
export const BACKUP_VERSION = 1
/** 96-bit IV, the size AES-GCM is specified for. */
export const IV_BYTES = 12
/** The limits the tab checks too (contract/backup-limits.ts). */
export { MAX_BACKUP_BYTES, MAX_PASSPHRASE_CHARS, MIN_PASSPHRASE_CHARS }
export { BackupTooLargeError, CorruptBackupError, InvalidPassphraseError, WrongPassphraseError }
export { ARGON2ID_COST, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PARALLELISM, MAX_ARGON2_WORK_KIB, MAX_PBKDF2_ITERATIONS, PBKDF2_ITERATIONS, SALT_BYTES } from './backup-kdf.ts'
export type { Argon2idCost }

const CIPHER_NAME = 'AES-GCM'
const GCM_TAG_BYTES = 16
/** Room for the envelope around the ciphertext; the real header is about 250 bytes. */
const ENVELOPE_OVERHEAD_BYTES = 1024
/** Largest plaintext whose base64 ciphertext, with its tag and the header, fits in {@link MAX_BACKUP_BYTES}. */
export const MAX_PLAINTEXT_BYTES = Math.floor((MAX_BACKUP_BYTES - ENVELOPE_OVERHEAD_BYTES) / 4) * 3 - GCM_TAG_BYTES

type FileVersion = typeof READ_FILE_VERSIONS[number]

/**
 * The file's JSON object, in this key order, followed by `data`:
 * - `format`: always {@link BACKUP_FORMAT}.
 * - `v`: 2 (Parley writes it), or 1 (read only); a reader refuses others.
 * - `kdf`: version 2, Argon2id `{name, version, memoryKiB, iterations,
 *   parallelism, salt}`; version 1, PBKDF2 `{name, hash, iterations, salt}`
 *   (backup-kdf.ts). `salt` is base64 of {@link SALT_BYTES} random bytes.
 * - `cipher`: AES-GCM with a 128-bit tag; `iv` is base64 of {@link IV_BYTES} random bytes.
 * - `data` (not in the header): base64 of ciphertext followed by the tag.
 *
 * The header's compact JSON in exactly this order (see {@link headerBytes}) is
 * the AES-GCM additional data, so changing any of it fails decryption.
 */
export interface EnvelopeHeader {
  format: typeof BACKUP_FORMAT
  v: FileVersion
  kdf: Kdf
  cipher: { name: typeof CIPHER_NAME, iv: string }
}

/** A file whose every field and cost has been checked; nothing derived or decrypted yet. */
export interface Envelope {
  header: EnvelopeHeader
  salt: Uint8Array<ArrayBuffer>
  iv: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
}

export type Json = Record<string, unknown>

const encoder = new TextEncoder()
// fatal: refuse invalid UTF-8; ignoreBOM: keep a BOM so JSON.parse refuses it
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export interface SealOptions {
  /** Argon2id's cost; only tests pass less than {@link ARGON2ID_COST}, to stay fast. */
  cost?: Argon2idCost
  /** @internal the Argon2id implementation (tests) */
  argon2id?: Argon2idRunner
}

/**
 * Encrypts a plaintext under a fresh salt and IV and wraps it in a version 2
 * envelope (Argon2id). The passphrase has passed {@link newPassphrase} and the
 * cost {@link checkCost}; the caller does both before the (slow) plaintext is
 * built.
 *
 * @throws BackupTooLargeError when the file would pass {@link MAX_BACKUP_BYTES}
 */
export async function sealEnvelope (plaintext: Uint8Array<ArrayBuffer>, passphrase: string, options: SealOptions = {}): Promise<Uint8Array> {
  const { memoryKiB, iterations, parallelism } = options.cost ?? ARGON2ID_COST
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const header: EnvelopeHeader = {
    format: BACKUP_FORMAT,
    v: BACKUP_FILE_VERSION,
    kdf: { name: ARGON2ID_NAME, version: ARGON2_VERSION, memoryKiB, iterations, parallelism, salt: toBase64(salt) },
    cipher: { name: CIPHER_NAME, iv: toBase64(iv) }
  }
  const key = await deriveKey(passphrase, header.kdf, salt, 'encrypt', options.argon2id)
  const ciphertext = await crypto.subtle.encrypt({ name: CIPHER_NAME, iv, additionalData: headerBytes(header) }, key, plaintext)
  const file = encoder.encode(JSON.stringify({ ...headerObject(header), data: toBase64(new Uint8Array(ciphertext)) }))
  if (file.byteLength > MAX_BACKUP_BYTES) throw tooLarge('backupWouldBe', file.byteLength)
  return file
}

/**
 * A cost a new backup may be written with: what a reader takes (the bounds
 * of backup-kdf.ts) and what Argon2id allows (at least 8 KiB per lane).
 *
 * @throws RangeError for a cost no reader would take: a caller's mistake, not the user's
 */
export function checkCost (cost: Argon2idCost): void {
  const { memoryKiB, iterations, parallelism } = cost
  const whole = [memoryKiB, iterations, parallelism].every(n => Number.isSafeInteger(n) && n >= 1)
  if (!whole || memoryKiB < 8 * parallelism || !withinArgon2idBounds(cost)) {
    throw new RangeError(`not an Argon2id cost a reader takes: ${JSON.stringify(cost)}`)
  }
}

/**
 * Checks the envelope, derives the key, decrypts and parses the plaintext as
 * JSON; what that JSON holds is for the caller to check.
 *
 * @throws WrongPassphraseError, CorruptBackupError, BackupTooLargeError
 */
export async function openEnvelope (bytes: Uint8Array, passphrase: string, argon2id?: Argon2idRunner): Promise<unknown> {
  const { header, salt, iv, data } = decodeEnvelope(bytes)
  const key = await deriveKey(passphrase, header.kdf, salt, 'decrypt', argon2id)
  let plaintext: ArrayBuffer
  try {
    plaintext = await crypto.subtle.decrypt({ name: CIPHER_NAME, iv, additionalData: headerBytes(header) }, key, data)
  } catch (err) {
    // AES-GCM reports a wrong key and a changed byte alike, as an OperationError.
    if (err instanceof Error && err.name === 'OperationError') throw new WrongPassphraseError('backupWrongPassphrase')
    throw err
  }
  try {
    return JSON.parse(decoder.decode(plaintext))
  } catch {
    throw new CorruptBackupError('backupFaultyJson')
  }
}

/**
 * The envelope of a file, every field checked, the key derivation's costs
 * within their bounds: no key is derived, nothing decrypted.
 *
 * @throws CorruptBackupError, BackupTooLargeError (too large a file, or a key derivation that asks too much)
 */
export function decodeEnvelope (bytes: Uint8Array): Envelope {
  if (bytes.byteLength > MAX_BACKUP_BYTES) throw tooLarge('backupFileIs', bytes.byteLength)
  if (bytes.byteLength === 0) throw new CorruptBackupError('backupFileEmpty')
  let text: string
  let value: unknown
  try {
    text = decoder.decode(bytes)
  } catch {
    throw new CorruptBackupError('backupNotText')
  }
  try {
    value = JSON.parse(text)
  } catch {
    // Every backup starts like this and ends with the data: a file that starts right is cut off.
    if (text.startsWith(`{"format":"${BACKUP_FORMAT}"`)) {
      throw new CorruptBackupError('backupCutOff')
    }
    throw new CorruptBackupError('backupNotJson')
  }
  if (!isRecord(value) || value.format !== BACKUP_FORMAT) throw new CorruptBackupError('backupNotParley')
  checkVersion(value.v, 'file')
  const v = value.v as FileVersion
  // the problem itself names the file's JSON fields: technical detail, left in English
  const damaged = (problem: string): never => { throw new CorruptBackupError('backupFileDamaged', { problem }) }
  exactKeys(value, ['format', 'v', 'kdf', 'cipher', 'data'], 'the file', damaged)
  const { kdf: kdfValue, cipher, data } = value
  if (!isRecord(kdfValue)) return damaged('"kdf" is not an object')
  if (!isRecord(cipher)) return damaged('"cipher" is not an object')
  exactKeys(kdfValue, KDF_KEYS[v], '"kdf"', damaged)
  exactKeys(cipher, ['name', 'iv'], '"cipher"', damaged)
  const kdf = v === 1 ? readPbkdf2Kdf(kdfValue, damaged) : readArgon2idKdf(kdfValue, damaged)
  const salt = fromBase64(kdf.salt)
  if (salt?.byteLength !== SALT_BYTES) return damaged(`"salt" is not ${SALT_BYTES} bytes of base64`)
  if (cipher.name !== CIPHER_NAME) damaged(`the cipher is not ${CIPHER_NAME}`)
  const iv = typeof cipher.iv === 'string' ? fromBase64(cipher.iv) : undefined
  if (iv?.byteLength !== IV_BYTES) return damaged(`"iv" is not ${IV_BYTES} bytes of base64`)
  const ciphertext = typeof data === 'string' ? fromBase64(data) : undefined
  if (ciphertext === undefined || ciphertext.byteLength < GCM_TAG_BYTES) return damaged('"data" is not base64 of an encrypted backup')
  const header: EnvelopeHeader = { format: BACKUP_FORMAT, v, kdf, cipher: { name: CIPHER_NAME, iv: cipher.iv as string } }
  return { header, salt, iv, data: ciphertext }
}

/** The header as the file has it: keys in the documented order. */
function headerObject ({ format, v, kdf, cipher }: EnvelopeHeader): Json {
  return { format, v, kdf: orderedKdf(kdf), cipher: { name: cipher.name, iv: cipher.iv } }
}

/** The AES-GCM additional data: the header's compact JSON in a fixed order, rebuilt from its values. */
function headerBytes (header: EnvelopeHeader): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify(headerObject(header)))
}

/** A passphrase for a new backup: {@link MIN_PASSPHRASE_CHARS} to {@link MAX_PASSPHRASE_CHARS} characters after NFC. */
export function newPassphrase (passphrase: string): string {
  const chars = [...passphrase.normalize('NFC')].length
  if (chars === 0) throw new InvalidPassphraseError('backupChoosePassphrase')
  if (chars < MIN_PASSPHRASE_CHARS) throw new InvalidPassphraseError('backupPassphraseShort', { min: MIN_PASSPHRASE_CHARS })
  if (chars > MAX_PASSPHRASE_CHARS) throw new InvalidPassphraseError('backupPassphraseLong', { max: MAX_PASSPHRASE_CHARS })
  return passphrase
}

/**
 * The envelope's `v` is one of {@link READ_FILE_VERSIONS}, the contents' `v`
 * is {@link BACKUP_VERSION}; `what` says which one is checked.
 */
export function checkVersion (v: unknown, what: 'file' | 'contents'): void {
  const supported = what === 'file' ? BACKUP_FILE_VERSION : BACKUP_VERSION
  if (what === 'file' ? (READ_FILE_VERSIONS as readonly unknown[]).includes(v) : v === BACKUP_VERSION) return
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > supported) {
    throw new CorruptBackupError(what === 'file' ? 'backupNewerFile' : 'backupNewerContents', { version: v, supported })
  }
  const version = JSON.stringify(v)
  if (version === undefined) throw new CorruptBackupError(what === 'file' ? 'backupNoFileVersion' : 'backupNoContentsVersion', { supported })
  throw new CorruptBackupError(what === 'file' ? 'backupBadFileVersion' : 'backupBadContentsVersion', { version, supported })
}

// ---------------------------------------------------------------- helpers

/** Refuses a missing required key and any key not listed (JSON.parse makes `__proto__` an own key: refused too). */
export function exactKeys (value: Json, required: readonly string[], what: string, fail: (problem: string) => never, optional: readonly string[] = []): void {
  for (const key of required) if (!Object.hasOwn(value, key)) fail(`${what} has no "${key}"`)
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) fail(`${what} has an unknown field "${key.slice(0, 40)}"`)
  }
}

/** The refusal `code` (which says a backup is at most `max`), with `size` when the size is known. */
export function tooLarge (code: 'backupWouldBe' | 'backupFileIs', bytes: number): InstanceType<typeof BackupTooLargeError>
export function tooLarge (code: 'backupWouldBeTooLarge'): InstanceType<typeof BackupTooLargeError>
export function tooLarge (code: 'backupWouldBeTooLarge' | 'backupWouldBe' | 'backupFileIs', bytes?: number): InstanceType<typeof BackupTooLargeError> {
  const max = MAX_BACKUP_BYTES
  if (code === 'backupWouldBeTooLarge') return new BackupTooLargeError(code, { max })
  return new BackupTooLargeError(code, { size: wholeMiB(bytes ?? 0), max })
}

/** `bytes` rounded up to whole MiB, so one byte over the limit never reads as the limit itself. */
function wholeMiB (bytes: number): number {
  const MiB = 1024 * 1024
  return Math.ceil(bytes / MiB) * MiB
}

// the one base64 of the wire code and of backups
export { fromBase64, toBase64 }
