/**
 * Fuzzing (issue 10): reading an identity backup file,
 * src/lib/db/backup-envelope.ts (openEnvelope: envelope JSON, base64, KDF
 * parameters, AES-GCM) and src/lib/db/backup-rows.ts (readContents: the
 * decrypted rows), through readBackup of src/lib/db/backup.ts.
 *
 * A valid file is made with the real export code (exportBackup) from a seeded
 * database, a short passphrase and the cheapest Argon2id cost (8 KiB, one
 * pass), so that every case is cheap. The envelope's decoder alone, with the
 * hostile costs, has 10,000 cases of its own (backup-envelope.test.ts). Fuzzed: arbitrary bytes and arbitrary JSON as a file; the valid file
 * with bytes flipped, cut or extended; its envelope with fields retyped;
 * the decrypted contents with fields retyped, dropped or added; huge counts.
 * The seeded rows carry every message-action field a backup holds (a reply,
 * reactions, an edit, a message deleted for everyone, the chat's timer, a
 * voice note), so the mutations reach their checks; a disappearing message
 * in the database is left out of the file.
 * Contract: readBackup resolves with the contents or rejects with one of
 * WrongPassphraseError, CorruptBackupError, BackupTooLargeError,
 * InvalidPassphraseError (never a TypeError/SyntaxError/DOMException from a
 * crash); readContents returns rows or throws CorruptBackupError /
 * BackupTooLargeError; the valid file reads back to the rows it was made from;
 * huge declared counts and KDF costs are refused before any work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { generateKeyPair, privateKeyToProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { exportBackup, readBackup } from '../../../src/lib/db/backup.ts'
import type { BackupContents } from '../../../src/lib/db/backup.ts'
import {
  BackupTooLargeError, CorruptBackupError, InvalidPassphraseError, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, openEnvelope, WrongPassphraseError
} from '../../../src/lib/db/backup-envelope.ts'
import { readContents } from '../../../src/lib/db/backup-rows.ts'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { saveProfile } from '../../../src/lib/db/profile.ts'
import { queueOutgoing } from '../../../src/lib/db/messages.ts'
import { storeIncoming } from '../../../src/lib/db/messages-incoming.ts'
import { storeIncomingFile } from '../../../src/lib/db/transfers-incoming.ts'
import type { MessageId } from '../../../src/lib/db/types.ts'
import { openTestDb } from '../db/helpers.ts'
import { expectEqual, expectSame, LOCAL_FUZZ_PARAMS, LOCAL_FUZZ_RUNS } from './runs.ts'
import { budgetMs } from '../../support/speed.ts'

/** How the inputs of a property ended: accepted, or refused with a typed error (every run ends in one). */
const tally = { ok: 0, refused: 0 }

const PASSPHRASE = 'fuzz-passphrase'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

let db: ParleyDb
let file: Uint8Array
let fileText: string
let contents: Record<string, unknown>
let expected: BackupContents

beforeAll(async () => {
  db = await openTestDb()
  const me = await generateKeyPair('Ed25519')
  const myId = peerIdFromPrivateKey(me).toString()
  await saveProfile(db, { id: 1, peerId: myId, privateKey: privateKeyToProtobuf(me), username: 'Me', createdAt: 100 })
  const a = await generateKeyPair('Ed25519')
  const aId = peerIdFromPrivateKey(a).toString()
  const alice = await upsertContact(db, { peerId: aId, username: 'alice', addresses: [`/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay/p2p-circuit/p2p/${aId}`], publicKey: publicKeyToProtobuf(a.publicKey), now: 200 })
  const hello = await queueOutgoing(db, { contactId: alice, fromPeerId: myId, body: 'hello', now: 300 })
  const stamp = (n: number): { id: string, sentAt: number } => ({ id: `01JD0000000000000000000E0${n}`, sentAt: 400 + n })
  await db.contacts.update(alice, { timer: { ttl: 3_600, by: aId, ...stamp(1) } })
  const hers = '01JD00000000000000000000A1' as MessageId
  await storeIncoming(db, { id: hers, contactId: alice, fromPeerId: aId, body: 'hi (edited)', sentAt: 310, receivedAt: 311, replyTo: hello.id })
  await db.messages.update(hers, { edit: stamp(2), reactions: [{ from: myId, emoji: '👍🏽', ...stamp(3) }, { from: aId, emoji: '', ...stamp(4) }] })
  await storeIncoming(db, { id: '01JD00000000000000000000A2' as MessageId, contactId: alice, fromPeerId: aId, body: 'oops', sentAt: 320, receivedAt: 321 })
  await db.messages.update('01JD00000000000000000000A2' as MessageId, { body: '', deleted: stamp(5) })
  await storeIncomingFile(db, {
    id: '01JD00000000000000000000A3' as MessageId, contactId: alice, fromPeerId: aId, body: '', sentAt: 330, receivedAt: 331, store: 'idb',
    file: { sha256: 'a'.repeat(64), size: 9, name: 'voice.webm', mime: 'audio/webm', chunkSize: 65_536, listHash: 'b'.repeat(64), voice: { durationMs: 900, waveform: Uint8Array.of(1, 200) } }
  })
  await queueOutgoing(db, { contactId: alice, fromPeerId: myId, body: 'gone soon', ttl: 300, now: 340 })
  file = await exportBackup(db, PASSPHRASE, { includeHistory: true, cost: { memoryKiB: 8, iterations: 1, parallelism: 1 }, now: 5_000 })
  fileText = decoder.decode(file)
  contents = await openEnvelope(file, PASSPHRASE) as Record<string, unknown>
  expected = await readBackup(file, PASSPHRASE)
})
afterAll(() => { db.close() })

const TYPED = [WrongPassphraseError, CorruptBackupError, BackupTooLargeError, InvalidPassphraseError]

async function readsOrRefuses (bytes: Uint8Array, passphrase = PASSPHRASE): Promise<BackupContents | undefined> {
  try {
    const read = await readBackup(bytes, passphrase)
    tally.ok++
    return read
  } catch (err) {
    if (!TYPED.some(E => err instanceof E)) throw err
    tally.refused++
    expect((err as Error).message.length).toBeGreaterThan(0)
    return undefined
  }
}

function contentsOrRefused (value: unknown): BackupContents | undefined {
  try {
    const read = readContents(value)
    tally.ok++
    return read
  } catch (err) {
    if (!(err instanceof CorruptBackupError) && !(err instanceof BackupTooLargeError)) throw err
    tally.refused++
    return undefined
  }
}

/** Values of every JSON type and some that a backup never holds. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }), fc.constantFrom<unknown>(null, -1, 1.5, 2 ** 53, '', 'AAAA', '====', [], {}, true, 'x'.repeat(20_000), 1e308)
)

/** A path into a JSON value (object keys and array indexes, resolved modulo the keys present). */
function mutateAt (root: unknown, path: number[], action: number, value: unknown): unknown {
  const copy: unknown = structuredClone(root)
  let node = copy
  for (const [depth, step] of path.entries()) {
    if (typeof node !== 'object' || node === null) break
    const rec = node as Record<string, unknown>
    const keys = Object.keys(rec)
    if (keys.length === 0) break
    const key = keys[step % keys.length] as string
    const last = depth === path.length - 1 || typeof rec[key] !== 'object' || rec[key] === null
    if (last) {
      if (action === 0) rec[key] = value
      else if (action === 1) Reflect.deleteProperty(rec, key)
      else rec[`x${key}`] = value
      break
    }
    node = rec[key]
  }
  return copy
}

const path = fc.array(fc.nat(), { minLength: 1, maxLength: 5 })

describe('fuzz: backup file', () => {
  it('the valid file reads back to its rows', async () => {
    expectEqual(await readBackup(file, PASSPHRASE), expected)
    expect(expected.contacts).toHaveLength(1)
    expectSame(expected.contacts[0]?.timer?.ttl, 3_600)
    // four of the five: the disappearing one is left out
    expect(expected.messages).toHaveLength(4)
    expect(expected.messages.filter(m => m.replyTo !== undefined && m.edit !== undefined && m.reactions?.length === 2)).toHaveLength(1)
    expect(expected.messages.filter(m => m.deleted !== undefined)).toHaveLength(1)
    expect(expected.messages.filter(m => m.file?.voice !== undefined)).toHaveLength(1)
    expect(expected.messages.filter(m => m.expiresAt !== undefined || m.ttl !== undefined)).toHaveLength(0)
    expectEqual(readContents(contents), expected)
  })

  it('arbitrary bytes: rejected with a typed error', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 }).map(s => encoder.encode(s))), fc.string({ maxLength: 12 }), async (bytes, passphrase) => {
      expect(await readsOrRefuses(bytes, passphrase)).toBeUndefined()
    }), LOCAL_FUZZ_PARAMS)
  })

  it('arbitrary JSON as a file: rejected with a typed error', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async value => {
      expect(await readsOrRefuses(encoder.encode(JSON.stringify(value)))).toBeUndefined()
    }), LOCAL_FUZZ_PARAMS)
  })

  it('the valid file with bytes flipped, cut or extended: the rows or a typed error', async () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('extend' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 16 }) })
    )
    await fc.assert(fc.asyncProperty(mutation, async m => {
      let bytes: Uint8Array
      if (m.kind === 'flip') {
        bytes = file.slice()
        const at = m.at % bytes.length
        bytes[at] = (bytes[at] ?? 0) ^ m.xor
      } else if (m.kind === 'cut') {
        bytes = file.slice(0, m.at % file.length)
      } else {
        bytes = new Uint8Array([...file, ...m.tail])
      }
      const read = await readsOrRefuses(bytes)
      // a changed byte the reader still accepts can only be JSON whitespace, escapes or key order
      expect([undefined, expected]).toContainEqual(read)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('the envelope with a field retyped, dropped or added: a typed error', async () => {
    const envelope: unknown = JSON.parse(fileText)
    await fc.assert(fc.asyncProperty(path, fc.nat(2), oddValue, async (p, action, value) => {
      const mutated = mutateAt(envelope, p, action, value)
      const read = await readsOrRefuses(encoder.encode(JSON.stringify(mutated)))
      expect([undefined, expected]).toContainEqual(read)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('huge KDF costs and huge files are refused before any work', async () => {
    const envelope = JSON.parse(fileText) as { kdf: { iterations: number, memoryKiB: number } }
    const started = performance.now()
    for (const iterations of [MAX_ARGON2_ITERATIONS + 1, 2 ** 31, 2 ** 53 - 1]) {
      envelope.kdf.iterations = iterations
      await expect(readBackup(encoder.encode(JSON.stringify(envelope)), PASSPHRASE)).rejects.toBeInstanceOf(BackupTooLargeError)
    }
    envelope.kdf.iterations = 1
    for (const memoryKiB of [MAX_ARGON2_MEMORY_KIB + 1, 4 * 1024 * 1024, 2 ** 53 - 1]) {
      envelope.kdf.memoryKiB = memoryKiB
      await expect(readBackup(encoder.encode(JSON.stringify(envelope)), PASSPHRASE)).rejects.toBeInstanceOf(BackupTooLargeError)
    }
    envelope.kdf.memoryKiB = 1e308
    await expect(readBackup(encoder.encode(JSON.stringify(envelope)), PASSPHRASE)).rejects.toBeInstanceOf(CorruptBackupError)
    await expect(readBackup(file, '')).rejects.toBeInstanceOf(InvalidPassphraseError)
    await expect(readBackup(file, 'wrong-passphrase')).rejects.toBeInstanceOf(WrongPassphraseError)
    expect(performance.now() - started).toBeLessThan(budgetMs(2000))
  })
})

describe('fuzz: backup contents', () => {
  it('arbitrary JSON: rows or a typed error', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ v: fc.constant(1), exportedAt: oddValue, profile: oddValue, contacts: oddValue, relays: oddValue, messages: oddValue }, { requiredKeys: [] })), value => {
      contentsOrRefused(value)
    }), LOCAL_FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(LOCAL_FUZZ_RUNS)
  })

  it('the valid contents with a field retyped, dropped or added: rows or a typed error', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(path, fc.nat(2), oddValue, (p, action, value) => {
      contentsOrRefused(mutateAt(contents, p, action, value))
    }), LOCAL_FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(LOCAL_FUZZ_RUNS)
  })

  it('huge lists are refused before their rows are read', () => {
    const started = performance.now()
    for (const key of ['contacts', 'relays', 'messages']) {
      const huge: unknown[] = []
      huge.length = 2 ** 31
      expect(() => readContents({ ...contents, [key]: huge })).toThrow(BackupTooLargeError)
    }
    expect(performance.now() - started).toBeLessThan(budgetMs(1000))
  })
})
