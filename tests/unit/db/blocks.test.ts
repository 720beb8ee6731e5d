/**
 * What blocking a contact leaves (src/lib/db/blocks.ts): the spans of its
 * blocks, the ids refused, and the rule that refuses what was sent during a
 * block (docs/protocols.md, "Blocking").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_BLOCK_REFUSED_IDS, MAX_BLOCK_SPANS, blockRecordAfter, noteRefused, sentDuringBlock } from '../../../src/lib/db/blocks.ts'
import { setBlocked, upsertContact } from '../../../src/lib/db/contacts.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ContactId } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'

let db: ParleyDb
let id: ContactId
beforeEach(async () => {
  db = await openTestDb()
  id = await upsertContact(db, { peerId: '12D3KooWbob', username: 'Bob', addresses: [], state: 'accepted' })
})
afterEach(() => { db.close() })

describe('setBlocked keeps the block record', () => {
  it('a block starts a span, its unblock ends it; blocking again while blocked changes nothing', async () => {
    await setBlocked(db, id, true, 100)
    await setBlocked(db, id, true, 150)
    expect((await db.contacts.get(id))?.block).toEqual({ since: 100, spans: [], refused: [] })
    await setBlocked(db, id, false, 200)
    await setBlocked(db, id, false, 250)
    await setBlocked(db, id, true, 300)
    await setBlocked(db, id, false, 400)
    expect((await db.contacts.get(id))?.block).toEqual({ spans: [{ from: 100, to: 200 }, { from: 300, to: 400 }], refused: [] })
    expect((await db.contacts.get(id))?.blocked).toBe(false)
  })

  it('keeps the newest MAX_BLOCK_SPANS spans; a block from before records were kept spans from 0', () => {
    let record = blockRecordAfter(undefined, false, 50)
    expect(record).toEqual({ spans: [{ from: 0, to: 50 }], refused: [] })
    for (let i = 1; i <= MAX_BLOCK_SPANS; i++) record = blockRecordAfter(blockRecordAfter(record, true, i * 100), false, i * 100 + 10)
    expect(record.spans).toHaveLength(MAX_BLOCK_SPANS)
    expect(record.spans[0]).toEqual({ from: 100, to: 110 })
  })
})

describe('sentDuringBlock', () => {
  const contact = { block: { spans: [{ from: 1000, to: 2000 }], refused: ['01JD00000000000000000000R1'] } }

  it('by a remembered id, the sender\'s sentAt or a relay\'s storedAt within a span, ends included', () => {
    expect(sentDuringBlock(contact, { id: '01JD00000000000000000000R1', sentAt: 5000 })).toBe(true)
    expect(sentDuringBlock(contact, { id: '01JD00000000000000000000X1', sentAt: 1000 })).toBe(true)
    expect(sentDuringBlock(contact, { id: '01JD00000000000000000000X2', sentAt: 2000 })).toBe(true)
    expect(sentDuringBlock(contact, { id: '01JD00000000000000000000X3', sentAt: 500, storedAt: 1500 })).toBe(true)
    expect(sentDuringBlock(contact, { id: '01JD00000000000000000000X4', sentAt: 999, storedAt: 2001 })).toBe(false)
    expect(sentDuringBlock({}, { id: '01JD00000000000000000000R1', sentAt: 1500 })).toBe(false)
  })
})

describe('noteRefused', () => {
  it('remembers each id once, the newest MAX_BLOCK_REFUSED_IDS', async () => {
    await setBlocked(db, id, true, 100)
    await noteRefused(db, id, ['a', 'b', 'a'])
    await noteRefused(db, id, ['b', 'c'])
    expect((await db.contacts.get(id))?.block).toEqual({ since: 100, spans: [], refused: ['a', 'b', 'c'] })
    await noteRefused(db, id, Array.from({ length: MAX_BLOCK_REFUSED_IDS }, (_, i) => `id-${i}`))
    const refused = (await db.contacts.get(id))?.block?.refused ?? []
    expect(refused).toHaveLength(MAX_BLOCK_REFUSED_IDS)
    expect(refused[0]).toBe('id-0')
    expect(refused.at(-1)).toBe(`id-${MAX_BLOCK_REFUSED_IDS - 1}`)
  })
})
