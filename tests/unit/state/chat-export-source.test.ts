/**
 * What an export reads (state/chat-export-source.ts, issue 62) over a
 * fake-indexeddb ParleyDb: a contact's chat of 1,234 messages comes in pages
 * of at most 500, in the chat's order, each message once and none of another
 * chat; authors are "You" for ours and the contact's name for theirs; a file
 * is asked of the node only once this device holds it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { MessageId, MessageRow, TransferRow } from '../../../src/lib/db/types.ts'
import { exportFileName, exportSource } from '../../../src/lib/state/chat-export-source.ts'
import { fakeCall } from '../../support/fake-node.ts'
import { addContact, openTestDb } from '../db/helpers.ts'
import { seedChat } from './helpers.ts'

let db: ParleyDb

beforeEach(async () => { db = await openTestDb() })
afterEach(async () => { db.close(); await db.delete() })

describe('exportSource', () => {
  it('pages through one chat in its order, each message once', async () => {
    const bob = await addContact(db, 'Bob')
    const carol = await addContact(db, 'Carol')
    const rows = await seedChat(db, bob, 1234)
    await seedChat(db, carol, 10)
    const node = fakeCall({})
    const source = await exportSource(db, node, { kind: 'contact', contactId: bob }, 'Bob')

    const pages: Array<readonly MessageRow[]> = []
    for await (const page of source.pages()) pages.push(page)
    expect(pages.map(p => p.length)).toEqual([500, 500, 234])
    expect(pages.flat().map(r => r.id)).toEqual(rows.map(r => r.id))
    expect(source.author(rows[0] as MessageRow)).toBe('You')
    expect(source.author({ ...rows[1] as MessageRow, fromPeerId: '12D3KooWBob' })).toBe('Bob')
    expect(await source.message(rows[5]?.id as MessageId)).toMatchObject({ body: 'm5' })
    expect(node.calls).toEqual([])
  })

  it('asks the node for a file only once this device holds it', async () => {
    const bob = await addContact(db, 'Bob')
    const [held, coming] = await seedChat(db, bob, 2) as [MessageRow, MessageRow]
    const transfer = (id: string, state: TransferRow['state']): TransferRow => ({ id, direction: 'in', state } as unknown as TransferRow)
    await db.transfers.bulkPut([transfer(held.id, 'complete'), transfer(coming.id, 'active')])
    const file = new Blob(['the picture'])
    const node = fakeCall({ getFile: () => ({ file }) })
    const source = await exportSource(db, node, { kind: 'contact', contactId: bob }, 'Bob')
    expect(await source.file(held)).toBe(file)
    expect(await source.file(coming)).toBeUndefined()
    expect(node.calls.map(c => c.params)).toEqual([{ id: held.id }])
  })

  it('names the ZIP after the chat, without what file systems refuse', () => {
    expect(exportFileName('Bob / Alice: "plans"', Date.UTC(2026, 11, 1))).toBe('Parley - Bob _ Alice_ _plans_ - 2026-12-01.zip')
  })
})
