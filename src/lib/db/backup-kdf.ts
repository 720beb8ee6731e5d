/**
 * The backup's key derivation (docs/protocols.md, "Identity backup file";
 * docs/security.md, "Backups"): the parameters a file states, their bounds,
 * and the AES-256-GCM key made from a passphrase with them.
 *
 * - File version 2 (what Parley writes): Argon2id, RFC 9106 version 0x13,
 *   with memory, passes and lanes in the file.
 * - File version 1 (what Parley wrote before): PBKDF2-HMAC-SHA-256. Still
 *   read, never written.
 *
 * Every cost a file states is checked against the bounds below before any
 * derivation starts: a file cannot make the reader allocate 4 GiB or work for
 * minutes.
 */
import { BackupTooLargeError } from './backup-errors.ts'
import type { Argon2idInput } from './backup-argon2.ts'

// ---------------------------------------------------------------- Argon2id (file version 2)

export const ARGON2ID_NAME = 'Argon2id'
/** RFC 9106's only version, 0x13; the file states it so that a later one cannot be mistaken for it. */
export const ARGON2_VERSION = 0x13

export interface Argon2idCost {
  /** RFC 9106's m, in KiB */
  memoryKiB: number
  /** RFC 9106's t: passes over the memory */
  iterations: number
  /** RFC 9106's p: lanes */
  parallelism: number
}

/**
 * What a new backup uses: 64 MiB, 3 passes, 1 lane (RFC 9106 §4's second
 * recommended option has these memory and passes; Bitwarden's browser
 * default is the same 64 MiB and 3 passes).
 *
 * Why these numbers: the goal is about one second on a phone-class browser,
 * which runs WebAssembly about 3–4 times slower than this machine's
 * Chromium. Here hash-wasm took 194 ms for them (the bench's `backup_kdf_ms`,
 * Chromium, median of 7, with other work on the machine), so a phone takes
 * 0.6–0.8 s, and a slower one about a second. Memory
 * is what makes a GPU or ASIC attacker pay (each guess needs its own 64 MiB
 * and moves about 200 MiB through it), so memory is as high as a phone's tab
 * gives without trouble and the passes make up the time. One lane: the
 * WebAssembly build runs lanes one after another, so more lanes would cost us
 * the same time and an attacker nothing.
 */
export const ARGON2ID_COST: Readonly<Argon2idCost> = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 }

/**
 * The most a file may ask for, checked before any work: memory 256 MiB (four
 * times ours: more than that may not exist in a phone's worker), at most 16
 * passes and lanes, and memory × passes at most 1 GiB (about five times our
 * work: about 1 s here, 3–4 s on a phone). Past these a file is refused, whatever
 * its passphrase.
 */
export const MAX_ARGON2_MEMORY_KIB = 256 * 1024
export const MAX_ARGON2_ITERATIONS = 16
export const MAX_ARGON2_PARALLELISM = 16
export const MAX_ARGON2_WORK_KIB = 1024 * 1024

// ---------------------------------------------------------------- PBKDF2 (file version 1, read only)

export const PBKDF2_NAME = 'PBKDF2'
export const PBKDF2_HASH = 'SHA-256'
/** PBKDF2-HMAC-SHA-256 rounds version 1 files were written with (OWASP's 2023 figure). */
export const PBKDF2_ITERATIONS = 600_000
/** Most rounds a version 1 file may ask for: bounds the work a crafted file can make us do (a few seconds). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000

// ---------------------------------------------------------------- both

/** Salt of either KDF, random per file. */
export const SALT_BYTES = 16
/** AES-256. */
const KEY_BYTES = 32

export interface Argon2idKdf extends Argon2idCost {
  name: typeof ARGON2ID_NAME
  version: typeof ARGON2_VERSION
  salt: string
}

export interface Pbkdf2Kdf {
  name: typeof PBKDF2_NAME
  hash: typeof PBKDF2_HASH
  iterations: number
  salt: string
}

export type Kdf = Argon2idKdf | Pbkdf2Kdf

type Json = Record<string, unknown>
type Damaged = (problem: string) => never

const isWhole = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max

/**
 * Checks a version 2 file's `kdf` (its keys are checked by the caller) and
 * returns it typed. A cost past the bounds is BackupTooLargeError
 * `backupKdfTooCostly`; anything else wrong is `damaged`.
 */
export function readArgon2idKdf (kdf: Json, damaged: Damaged): Argon2idKdf {
  if (kdf.name !== ARGON2ID_NAME) damaged(`the key derivation is not ${ARGON2ID_NAME}`)
  if (kdf.version !== ARGON2_VERSION) damaged(`"version" is not ${ARGON2_VERSION} (Argon2 version 1.3)`)
  const { memoryKiB, iterations, parallelism, salt } = kdf
  // a whole number of any size first (damaged), then the bounds (too costly): a huge cost is not a typo
  for (const [name, value] of [['memoryKiB', memoryKiB], ['iterations', iterations], ['parallelism', parallelism]] as const) {
    if (!isWhole(value, 1, Number.MAX_SAFE_INTEGER)) damaged(`"${name}" is not a whole number from 1`)
  }
  const cost = { memoryKiB, iterations, parallelism } as Argon2idCost
  checkArgon2idCost(cost)
  if (cost.memoryKiB < 8 * cost.parallelism) damaged('"memoryKiB" is less than 8 KiB per lane (RFC 9106)')
  if (typeof salt !== 'string') return damaged(`"salt" is not ${SALT_BYTES} bytes of base64`)
  return { name: ARGON2ID_NAME, version: ARGON2_VERSION, ...cost, salt }
}

/** Whether a reader takes this cost: within every bound above. */
export function withinArgon2idBounds ({ memoryKiB, iterations, parallelism }: Argon2idCost): boolean {
  return memoryKiB <= MAX_ARGON2_MEMORY_KIB && iterations <= MAX_ARGON2_ITERATIONS && parallelism <= MAX_ARGON2_PARALLELISM &&
    memoryKiB * iterations <= MAX_ARGON2_WORK_KIB
}

/** Refuses a cost past the bounds, saying the memory and passes the file asks for. */
export function checkArgon2idCost (cost: Argon2idCost): void {
  if (!withinArgon2idBounds(cost)) throw new BackupTooLargeError('backupKdfTooCostly', { memory: cost.memoryKiB * 1024, iterations: cost.iterations })
}

/** Checks a version 1 file's `kdf` (its keys are checked by the caller) and returns it typed. */
export function readPbkdf2Kdf (kdf: Json, damaged: Damaged): Pbkdf2Kdf {
  if (kdf.name !== PBKDF2_NAME || kdf.hash !== PBKDF2_HASH) damaged(`the key derivation is not ${PBKDF2_NAME} with ${PBKDF2_HASH}`)
  const { iterations, salt } = kdf
  if (!isWhole(iterations, 1, MAX_PBKDF2_ITERATIONS)) return damaged(`"iterations" is not a whole number from 1 to ${MAX_PBKDF2_ITERATIONS}`)
  if (typeof salt !== 'string') return damaged(`"salt" is not ${SALT_BYTES} bytes of base64`)
  return { name: PBKDF2_NAME, hash: PBKDF2_HASH, iterations, salt }
}

/** `kdf`'s fields in the order the file and the additional data have them. */
export function orderedKdf (kdf: Kdf): Kdf {
  return kdf.name === ARGON2ID_NAME
    ? { name: kdf.name, version: kdf.version, memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism, salt: kdf.salt }
    : { name: kdf.name, hash: kdf.hash, iterations: kdf.iterations, salt: kdf.salt }
}

/** The keys `kdf` has in a file of each version. */
export const KDF_KEYS: Readonly<Record<1 | 2, readonly string[]>> = {
  1: ['name', 'hash', 'iterations', 'salt'],
  2: ['name', 'version', 'memoryKiB', 'iterations', 'parallelism', 'salt']
}

const encoder = new TextEncoder()

/** Loads the Argon2id module (a chunk of its own) and derives; tests pass their own. */
export type Argon2idRunner = (input: Argon2idInput) => Promise<Uint8Array>

const loadedArgon2id: Argon2idRunner = async (input) => {
  const { deriveArgon2id } = await import('./backup-argon2.ts')
  return deriveArgon2id(input)
}

/**
 * The AES-256-GCM key of `passphrase` under `kdf` (its costs already
 * checked) and the salt's bytes. The passphrase is NFC-normalised (the same
 * passphrase typed on another system may arrive in another normal form), then
 * UTF-8 encoded.
 *
 * @throws BackupTooLargeError `backupKdfNoMemory` when this device cannot give Argon2id its memory
 */
export async function deriveKey (passphrase: string, kdf: Kdf, salt: Uint8Array<ArrayBuffer>, usage: KeyUsage, argon2id: Argon2idRunner = loadedArgon2id): Promise<CryptoKey> {
  const password = encoder.encode(passphrase.normalize('NFC'))
  if (kdf.name === PBKDF2_NAME) {
    const material = await crypto.subtle.importKey('raw', password, PBKDF2_NAME, false, ['deriveKey'])
    return crypto.subtle.deriveKey({ name: PBKDF2_NAME, hash: PBKDF2_HASH, salt, iterations: kdf.iterations }, material, { name: 'AES-GCM', length: KEY_BYTES * 8 }, false, [usage])
  }
  let raw: Uint8Array
  try {
    raw = await argon2id({ password, salt, memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism, length: KEY_BYTES })
  } catch (err) {
    if (err instanceof RangeError) throw new BackupTooLargeError('backupKdfNoMemory', { memory: kdf.memoryKiB * 1024 }, { cause: err })
    throw err
  }
  const key = await crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, [usage])
  raw.fill(0)
  return key
}
