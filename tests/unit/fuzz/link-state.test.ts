/**
 * Fuzzing (issue 58): reading a link's state file, src/lib/db/link-state-read.ts
 * readLinkState, which a new device reads from the device that linked it
 * (bytes from a peer: FUZZ_RUNS cases each). A valid file is written by the
 * real writer (db/link-state.ts) from a seeded database. Fuzzed: arbitrary
 * text; the valid file with a line replaced by arbitrary JSON, a line
 * dropped or repeated, a character changed.
 * Contract: readLinkState resolves rows or rejects with LinkStateError
 * (never a TypeError, SyntaxError or RangeError from a crash); the valid
 * file reads back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import { writeLinkState } from '../../../src/lib/db/link-state.ts'
import { LinkStateError, readLinkState } from '../../../src/lib/db/link-state-read.ts'
import { queueOutgoing } from '../../../src/lib/db/messages.ts'
import { saveProfile } from '../../../src/lib/db/profile.ts'
import { openTestDb } from '../db/helpers.ts'
import { expectSame, FUZZ_PARAMS, FUZZ_RUNS } from './runs.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'

const tally = { ok: 0, refused: 0 }
let db: ParleyDb
let account: string
let lines: string[]

beforeAll(async () => {
  db = await openTestDb()
  const key = await generateKeyPair('Ed25519')
  account = peerIdFromPrivateKey(key).toString()
  await saveProfile(db, { id: 1, peerId: account, privateKey: privateKeyToProtobuf(key), username: 'Alice', createdAt: 100 })
  const bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const contactId = await upsertContact(db, { peerId: bob, username: 'bob', addresses: [], now: 200 })
  await queueOutgoing(db, { contactId, fromPeerId: account, body: 'hi bob', now: 1_000 })
  await db.groups.put({ id: 'cd'.repeat(16), name: 'G', picture: '', state: 'member', members: [], lamport: 0, heads: [], createdAt: 1, updatedAt: 1 })
  await db.groupOps.put({ id: 'op', group: 'cd'.repeat(16), lamport: 1, signed: { body: '{}', sig: 'AA' } })
  const file = await writeLinkState(db, account, 5_000)
  lines = new TextDecoder().decode(await file.blob.arrayBuffer()).split('\n').slice(0, -1)
})
afterAll(() => { db.close() })

async function readsOrRefuses (text: string): Promise<void> {
  try {
    const rows = await readLinkState(new Blob([text]), account)
    expectSame(rows.account, account)
    tally.ok++
  } catch (err) {
    if (!(err instanceof LinkStateError)) throw err
    tally.refused++
  }
}

const json = fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v))

describe('readLinkState', () => {
  it('reads the valid file', async () => {
    await readsOrRefuses(lines.join('\n') + '\n')
    expectSame(tally.ok, 1)
  })

  it('arbitrary text: rows or LinkStateError', async () => {
    const before = tally.ok + tally.refused
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.array(json, { maxLength: 6 }).map(l => l.join('\n') + '\n')), readsOrRefuses), FUZZ_PARAMS)
    expectSame(tally.ok + tally.refused - before, FUZZ_RUNS)
  })

  it('the valid file mutated: rows or LinkStateError', async () => {
    const mutation = fc.oneof(
      fc.tuple(fc.nat(), json).map(([i, line]) => lines.map((l, j) => j === i % lines.length ? line : l)),
      fc.nat().map(i => lines.filter((_, j) => j !== i % lines.length)),
      fc.nat().map(i => lines.flatMap((l, j) => j === i % lines.length ? [l, l] : [l])),
      fc.tuple(fc.nat(), fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([i, at, c]) => lines.map((l, j) => j === i % lines.length ? l.slice(0, at % (l.length + 1)) + c + l.slice(at % (l.length + 1) + 1) : l))
    )
    const refusedBefore = tally.refused
    await fc.assert(fc.asyncProperty(mutation, async (mutated) => { await readsOrRefuses(mutated.join('\n') + '\n') }), FUZZ_PARAMS)
    // most mutations break the file; each run ended one way or the other
    expect(tally.refused - refusedBefore).toBeGreaterThan(FUZZ_RUNS / 2)
  })
})
