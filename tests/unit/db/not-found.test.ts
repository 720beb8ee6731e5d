import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exportBackup, readBackup, restoreBackup } from '../../../src/lib/db/backup.ts'
import { addFromInvite, getContact, receiveHello } from '../../../src/lib/db/contacts.ts'
import { queueOutgoing } from '../../../src/lib/db/messages.ts'
import { markNotFound, mayBeNotFound, NOT_FOUND_AFTER_MS } from '../../../src/lib/db/not-found.ts'
import { saveProfile } from '../../../src/lib/db/profile.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ContactId, ContactRow } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'

/**
 * The not-found mark's rules (db/not-found.ts, docs/protocols.md "Nobody with
 * this ID") on the database alone: who may be marked, what an answer from
 * them undoes, and that a backup keeps the mark and the messages' reason.
 */

const ADDED_AT = 1_000_000
let db: ParleyDb
let me: string
let them: string

beforeEach(async () => {
  db = await openTestDb()
  const key = await generateKeyPair('Ed25519')
  me = peerIdFromPrivateKey(key).toString()
  them = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  await saveProfile(db, { id: 1, peerId: me, privateKey: privateKeyToProtobuf(key), username: 'Me', createdAt: 1 })
})
afterEach(() => { db.close() })

async function ghost (): Promise<ContactId> {
  return (await addFromInvite(db, { peerId: them, addresses: [], now: ADDED_AT })).id
}

describe('mayBeNotFound', () => {
  it('only a contact we asked from an unchecked invite, never seen, unblocked, NOT_FOUND_AFTER_MS after the request', async () => {
    const row = await getContact(db, await ghost()) as ContactRow
    const due = ADDED_AT + NOT_FOUND_AFTER_MS
    expect(mayBeNotFound(row, due - 1)).toBe(false)
    expect(mayBeNotFound(row, due)).toBe(true)
    expect(mayBeNotFound({ ...row, unchecked: false }, due)).toBe(false)
    expect(mayBeNotFound({ ...row, lastSeen: ADDED_AT + 5 }, due)).toBe(false)
    expect(mayBeNotFound({ ...row, state: 'accepted' }, due)).toBe(false)
    expect(mayBeNotFound({ ...row, blocked: true }, due)).toBe(false)
    expect(mayBeNotFound({ ...row, problem: 'notFound' }, due)).toBe(false)
    // asked again later: the time runs from the new request
    expect(mayBeNotFound({ ...row, helloSince: ADDED_AT + 60_000 }, due)).toBe(false)
  })
})

describe('the mark', () => {
  it('their answer arriving after all takes it away and queues the failed message again', async () => {
    const id = await ghost()
    const message = await queueOutgoing(db, { contactId: id, fromPeerId: me, body: 'hello?', now: ADDED_AT })
    expect(await markNotFound(db, them, ADDED_AT + NOT_FOUND_AFTER_MS)).toBe(id)
    expect(await db.messages.get(message.id)).toMatchObject({ state: 'failed', failure: 'contactNotFound' })

    expect(await receiveHello(db, { peerId: them, type: 'accept', name: 'Alice', addresses: [] })).toBe('accepted')
    const row = await getContact(db, id)
    expect(row?.problem).toBeUndefined()
    expect(row?.state).toBe('accepted')
    const back = await db.messages.get(message.id)
    expect(back?.state).toBe('queued')
    expect(back).not.toHaveProperty('failure')
  })

  it('a backup keeps the mark, the unchecked invite and the reason of the failed message', async () => {
    const id = await ghost()
    const message = await queueOutgoing(db, { contactId: id, fromPeerId: me, body: 'hello?', now: ADDED_AT })
    await markNotFound(db, them, ADDED_AT + NOT_FOUND_AFTER_MS)
    const contents = await readBackup(await exportBackup(db, 'correct horse battery', { includeHistory: true, cost: { memoryKiB: 64, iterations: 1, parallelism: 1 }, now: 5_000 }), 'correct horse battery')
    const target = await openTestDb()
    try {
      await restoreBackup(target, contents)
      expect(await getContact(target, id)).toMatchObject({ unchecked: true, problem: 'notFound' })
      expect(await target.messages.get(message.id)).toMatchObject({ state: 'failed', failure: 'contactNotFound' })
    } finally {
      target.close()
    }
  })
})
