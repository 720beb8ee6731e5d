/**
 * Message events in the DB (db/events.ts): stored once, merged last-writer-
 * wins, the same result whatever the order, applied to a message that
 * arrives after them, and refused when the author may not make them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mergeEvent, storeEvent, withEvents } from '../../../src/lib/db/events.ts'
import { storeIncoming } from '../../../src/lib/db/messages-incoming.ts'
import { searchMessages } from '../../../src/lib/db/search-query.ts'
import { addContact, openTestDb } from './helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ContactId, EventRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'

const ALICE = '12D3KooWAlice'
const ME = '12D3KooWMe'
const MSG = '01JD0000000000000000000001' as MessageId
const T0 = 1_700_000_000_000

let db: ParleyDb
let alice: ContactId

beforeEach(async () => {
  db = await openTestDb()
  alice = await addContact(db, 'Alice')
})
afterEach(() => { db.close() })

function message (over: Partial<MessageRow> = {}): MessageRow {
  return { id: MSG, contactId: alice, direction: 'in', fromPeerId: ALICE, kind: 'text', body: 'spring tulips', sentAt: T0, receivedAt: T0 + 5, state: 'delivered', ...over }
}

let seq = 0
function event (kind: EventRow['kind'], over: Partial<EventRow> = {}): EventRow {
  seq++
  return { id: `01JD00000000000000000E${String(seq).padStart(4, '0')}`, contactId: alice, direction: 'in', fromPeerId: ALICE, kind, targets: [MSG], sentAt: T0 + seq * 1000, state: 'delivered', ...over }
}

function permutations<T> (items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map(rest => [item, ...rest]))
}

describe('mergeEvent', () => {
  it('gives the same row whatever order reactions, edits and a delete arrive in', () => {
    const events = [
      event('reaction', { emoji: '👍' }),
      event('reaction', { emoji: '❤️' }),
      event('reaction', { fromPeerId: ME, emoji: '😂' }),
      event('edit', { text: 'spring crocuses' }),
      event('edit', { text: 'spring snowdrops' })
    ]
    const results = permutations(events).map(order => withEvents(message(), order))
    for (const result of results) expect(result).toEqual(results[0])
    expect(results[0]?.body).toBe('spring snowdrops')
    expect(results[0]?.reactions?.map(r => `${r.from}:${r.emoji}`).sort()).toEqual([`${ALICE}:❤️`, `${ME}:😂`])
    // and a delete wins over all of it, in any order
    const deleted = event('delete')
    for (const order of permutations([...events.slice(0, 3), deleted])) {
      const row = withEvents(message(), order)
      expect(row?.body).toBe('')
      expect(row?.deleted?.id).toBe(deleted.id)
      expect(row?.reactions).toBeUndefined()
    }
  })

  it('keeps a taken-back reaction as "" so that an older one arriving late does not return', () => {
    const older = event('reaction', { emoji: '👍' })
    const removal = event('reaction', { emoji: '' })
    expect(withEvents(message(), [removal, older])?.reactions).toEqual([{ id: removal.id, sentAt: removal.sentAt, from: ALICE, emoji: '' }])
  })

  it('ignores an edit by someone else, of a file, or after the 24 h window', () => {
    const row = message()
    expect(mergeEvent(row, event('edit', { fromPeerId: ME, text: 'mine now' }))).toBe(row)
    expect(mergeEvent(row, event('edit', { text: 'late', sentAt: T0 + 24 * 3600_000 + 1 }))).toBe(row)
    const file = message({ kind: 'file', file: { sha256: 'a'.repeat(64), size: 1, name: 'a.txt', mime: 'text/plain', chunkSize: 65536, listHash: 'b'.repeat(64) } })
    expect(mergeEvent(file, event('edit', { text: 'caption' }))).toBe(file)
  })
})

describe('storeEvent', () => {
  it('stores each id once; a second copy is a duplicate and changes nothing', async () => {
    await storeIncoming(db, { id: MSG, contactId: alice, fromPeerId: ALICE, body: 'spring tulips', sentAt: T0, receivedAt: T0 + 5 })
    const react = event('reaction', { emoji: '🌷' })
    expect((await storeEvent(db, react)).outcome).toBe('stored')
    expect((await storeEvent(db, { ...react, emoji: '👎' })).outcome).toBe('duplicate')
    expect((await db.messages.get(MSG))?.reactions?.map(r => r.emoji)).toEqual(['🌷'])
  })

  it('refuses an edit or delete of someone else\'s message, storing nothing', async () => {
    await storeIncoming(db, { id: MSG, contactId: alice, fromPeerId: ALICE, body: 'spring tulips', sentAt: T0, receivedAt: T0 + 5 })
    const forged = event('delete', { fromPeerId: ME, direction: 'out', state: 'queued' })
    expect((await storeEvent(db, forged)).outcome).toBe('not-allowed')
    expect(await db.events.get(forged.id)).toBeUndefined()
    expect((await db.messages.get(MSG))?.body).toBe('spring tulips')
  })

  it('applies events that came before their message when it is stored; a delete leaves nothing searchable', async () => {
    const edit = event('edit', { text: 'summer roses' })
    expect((await storeEvent(db, edit)).outcome).toBe('stored')
    await storeIncoming(db, { id: MSG, contactId: alice, fromPeerId: ALICE, body: 'spring tulips', sentAt: T0, receivedAt: T0 + 5 })
    expect((await db.messages.get(MSG))?.body).toBe('summer roses')
    expect((await searchMessages(db, 'roses')).hits).toHaveLength(1)
    await storeEvent(db, event('delete'))
    expect((await searchMessages(db, 'roses')).hits).toEqual([])
    expect((await searchMessages(db, 'tulips')).hits).toEqual([])
  })

  it('a message deleted here (delete for me) is not stored again when it is delivered once more', async () => {
    await storeIncoming(db, { id: MSG, contactId: alice, fromPeerId: ALICE, body: 'spring tulips', sentAt: T0, receivedAt: T0 + 5 })
    await storeEvent(db, event('hide', { fromPeerId: ME, direction: 'out' }))
    expect(await db.messages.get(MSG)).toBeUndefined()
    expect(await storeIncoming(db, { id: MSG, contactId: alice, fromPeerId: ALICE, body: 'spring tulips', sentAt: T0, receivedAt: T0 + 9 })).toBe('duplicate')
    expect(await db.messages.get(MSG)).toBeUndefined()
  })

  it('a timer change: the newest wins, whatever the order', async () => {
    const first = event('timer', { targets: [], ttl: 300 })
    const second = event('timer', { targets: [], ttl: 3600, fromPeerId: ME, direction: 'out' })
    await storeEvent(db, second)
    await storeEvent(db, first)
    expect((await db.contacts.get(alice))?.timer).toEqual({ id: second.id, sentAt: second.sentAt, ttl: 3600, by: ME })
  })
})
