/**
 * A sibling's sync items applied (src/lib/p2p/sync/apply.ts): each kind
 * does what docs/protocols.md says, and taken twice it leaves what it left
 * once ('same' the second time); an item about a chat this device does not
 * hold changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { messagingSettings } from '../../../../src/lib/db/settings.ts'
import { applySyncItem } from '../../../../src/lib/p2p/sync/apply.ts'
import { addContact, openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { MessageId } from '../../../../src/lib/db/types.ts'
import type { SyncBody, SyncItem } from '@parley/protocol/sync/wire'

const PHONE = '12D3KooWPhonePhonePhonePhonePhonePhonePhonePhonePhon'
const BOB = '12D3KooWbob'
const NOW = 1_700_000_000_000
let db: ParleyDb
let bob: number
let n = 0

const item = (body: SyncBody): SyncItem => ({ type: 'sync', id: `01JD${String(++n).padStart(22, '0')}`, ...body })
const mid = (k: number): MessageId => `01JE${String(k).padStart(22, '0')}` as MessageId

beforeEach(async () => {
  db = await openTestDb()
  bob = await addContact(db, 'bob')
})
afterEach(() => { db.close() })

/** Applies `it` twice: the outcomes. */
async function twice (it: SyncItem): Promise<string[]> {
  return [(await applySyncItem(db, PHONE, it, NOW)).outcome, (await applySyncItem(db, PHONE, it, NOW)).outcome]
}

describe('applySyncItem', () => {
  it('sent: an outgoing row of the chat, by the sibling, once; with its reply and timer', async () => {
    const sent = item({ kind: 'sent', chat: BOB, message: { id: mid(1), sentAt: NOW - 10, body: 'hello', replyTo: mid(0), ttl: 60 } })
    expect(await twice(sent)).toEqual(['stored', 'same'])
    expect(await db.messages.get(mid(1))).toEqual({
      id: mid(1), contactId: bob, direction: 'out', fromPeerId: PHONE, kind: 'text', body: 'hello', sentAt: NOW - 10, state: 'delivered', replyTo: mid(0), ttl: 60, expiresAt: NOW - 10 + 60_000
    })
    expect(await db.messages.count()).toBe(1)
  })

  it('read: the chat\'s received messages up to the one named, not later ones', async () => {
    for (const k of [1, 2, 3]) await db.messages.add({ id: mid(k), contactId: bob, direction: 'in', fromPeerId: BOB, kind: 'text', body: `m${k}`, sentAt: k, receivedAt: k, state: 'delivered' })
    expect(await twice(item({ kind: 'read', chat: BOB, upTo: mid(2) }))).toEqual(['stored', 'same'])
    expect((await db.messages.toArray()).map(r => r.state)).toEqual(['read', 'read', 'delivered'])
  })

  it('action: a reaction and a delete for everyone, as the sibling\'s', async () => {
    await applySyncItem(db, PHONE, item({ kind: 'sent', chat: BOB, message: { id: mid(1), sentAt: NOW - 10, body: 'hello' } }), NOW)
    expect(await twice(item({ kind: 'action', chat: BOB, action: { type: 'reaction', id: mid(2), sentAt: NOW - 5, target: mid(1), emoji: '👍' } }))).toEqual(['stored', 'same'])
    expect((await db.messages.get(mid(1)))?.reactions?.map(r => [r.from, r.emoji])).toEqual([[PHONE, '👍']])
    expect(await twice(item({ kind: 'action', chat: BOB, action: { type: 'delete', id: mid(3), sentAt: NOW - 4, target: mid(1) } }))).toEqual(['stored', 'same'])
    expect((await db.messages.get(mid(1)))?.deleted).toBeDefined()
  })

  it('contact: renamed, verified, added, deleted; settings', async () => {
    expect(await twice(item({ kind: 'contact', chat: BOB, op: 'renamed', nickname: 'Bobby' }))).toEqual(['stored', 'same'])
    expect(await twice(item({ kind: 'contact', chat: BOB, op: 'verified', verified: true }))).toEqual(['stored', 'same'])
    expect(await db.contacts.get(bob)).toMatchObject({ nickname: 'Bobby', verified: true })
    const carol = '12D3KooWcarol'
    expect(await twice(item({ kind: 'contact', chat: carol, op: 'added', username: 'carol', state: 'requested' }))).toEqual(['stored', 'same'])
    expect(await db.contacts.where('peerId').equals(carol).first()).toMatchObject({ username: 'carol', state: 'requested' })
    const deleted = await applySyncItem(db, PHONE, item({ kind: 'contact', chat: BOB, op: 'deleted', withHistory: true }), NOW)
    expect(deleted).toEqual({ outcome: 'stored', deleted: { id: bob, peerId: BOB, blocked: false } })
    expect(await db.contacts.get(bob)).toBeUndefined()
    expect(await twice(item({ kind: 'settings', readReceipts: false, typing: false }))).toEqual(['stored', 'stored'])
    expect(await messagingSettings(db)).toEqual({ readReceipts: false, typing: false })
  })

  it('an item about a chat this device does not hold changes nothing', async () => {
    const before = { contacts: await db.contacts.toArray(), messages: await db.messages.count() }
    expect(await twice(item({ kind: 'sent', chat: '12D3KooWnobody', message: { id: mid(9), sentAt: NOW, body: 'x' } }))).toEqual(['same', 'same'])
    expect(await twice(item({ kind: 'contact', chat: '12D3KooWnobody', op: 'renamed', nickname: 'x' }))).toEqual(['same', 'same'])
    expect({ contacts: await db.contacts.toArray(), messages: await db.messages.count() }).toEqual(before)
  })
})
