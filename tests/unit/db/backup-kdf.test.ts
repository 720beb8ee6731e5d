/**
 * The backup's key derivation (issue 57, item 4): new files use Argon2id with
 * its cost in the file; version 1 files (PBKDF2, written before) still open,
 * from a frozen file made by main at 783fbc1 (fixtures/backup-v1-pbkdf2.parley);
 * a wrong passphrase changes nothing; a file that asks for too much memory or
 * work is refused before any derivation starts; the WebAssembly Argon2id and
 * its JavaScript fallback give the same key.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  ARGON2ID_COST, BackupTooLargeError, CorruptBackupError, exportBackup, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB,
  MAX_PBKDF2_ITERATIONS, PBKDF2_ITERATIONS, readBackup, restoreBackup, WrongPassphraseError
} from '../../../src/lib/db/backup.ts'
import { decodeEnvelope } from '../../../src/lib/db/backup-envelope.ts'
import { deriveKey, type Argon2idKdf, type Argon2idRunner } from '../../../src/lib/db/backup-kdf.ts'
import { deriveArgon2id, nobleArgon2id, resetArgon2Fallback, wasmArgon2id, type Argon2idInput } from '../../../src/lib/db/backup-argon2.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { saveProfile } from '../../../src/lib/db/profile.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { openTestDb } from './helpers.ts'
import { rejection } from '../../support/words.ts'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const PASSPHRASE = 'correct horse battery staple'
const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }

/** Made by exportBackup at main 783fbc1 (PBKDF2, 600,000 rounds): never written again. */
const V1_FILE = new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', 'backup-v1-pbkdf2.parley')))
const V1_PASSPHRASE = 'correct horse battery staple'
const V1_PEER_ID = '12D3KooWNCndCBxrqa82XuBiSSXdsB1BmE22kJ7LNDzykVRNLhxr'
const V1_BOB = '12D3KooWPRtYfdUpvibPzY6o2oim5gkZMq5fxfgR6wVDnwaJabfL'

type Header = Record<string, unknown> & { v: number, kdf: Record<string, unknown> }
const parse = (file: Uint8Array): Header => JSON.parse(decoder.decode(file)) as Header
const encode = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))

/** An Argon2id that must never run: the file should have been refused first. */
function untouchable (): Argon2idRunner & { mock: { calls: unknown[] } } {
  return vi.fn<Argon2idRunner>(async () => { throw new Error('the key derivation ran') })
}

let source: ParleyDb
let target: ParleyDb

beforeEach(async () => {
  source = await openTestDb()
  const key = await generateKeyPair('Ed25519')
  await saveProfile(source, { id: 1, peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), username: 'Me', createdAt: 100 })
  target = await openTestDb()
})
afterEach(() => {
  source.close()
  target.close()
  resetArgon2Fallback()
})

describe('new files: Argon2id, its cost in the file', () => {
  it('are written with ARGON2ID_COST (64 MiB, 3 passes, 1 lane) and open with their passphrase, not with another', async () => {
    expect(ARGON2ID_COST).toEqual({ memoryKiB: 65_536, iterations: 3, parallelism: 1 })
    const file = await exportBackup(source, PASSPHRASE, { includeHistory: true })
    const header = parse(file)
    expect(header.v).toBe(2)
    expect(header.kdf).toEqual({ name: 'Argon2id', version: 0x13, memoryKiB: 65_536, iterations: 3, parallelism: 1, salt: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/) as unknown })

    const err = await rejection(readBackup(file, 'correct horse battery stapler'))
    expect(err).toBeInstanceOf(WrongPassphraseError)
    expect(textOfError(err)).toBe('The passphrase is wrong, or the file was changed.')
    await expect(target.profile.count()).resolves.toBe(0)

    await restoreBackup(target, await readBackup(file, PASSPHRASE))
    expect((await target.profile.get(1))?.peerId).toBe((await source.profile.get(1))?.peerId)
  })

  it('derive the key with the cost the file states, not with the default', async () => {
    const seen: Argon2idInput[] = []
    const spy: Argon2idRunner = async (input) => { seen.push(input); return deriveArgon2id(input) }
    const cost = { memoryKiB: 256, iterations: 2, parallelism: 2 }
    const file = await exportBackup(source, PASSPHRASE, { includeHistory: false, cost, argon2id: spy })
    await readBackup(file, PASSPHRASE, spy)
    expect(seen.map(({ memoryKiB, iterations, parallelism, length }) => ({ memoryKiB, iterations, parallelism, length })))
      .toEqual([{ ...cost, length: 32 }, { ...cost, length: 32 }])
    expect(decoder.decode(seen[0]?.password)).toBe(PASSPHRASE)
    expect(seen[0]?.salt).toEqual(seen[1]?.salt)
  })
})

describe('a file that asks for too much is refused before any work', () => {
  const GiB_KIB = 1024 * 1024
  it.each<[string, Partial<Argon2idKdf>]>([
    ['4 GiB of memory', { memoryKiB: 4 * GiB_KIB }],
    ['2^53 KiB of memory', { memoryKiB: 2 ** 53 - 1 }],
    ['memory just past the bound', { memoryKiB: MAX_ARGON2_MEMORY_KIB + 1 }],
    ['passes past the bound', { iterations: MAX_ARGON2_ITERATIONS + 1 }],
    ['a million passes', { iterations: 1_000_000 }],
    ['lanes past the bound', { parallelism: 17, memoryKiB: 17 * 8 }],
    ['each bound kept, but memory × passes over 1 GiB', { memoryKiB: MAX_ARGON2_MEMORY_KIB, iterations: 5 }]
  ])('%s', async (_what, kdf) => {
    const header = parse(await exportBackup(source, PASSPHRASE, { includeHistory: false, cost: FAST }))
    const hostile = encode({ ...header, kdf: { ...header.kdf, ...kdf } })
    const argon2id = untouchable()
    const err = await rejection(readBackup(hostile, PASSPHRASE, argon2id))
    expect(err).toBeInstanceOf(BackupTooLargeError)
    expect(err).toMatchObject({ code: 'backupKdfTooCostly' })
    expect(textOfError(err)).toMatch(/^This file asks for more memory or work to open \(.+, [\d,]+ passes\) than any Parley backup needs: it was not made by Parley, or it was changed\.$/)
    expect(() => decodeEnvelope(hostile)).toThrow(BackupTooLargeError)
    expect(argon2id.mock.calls).toHaveLength(0)
    await expect(target.profile.count()).resolves.toBe(0)
  })

  it('names the memory asked for in the words', async () => {
    const header = parse(await exportBackup(source, PASSPHRASE, { includeHistory: false, cost: FAST }))
    const err = await rejection(readBackup(encode({ ...header, kdf: { ...header.kdf, memoryKiB: 4 * GiB_KIB } }), PASSPHRASE, untouchable()))
    expect(textOfError(err)).toContain('(4 GiB, 1 passes)')
  })

  it('the largest cost a reader takes is still taken (the bounds are not off by one)', () => {
    const largest = encode({
      format: 'parley-backup',
      v: 2,
      kdf: { name: 'Argon2id', version: 19, memoryKiB: MAX_ARGON2_MEMORY_KIB, iterations: 4, parallelism: 16, salt: `${'A'.repeat(22)}==` },
      cipher: { name: 'AES-GCM', iv: 'A'.repeat(16) },
      data: 'A'.repeat(24)
    })
    expect(decodeEnvelope(largest).header.kdf).toMatchObject({ memoryKiB: MAX_ARGON2_MEMORY_KIB, iterations: 4, parallelism: 16 })
  })
})

describe('version 1 files (PBKDF2) still open', () => {
  it('the frozen file is what Parley wrote before: version 1, PBKDF2-SHA-256, 600,000 rounds', () => {
    const header = parse(V1_FILE)
    expect(header.v).toBe(1)
    expect(header.kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS })
    expect(PBKDF2_ITERATIONS).toBe(600_000)
  })

  it('opens with its passphrase (without Argon2id) and restores the identity, its contact and history', async () => {
    const argon2id = untouchable()
    const contents = await readBackup(V1_FILE, V1_PASSPHRASE, argon2id)
    expect(argon2id.mock.calls).toHaveLength(0)
    expect(contents).toMatchObject({ exportedAt: 1_700_000_400_000, includesHistory: true, profile: { peerId: V1_PEER_ID, username: 'Old Alice' } })
    expect(contents.contacts.map(c => [c.peerId, c.username])).toEqual([[V1_BOB, 'Bob']])
    expect([...contents.messages].sort((a, b) => a.sentAt - b.sentAt).map(m => [m.direction, m.body, m.state])).toEqual([['out', 'written before Argon2id', 'delivered'], ['in', 'and answered', 'delivered']])
    await restoreBackup(target, contents)
    expect(await target.profile.get(1)).toMatchObject({ peerId: V1_PEER_ID })
    expect(await target.messages.count()).toBe(2)
  })

  it('refuses a wrong passphrase in words and changes nothing', async () => {
    const err = await rejection(readBackup(V1_FILE, 'correct horse battery stable').then(async c => { await restoreBackup(target, c) }))
    expect(err).toBeInstanceOf(WrongPassphraseError)
    expect(textOfError(err)).toBe('The passphrase is wrong, or the file was changed.')
    expect([await target.profile.count(), await target.contacts.count(), await target.messages.count()]).toEqual([0, 0, 0])
  })

  it('keeps the bound on rounds, and refuses the Argon2id fields in a version 1 file', async () => {
    const header = parse(V1_FILE)
    const tooMany = encode({ ...header, kdf: { ...header.kdf, iterations: MAX_PBKDF2_ITERATIONS + 1 } })
    await expect(readBackup(tooMany, V1_PASSPHRASE)).rejects.toThrow(CorruptBackupError)
    expect(textOfError(await rejection(readBackup(tooMany, V1_PASSPHRASE)))).toMatch(/"iterations" is not a whole number from 1 to 10000000/)
    const mixed = encode({ ...header, kdf: { ...header.kdf, memoryKiB: 64 } })
    expect(textOfError(await rejection(readBackup(mixed, V1_PASSPHRASE)))).toMatch(/"kdf" has an unknown field "memoryKiB"/)
  })
})

describe('the Argon2id implementations', () => {
  const input = (password: string): Argon2idInput => ({
    password: encoder.encode(password), salt: Uint8Array.from({ length: 16 }, (_, i) => i), memoryKiB: 256, iterations: 2, parallelism: 2, length: 32
  })

  it('hash-wasm (WebAssembly) and @noble/hashes (JavaScript) give the same bytes', async () => {
    const wasm = await wasmArgon2id(input('pässwörd'))
    expect(wasm).toHaveLength(32)
    expect(await nobleArgon2id(input('pässwörd'))).toEqual(wasm)
    expect(await wasmArgon2id(input('password'))).not.toEqual(wasm)
  })

  it('falls back to JavaScript where WebAssembly is refused, and says so once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const refused = vi.fn(async (): Promise<Uint8Array> => { throw new WebAssembly.CompileError('refused by the Content-Security-Policy') })
    const expected = await nobleArgon2id(input('x'))
    expect(await deriveArgon2id(input('x'), refused)).toEqual(expected)
    expect(await deriveArgon2id(input('x'), refused)).toEqual(expected)
    expect(refused).toHaveBeenCalledTimes(1)
    expect(warn).toHaveBeenCalledTimes(1)
    warn.mockRestore()
  })

  it('a device without the memory: refused in words, not retried in JavaScript', async () => {
    const noMemory: Argon2idRunner = async () => { throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded') }
    const kdf: Argon2idKdf = { name: 'Argon2id', version: 0x13, ...ARGON2ID_COST, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }
    const err = await rejection(deriveKey('x', kdf, new Uint8Array(16), 'decrypt', noMemory))
    expect(err).toMatchObject({ name: 'BackupTooLargeError', code: 'backupKdfNoMemory' })
    expect(textOfError(err)).toBe('This device could not give the 64 MiB of memory needed to open this backup. Close other tabs and apps and try again.')
    await expect(deriveArgon2id(input('x'), noMemory)).rejects.toBeInstanceOf(RangeError)
  })
})
