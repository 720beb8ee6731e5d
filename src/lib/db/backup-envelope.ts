/**
 * The identity backup's file envelope (docs/protocols.md, "Identity backup
 * file"): format and version, the PBKDF2 and AES-GCM parameters, the size and
 * iteration limits, and sealing and opening a plaintext with the header as
 * AES-GCM additional data. It knows nothing of what the plaintext holds; that
 * is backup-rows.ts, and backup.ts puts the two together over the database.
 *
 * Kept apart so the crypto and the format can be read (and audited) on their
 * own. Also home to the small JSON and base64 helpers both halves use, and to
 * the errors a file can fail with before or while it is decrypted.
 *
 * Pure WebCrypto (`crypto.subtle`: browsers, workers, Node 20).
 */
import { fromBase64, toBase64 } from '@parley/protocol/base64'
import { isRecord } from '@parley/protocol/is-record'
import { errorClass } from '../contract/errors.ts'
import { MAX_BACKUP_BYTES, MAX_PASSPHRASE_CHARS, MIN_PASSPHRASE_CHARS } from '../contract/backup-limits.ts'

/** `format` of every backup file: tells a backup from any other JSON. */
export const BACKUP_FORMAT = 'parley-backup'
/** Version of the envelope and of the plaintext contents it carries. */
export const BACKUP_VERSION = 1
/** PBKDF2-HMAC-SHA-256 rounds for a new file: OWASP's 2023 figure for this hash. */
export const PBKDF2_ITERATIONS = 600_000
/** Most rounds a file may ask for: bounds the work a crafted file can make us do (a few seconds). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000
export const SALT_BYTES = 16
/** 96-bit IV, the size AES-GCM is specified for. */
export const IV_BYTES = 12
/** The limits the tab checks too (contract/backup-limits.ts). */
export { MAX_BACKUP_BYTES, MAX_PASSPHRASE_CHARS, MIN_PASSPHRASE_CHARS }

const KDF_NAME = 'PBKDF2'
const KDF_HASH = 'SHA-256'
const CIPHER_NAME = 'AES-GCM'
const KEY_BITS = 256
const GCM_TAG_BYTES = 16
/** Room for the envelope around the ciphertext; the real header is about 250 bytes. */
const ENVELOPE_OVERHEAD_BYTES = 1024
/** Largest plaintext whose base64 ciphertext, with its tag and the header, fits in {@link MAX_BACKUP_BYTES}. */
export const MAX_PLAINTEXT_BYTES = Math.floor((MAX_BACKUP_BYTES - ENVELOPE_OVERHEAD_BYTES) / 4) * 3 - GCM_TAG_BYTES

/** The passphrase is wrong, or the file was changed (AES-GCM cannot tell which). */
export const WrongPassphraseError = errorClass('WrongPassphraseError')

/** Not a Parley backup, damaged, truncated or of an unsupported version; the code says which. */
export const CorruptBackupError = errorClass('CorruptBackupError')

/** Over {@link MAX_BACKUP_BYTES} or one of the row limits, on export or import. */
export const BackupTooLargeError = errorClass('BackupTooLargeError')

/** The passphrase is empty, or too short or long for a new backup. */
export const InvalidPassphraseError = errorClass('InvalidPassphraseError')

/**
 * The file's JSON object, in this key order, followed by `data`:
 * - `format`: always {@link BACKUP_FORMAT}.
 * - `v`: {@link BACKUP_VERSION}; a reader refuses other versions.
 * - `kdf`: PBKDF2 parameters as WebCrypto names them; `salt` is base64 of
 *   {@link SALT_BYTES} random bytes, `iterations` at most {@link MAX_PBKDF2_ITERATIONS}.
 *   The passphrase is NFC-normalised, then UTF-8 encoded; the key is AES-256.
 * - `cipher`: AES-GCM with a 128-bit tag; `iv` is base64 of {@link IV_BYTES} random bytes.
 * - `data` (not in the header): base64 of ciphertext followed by the tag.
 *
 * The header's compact JSON in exactly this order (see {@link headerBytes}) is
 * the AES-GCM additional data, so changing any of it fails decryption.
 */
interface EnvelopeHeader {
  format: typeof BACKUP_FORMAT
  v: typeof BACKUP_VERSION
  kdf: { name: typeof KDF_NAME, hash: typeof KDF_HASH, iterations: number, salt: string }
  cipher: { name: typeof CIPHER_NAME, iv: string }
}

interface Envelope {
  header: EnvelopeHeader
  salt: Uint8Array<ArrayBuffer>
  iv: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
}

export type Json = Record<string, unknown>

const encoder = new TextEncoder()
// fatal: refuse invalid UTF-8; ignoreBOM: keep a BOM so JSON.parse refuses it
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Encrypts a plaintext under a fresh salt and IV and wraps it in the envelope.
 * The passphrase has passed {@link newPassphrase} and the iteration count is
 * already checked; the caller does both before the (slow) plaintext is built.
 *
 * @throws BackupTooLargeError when the file would pass {@link MAX_BACKUP_BYTES}
 */
export async function sealEnvelope (plaintext: Uint8Array<ArrayBuffer>, passphrase: string, iterations: number): Promise<Uint8Array> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const header: EnvelopeHeader = {
    format: BACKUP_FORMAT,
    v: BACKUP_VERSION,
    kdf: { name: KDF_NAME, hash: KDF_HASH, iterations, salt: toBase64(salt) },
    cipher: { name: CIPHER_NAME, iv: toBase64(iv) }
  }
  const key = await deriveKey(passphrase, salt, iterations, 'encrypt')
  const ciphertext = await crypto.subtle.encrypt({ name: CIPHER_NAME, iv, additionalData: headerBytes(header) }, key, plaintext)
  const file = encoder.encode(JSON.stringify({ ...header, data: toBase64(new Uint8Array(ciphertext)) }))
  if (file.byteLength > MAX_BACKUP_BYTES) throw tooLarge('backupWouldBe', file.byteLength)
  return file
}

/**
 * Checks the envelope, decrypts it and parses the plaintext as JSON; what
 * that JSON holds is for the caller to check.
 *
 * @throws WrongPassphraseError, CorruptBackupError, BackupTooLargeError
 */
export async function openEnvelope (bytes: Uint8Array, passphrase: string): Promise<unknown> {
  const { header, salt, iv, data } = readEnvelope(bytes)
  const key = await deriveKey(passphrase, salt, header.kdf.iterations, 'decrypt')
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

function readEnvelope (bytes: Uint8Array): Envelope {
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
  // the problem itself names the file's JSON fields: technical detail, left in English
  const damaged = (problem: string): never => { throw new CorruptBackupError('backupFileDamaged', { problem }) }
  exactKeys(value, ['format', 'v', 'kdf', 'cipher', 'data'], 'the file', damaged)
  const { kdf, cipher, data } = value
  if (!isRecord(kdf)) return damaged('"kdf" is not an object')
  if (!isRecord(cipher)) return damaged('"cipher" is not an object')
  exactKeys(kdf, ['name', 'hash', 'iterations', 'salt'], '"kdf"', damaged)
  exactKeys(cipher, ['name', 'iv'], '"cipher"', damaged)
  if (kdf.name !== KDF_NAME || kdf.hash !== KDF_HASH) damaged(`the key derivation is not ${KDF_NAME} with ${KDF_HASH}`)
  const { iterations, salt } = kdf
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    return damaged(`"iterations" is not a whole number from 1 to ${MAX_PBKDF2_ITERATIONS}`)
  }
  const saltBytes = typeof salt === 'string' ? fromBase64(salt) : undefined
  if (saltBytes?.byteLength !== SALT_BYTES) return damaged(`"salt" is not ${SALT_BYTES} bytes of base64`)
  if (cipher.name !== CIPHER_NAME) damaged(`the cipher is not ${CIPHER_NAME}`)
  const iv = typeof cipher.iv === 'string' ? fromBase64(cipher.iv) : undefined
  if (iv?.byteLength !== IV_BYTES) return damaged(`"iv" is not ${IV_BYTES} bytes of base64`)
  const ciphertext = typeof data === 'string' ? fromBase64(data) : undefined
  if (ciphertext === undefined || ciphertext.byteLength < GCM_TAG_BYTES) return damaged('"data" is not base64 of an encrypted backup')
  return { header: value as unknown as EnvelopeHeader, salt: saltBytes, iv, data: ciphertext }
}

/** The AES-GCM additional data: the header's compact JSON in a fixed order, rebuilt from its values. */
function headerBytes ({ format, v, kdf, cipher }: EnvelopeHeader): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify({
    format,
    v,
    kdf: { name: kdf.name, hash: kdf.hash, iterations: kdf.iterations, salt: kdf.salt },
    cipher: { name: cipher.name, iv: cipher.iv }
  }))
}

async function deriveKey (passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number, usage: KeyUsage): Promise<CryptoKey> {
  // NFC: the same passphrase typed on another system may arrive in another normal form.
  const material = await crypto.subtle.importKey('raw', encoder.encode(passphrase.normalize('NFC')), KDF_NAME, false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: KDF_NAME, hash: KDF_HASH, salt, iterations },
    material,
    { name: CIPHER_NAME, length: KEY_BITS },
    false,
    [usage]
  )
}

/** A passphrase for a new backup: {@link MIN_PASSPHRASE_CHARS} to {@link MAX_PASSPHRASE_CHARS} characters after NFC. */
export function newPassphrase (passphrase: string): string {
  const chars = [...passphrase.normalize('NFC')].length
  if (chars === 0) throw new InvalidPassphraseError('backupChoosePassphrase')
  if (chars < MIN_PASSPHRASE_CHARS) throw new InvalidPassphraseError('backupPassphraseShort', { min: MIN_PASSPHRASE_CHARS })
  if (chars > MAX_PASSPHRASE_CHARS) throw new InvalidPassphraseError('backupPassphraseLong', { max: MAX_PASSPHRASE_CHARS })
  return passphrase
}

/** The envelope's `v` and the contents' `v` are both {@link BACKUP_VERSION}; `what` says which one is off. */
export function checkVersion (v: unknown, what: 'file' | 'contents'): void {
  if (v === BACKUP_VERSION) return
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > BACKUP_VERSION) {
    throw new CorruptBackupError(what === 'file' ? 'backupNewerFile' : 'backupNewerContents', { version: v, supported: BACKUP_VERSION })
  }
  const version = JSON.stringify(v)
  if (version === undefined) throw new CorruptBackupError(what === 'file' ? 'backupNoFileVersion' : 'backupNoContentsVersion', { supported: BACKUP_VERSION })
  throw new CorruptBackupError(what === 'file' ? 'backupBadFileVersion' : 'backupBadContentsVersion', { version, supported: BACKUP_VERSION })
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
