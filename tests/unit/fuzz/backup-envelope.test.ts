/**
 * Fuzzing (issue 57, item 4): the backup envelope's decoder,
 * decodeEnvelope of src/lib/db/backup-envelope.ts, which checks a file's
 * every field and its key derivation's costs (src/lib/db/backup-kdf.ts)
 * before any key is derived. A backup file may come from anyone (a file
 * handed over, a download), so this is fuzzed at FUZZ_RUNS (10,000) cases a
 * property, like the wire codecs.
 *
 * Fuzzed: arbitrary bytes and arbitrary JSON as a file; a valid version 2
 * (Argon2id) and a version 1 (PBKDF2) envelope with fields retyped, dropped or
 * added; the Argon2id costs set to any number.
 * Contract: decodeEnvelope returns an envelope or throws CorruptBackupError /
 * BackupTooLargeError (never a TypeError or a crash), and an envelope it
 * returns asks for no more than the bounds: memory, passes, lanes and memory ×
 * passes within MAX_ARGON2_*, at least 8 KiB per lane; PBKDF2 rounds within
 * MAX_PBKDF2_ITERATIONS; a 16-byte salt, a 12-byte IV and at least a tag of data.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BackupTooLargeError, CorruptBackupError, decodeEnvelope, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PARALLELISM,
  MAX_ARGON2_WORK_KIB, MAX_PBKDF2_ITERATIONS, type Envelope
} from '../../../src/lib/db/backup-envelope.ts'
import { expectSame, FUZZ_PARAMS, FUZZ_RUNS } from './runs.ts'

const encoder = new TextEncoder()

/** A version 2 envelope as Parley writes it (the data is any 40 bytes: nothing is decrypted here). */
const V2 = {
  format: 'parley-backup',
  v: 2,
  kdf: { name: 'Argon2id', version: 19, memoryKiB: 65_536, iterations: 3, parallelism: 1, salt: 'q3VtYWxsLXNhbHQtMTYhIQ==' },
  cipher: { name: 'AES-GCM', iv: 'Zm9yLXRoZS1pdi0x' },
  data: 'ZGF0YS1hbmQtdGFnLWRhdGEtYW5kLXRhZy1kYXRhLWFuZA=='
}
/** The frozen version 1 file's envelope (tests/unit/db/fixtures). */
const V1: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'db', 'fixtures', 'backup-v1-pbkdf2.parley'), 'utf8'))

const tally = { decoded: 0, refused: 0 }

/** Decodes, or checks that the refusal is typed; a decoded envelope must be within every bound. */
function decodedOrRefused (bytes: Uint8Array): Envelope | undefined {
  let envelope: Envelope
  try {
    envelope = decodeEnvelope(bytes)
  } catch (err) {
    if (!(err instanceof CorruptBackupError) && !(err instanceof BackupTooLargeError)) throw err
    expect(err.message.length).toBeGreaterThan(0)
    tally.refused++
    return undefined
  }
  tally.decoded++
  const { kdf } = envelope.header
  if (kdf.name === 'Argon2id') {
    expectSame(envelope.header.v, 2)
    for (const n of [kdf.memoryKiB, kdf.iterations, kdf.parallelism]) expectSame(Number.isSafeInteger(n) && n >= 1, true)
    expect(kdf.memoryKiB).toBeLessThanOrEqual(MAX_ARGON2_MEMORY_KIB)
    expect(kdf.iterations).toBeLessThanOrEqual(MAX_ARGON2_ITERATIONS)
    expect(kdf.parallelism).toBeLessThanOrEqual(MAX_ARGON2_PARALLELISM)
    expect(kdf.memoryKiB * kdf.iterations).toBeLessThanOrEqual(MAX_ARGON2_WORK_KIB)
    expect(kdf.memoryKiB).toBeGreaterThanOrEqual(8 * kdf.parallelism)
  } else {
    expectSame(envelope.header.v, 1)
    expectSame(Number.isSafeInteger(kdf.iterations) && kdf.iterations >= 1 && kdf.iterations <= MAX_PBKDF2_ITERATIONS, true)
  }
  expect(envelope.salt).toHaveLength(16)
  expect(envelope.iv).toHaveLength(12)
  expect(envelope.data.byteLength).toBeGreaterThanOrEqual(16)
  return envelope
}

const fileOf = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))

/** Values of every JSON type and some that an envelope never holds. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom<unknown>(null, -1, 0, 1.5, 2 ** 31, 2 ** 53, 1e308, '', 'AAAA', '====', [], {}, true, 'Argon2id', 'PBKDF2', 19, 'x'.repeat(5_000))
)

/** Sets, deletes or adds the key `path` leads to (object keys resolved modulo the keys present). */
function mutateAt (root: unknown, path: number[], action: number, value: unknown): unknown {
  const copy: unknown = structuredClone(root)
  let node = copy
  for (const [depth, step] of path.entries()) {
    if (typeof node !== 'object' || node === null) break
    const rec = node as Record<string, unknown>
    const keys = Object.keys(rec)
    if (keys.length === 0) break
    const key = keys[step % keys.length] as string
    if (depth === path.length - 1 || typeof rec[key] !== 'object' || rec[key] === null) {
      if (action === 0) rec[key] = value
      else if (action === 1) Reflect.deleteProperty(rec, key)
      else rec[`x${key}`] = value
      break
    }
    node = rec[key]
  }
  return copy
}

const path = fc.array(fc.nat(), { minLength: 1, maxLength: 3 })

/** Any number a JSON file can hold for a cost, weighted to the edges of the bounds. */
const anyCost = fc.oneof(
  fc.integer({ min: -2, max: 20 }),
  fc.integer({ min: 0, max: 2 * MAX_ARGON2_MEMORY_KIB }),
  fc.constantFrom(MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_MEMORY_KIB + 1, MAX_ARGON2_WORK_KIB, 4 * 1024 * 1024, 2 ** 32, 2 ** 53 - 1, 2 ** 53),
  fc.double({ noNaN: true }),
  fc.maxSafeNat()
)

describe('fuzz: backup envelope decoder', () => {
  it('the unchanged envelopes decode (the mutations below fail only for their change)', () => {
    expect(decodedOrRefused(fileOf(V2))?.header.kdf).toMatchObject({ name: 'Argon2id', memoryKiB: 65_536 })
    expect(decodedOrRefused(fileOf(V1))?.header.kdf).toMatchObject({ name: 'PBKDF2', iterations: 600_000 })
  })

  it('arbitrary bytes: a typed refusal', () => {
    tally.decoded = tally.refused = 0
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 300 }).map(s => encoder.encode(s))), bytes => {
      expect(decodedOrRefused(bytes)).toBeUndefined()
    }), FUZZ_PARAMS)
    expectSame(tally.refused, FUZZ_RUNS)
  })

  it('arbitrary JSON: a typed refusal', () => {
    tally.decoded = tally.refused = 0
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), value => {
      expect(decodedOrRefused(fileOf(value))).toBeUndefined()
    }), FUZZ_PARAMS)
    expectSame(tally.refused, FUZZ_RUNS)
  })

  it('a version 2 or version 1 envelope with a field retyped, dropped or added: within the bounds, or a typed refusal', () => {
    tally.decoded = tally.refused = 0
    fc.assert(fc.property(fc.constantFrom<unknown>(V2, V1), path, fc.nat(2), oddValue, (envelope, p, action, value) => {
      decodedOrRefused(fileOf(mutateAt(envelope, p, action, value)))
    }), FUZZ_PARAMS)
    expectSame(tally.decoded + tally.refused, FUZZ_RUNS)
    expect(tally.refused).toBeGreaterThan(0)
  })

  it('the Argon2id costs set to any number: decoded only within the bounds', () => {
    tally.decoded = tally.refused = 0
    fc.assert(fc.property(anyCost, anyCost, anyCost, (memoryKiB, iterations, parallelism) => {
      decodedOrRefused(fileOf({ ...V2, kdf: { ...V2.kdf, memoryKiB, iterations, parallelism } }))
    }), FUZZ_PARAMS)
    expectSame(tally.decoded + tally.refused, FUZZ_RUNS)
    expect(tally.decoded).toBeGreaterThan(0)
    expect(tally.refused).toBeGreaterThan(0)
  })
})
