/**
 * The bounded search (db/search-query.ts): pages that go on where the last one
 * stopped, a bound on the candidates one call looks at, and each way to the
 * candidates (one word, a prefix's few words, a prefix's entries sorted, the
 * messages themselves) giving exactly what a brute-force filter over every
 * message gives.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { deleteContact } from '../../../src/lib/db/contacts.ts'
import { newMessageId } from '../../../src/lib/db/messages.ts'
import { matches, messageWords, parseQuery } from '../../../src/lib/db/search.ts'
import { MAX_EXAMINED, MAX_PREFIX_KEYS, MAX_PREFIX_WORDS, SEARCH_LIMIT, searchMessages, type SearchOptions } from '../../../src/lib/db/search-query.ts'
import { GROUP_CONTACT_ID, saveGroup } from '../../../src/lib/db/groups.ts'
import type { ContactId, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { addContact, openTestDb } from './helpers.ts'

let db: ParleyDb | undefined

afterEach(() => {
  db?.close()
  db = undefined
})

/** Rows with these bodies in `contactId`'s chat, one second apart from `firstAt`, oldest first. */
function rows (contactId: ContactId, bodies: readonly string[], firstAt = 1_000_000): MessageRow[] {
  return bodies.map((body, i) => ({
    id: newMessageId(firstAt + i * 1000),
    contactId,
    direction: i % 2 === 0 ? 'out' : 'in',
    fromPeerId: 'x',
    kind: 'text',
    body,
    sentAt: firstAt + i * 1000,
    state: 'delivered'
  }))
}

/** The pages of `query`, followed through `next` to the end (or until `enough` hits), and how many calls it took. */
async function allPages (d: ParleyDb, query: string, options: SearchOptions = {}, enough = Infinity): Promise<{ ids: MessageId[], calls: number }> {
  const ids: MessageId[] = []
  let after: MessageId | undefined
  let calls = 0
  do {
    const page = await searchMessages(d, query, { ...options, ...(after === undefined ? {} : { after }) })
    calls++
    ids.push(...page.hits.map(h => h.message.id))
    after = page.next
  } while (after !== undefined && ids.length < enough && calls < 1_000)
  return { ids, calls }
}

/** What the search must find: every message matching `query`, newest first, by a filter over all of them. */
function bruteForce (all: readonly MessageRow[], query: string): MessageId[] {
  const parsed = parseQuery(query)
  if (parsed === undefined) return []
  return all.filter(m => matches(messageWords(m), parsed)).map(m => m.id).sort().reverse()
}

describe('searchMessages: pages', () => {
  it('goes on where the last page stopped: every match once, newest first, then no next', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const bodies = Array.from({ length: 130 }, (_, i) => i % 3 === 0 ? `other ${i}` : `lunch at ${i}`)
    const all = rows(alice, bodies)
    await db.messages.bulkAdd(all)

    const first = await searchMessages(db, 'lunch')
    expect(first.hits).toHaveLength(SEARCH_LIMIT)
    expect(first.next).toBe(first.hits.at(-1)?.message.id)
    const { ids, calls } = await allPages(db, 'lunch')
    expect(ids).toEqual(bruteForce(all, 'lunch'))
    expect(ids).toHaveLength(86)
    expect(calls).toBe(2)
    // a smaller page size, and a page that starts after an id that is not a match
    expect((await allPages(db, 'lunch', { limit: 7 })).ids).toEqual(bruteForce(all, 'lunch'))
    const afterOther = all[90]?.id
    expect(bodies[90]).toBe('other 90')
    expect((await searchMessages(db, 'lunch', { limit: 2, after: afterOther })).hits.map(h => h.message.body)).toEqual(['lunch at 89', 'lunch at 88'])
  })

  it('looks at no more than MAX_EXAMINED candidates per call, and says where to go on', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    // 1,500 "alpha" and 1,500 "beta" messages, never together, except the oldest one
    const bodies = ['alpha beta together', ...Array.from({ length: 3_000 }, (_, i) => i % 2 === 0 ? `alpha ${i}` : `beta ${i}`)]
    const all = rows(alice, bodies)
    await db.messages.bulkAdd(all)
    const alphaNewestFirst = all.filter(m => m.body.startsWith('alpha')).map(m => m.id).reverse()

    const first = await searchMessages(db, 'alpha beta')
    expect(first.hits).toEqual([])
    // the candidates were the alpha messages (no fewer entries than "beta…"), newest first
    expect(first.next).toBe(alphaNewestFirst[MAX_EXAMINED - 1])
    const second = await searchMessages(db, 'alpha beta', { after: first.next })
    expect(second.hits.map(h => h.message.body)).toEqual(['alpha beta together'])
    expect(second.next).toBeUndefined()
  })
})

describe('searchMessages: each way to the candidates finds what a filter over every message finds', () => {
  const COUNT = MAX_PREFIX_KEYS + 300
  let d: ParleyDb
  let all: MessageRow[]
  let bob: ContactId

  beforeAll(async () => {
    d = await openTestDb()
    const alice = await addContact(d, 'alice')
    bob = await addContact(d, 'bob')
    const russian = ['встреча', 'завтра', 'кофе', 'Москва', 'работа']
    const english = ['coffee', 'meeting', 'tomorrow', 'train', 'garden']
    // "k<i>": one word per message, so a short prefix of it stands for many words and entries
    const body = (i: number): string => `k${i} ${english[i % 5] ?? ''} ${russian[(i * 7) % 5] ?? ''}${i % 11 === 0 ? ' Rare' : ''}`
    all = [
      ...rows(alice, Array.from({ length: COUNT }, (_, i) => body(i))),
      ...rows(bob, ['ВСТРЕЧА в саду', 'coffee break, tomorrow?', 'k1 again'], 500_000)
    ]
    await d.messages.bulkAdd(all)
    return () => { d.close() }
  }, 60_000)

  const cases: Array<[string, string]> = [
    ['a rare whole word', 'rare'],
    ['two whole words, the rarest driving', 'rare coffee'],
    ['a prefix standing for one word', 'coff'],
    ['a Russian prefix after a Russian word', 'встреча завт'],
    ['capitals folded as the index folds them', 'ВСТРЕЧ'],
    [`a prefix with more than ${MAX_PREFIX_WORDS} words but few entries (sorted in memory)`, 'k84'],
    [`a prefix with at most ${MAX_PREFIX_WORDS} words (their union)`, 'k849'],
    ['a one-letter prefix with thousands of words and entries (the messages, newest first)', 'k'],
    ['a one-letter prefix after a whole word', 'tomorrow k'],
    ['a word no message has', 'zebra'],
    ['a prefix no message has', 'k9999999']
  ]

  // through the pages until 150 hits (the first pages of the common ones; all of the others)
  it.each(cases)('%s: %s', async (_name, query) => {
    const expected = bruteForce(all, query)
    const { ids } = await allPages(d, query, {}, 150)
    expect(ids).toEqual(expected.slice(0, Math.max(150, ids.length)))
  }, 60_000)

  it('answers a one-letter prefix with many entries within one bounded call, newest first', async () => {
    const page = await searchMessages(d, 'k')
    expect(page.hits).toHaveLength(SEARCH_LIMIT)
    expect(page.hits.map(h => h.message.id)).toEqual(bruteForce(all, 'k').slice(0, SEARCH_LIMIT))
    expect(page.next).toBeDefined()
  })

  it('gives each hit its contact', async () => {
    const hits = (await searchMessages(d, 'встреча')).hits
    expect(hits[0]?.message.body).toBe('ВСТРЕЧА в саду')
    expect(hits[0]?.contact?.id).toBe(bob)
    expect(new Set(hits.map(h => h.contact?.username))).toEqual(new Set(['alice', 'bob']))
  })
})

describe('searchMessages: what is gone stays gone', () => {
  it('finds nothing of a chat deleted with its history, and still finds a hidden chat kept with it', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const bob = await addContact(db, 'bob')
    await db.messages.bulkAdd([...rows(alice, ['secret plan alpha', 'plain words']), ...rows(bob, ['secret plan beta'], 2_000_000)])
    expect((await searchMessages(db, 'secret pl')).hits.map(h => h.message.body)).toEqual(['secret plan beta', 'secret plan alpha'])

    await deleteContact(db, bob, true)
    expect((await searchMessages(db, 'secret pl')).hits.map(h => h.message.body)).toEqual(['secret plan alpha'])
    expect((await searchMessages(db, 'beta')).hits).toEqual([])
    // nor is anything of it left in the index
    expect(await db.messages.where('words').equals('beta').count()).toBe(0)

    await deleteContact(db, alice, false)
    expect((await searchMessages(db, 'secret')).hits.map(h => h.message.body)).toEqual(['secret plan alpha'])
  })
})

describe('searchMessages: groups', () => {
  it('finds a group\'s messages with the group, beside a chat\'s with the contact; a group no longer held hides its own', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const groupId = '0123456789abcdef0123456789abcdef'
    const gone = 'fedcba9876543210fedcba9876543210'
    const group: GroupRow = { id: groupId, name: 'Family', picture: '', state: 'member', members: [{ peer: 'peerB', role: 'member', name: 'Bob', mailboxes: [] }], lamport: 0, heads: [], createdAt: 1, updatedAt: 1 }
    await saveGroup(db, group, [])
    const inGroup = (group: string, body: string, at: number): MessageRow => ({
      id: newMessageId(at), contactId: GROUP_CONTACT_ID, groupId: group, lamport: 1, direction: 'in', fromPeerId: 'peerB', kind: 'text', body, sentAt: at, receivedAt: at, state: 'delivered'
    })
    await db.messages.bulkAdd([...rows(alice, ['picnic on sunday']), inGroup(groupId, 'picnic at noon', 3_000_000), inGroup(gone, 'picnic elsewhere', 4_000_000)])
    const hits = (await searchMessages(db, 'picnic')).hits
    expect(hits.map(h => [h.message.body, h.group?.name ?? h.contact?.username])).toEqual([['picnic at noon', 'Family'], ['picnic on sunday', 'alice']])
  })
})

describe('searchMessages: abort', () => {
  it('rejects with the reason when a newer search aborts it while it runs', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    await db.messages.bulkAdd(rows(alice, Array.from({ length: 300 }, (_, i) => `word ${i}`)))
    const controller = new AbortController()
    const running = searchMessages(db, 'word', { signal: controller.signal })
    controller.abort(new Error('stale'))
    await expect(running).rejects.toThrow('stale')
    // the database is fine afterwards
    expect((await searchMessages(db, 'word', { limit: 1 })).hits.map(h => h.message.body)).toEqual(['word 299'])
  })
})
