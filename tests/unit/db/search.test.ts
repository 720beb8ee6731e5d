/** Full-text search (db/search.ts) and the `*words` index kept by db.ts. */
import { afterEach, describe, expect, it } from 'vitest'
import { queueOutgoing, setMessageState } from '../../../src/lib/db/messages.ts'
import { storeIncoming } from '../../../src/lib/db/messages-incoming.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { highlight, matches, MAX_QUERY_WORDS, messageWords, parseQuery, words } from '../../../src/lib/db/search.ts'
import { searchMessages as searchPage } from '../../../src/lib/db/search-query.ts'
import type { SearchHit, SearchOptions } from '../../../src/lib/db/search-query.ts'
import type { MessageId } from '../../../src/lib/db/types.ts'
import { addContact, openTestDb } from './helpers.ts'

let db: ParleyDb | undefined

/** The first page's hits. */
async function searchMessages (d: ParleyDb, query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
  return (await searchPage(d, query, options)).hits
}

afterEach(() => {
  db?.close()
  db = undefined
})

/** The words stored for message `id`, read past the reading hook that strips them. */
async function storedWords (d: ParleyDb, id: string): Promise<string[] | undefined> {
  const raw = await d.transaction('r', d.messages, async (tx) => {
    const core = tx.idbtrans.objectStore('messages')
    return new Promise<{ words?: string[] } | undefined>((resolve, reject) => {
      const req = core.get(id)
      req.onsuccess = () => { resolve(req.result as { words?: string[] } | undefined) }
      req.onerror = () => { reject(req.error) }
    })
  })
  return raw?.words
}

async function seed (): Promise<{ d: ParleyDb, alice: number, bob: number }> {
  const d = await openTestDb()
  const alice = await addContact(d, 'alice')
  const bob = await addContact(d, 'bob')
  return { d, alice, bob }
}

describe('words', () => {
  it('normalises, splits on non-letters, de-duplicates and bounds', () => {
    expect(words('Hello, hello WORLD! Привет—мир 42')).toEqual(['hello', 'world', 'привет', 'мир', '42'])
    // NFKC: full-width letters and the "ﬁ" ligature become plain ones
    expect(words('ＡＢＣ ﬁle')).toEqual(['abc', 'file'])
    expect(words('a'.repeat(40))).toEqual(['a'.repeat(32)])
    expect(words(Array.from({ length: 300 }, (_, i) => `w${i}`).join(' '))).toHaveLength(256)
    expect(words('  ...  ')).toEqual([])
  })

  it('indexes a file message by its caption and its file name', () => {
    expect(messageWords({ body: 'see this', file: { name: 'Report-2026.pdf' } as never })).toEqual(['see', 'this', 'report', '2026', 'pdf'])
  })
})

describe('parseQuery and matches', () => {
  it('reads the last word as a prefix and every other as a whole word, at most MAX_QUERY_WORDS', () => {
    expect(parseQuery('Встреча, ЗАВТ')).toEqual({ whole: ['встреча'], prefix: 'завт' })
    expect(parseQuery(' ,.! ')).toBeUndefined()
    const long = parseQuery(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))
    expect(long?.whole).toHaveLength(MAX_QUERY_WORDS - 1)
    expect(long?.prefix).toBe(`w${MAX_QUERY_WORDS - 1}`)
  })

  it('needs every whole word and some word starting with the prefix', () => {
    const query = parseQuery('meet tomo')
    if (query === undefined) throw new Error('no query')
    expect(matches(['meet', 'me', 'tomorrow'], query)).toBe(true)
    expect(matches(['meeting', 'tomorrow'], query)).toBe(false)
    expect(matches(['meet', 'today'], query)).toBe(false)
  })
})

describe('searchMessages', () => {
  it('finds Russian text, newest first, with the contact', async () => {
    const { d, alice, bob } = await seed()
    db = d
    await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: 'Привет, как дела?', now: 1000 })
    await storeIncoming(d, { id: '01JD0000000000000000000009' as MessageId, contactId: bob, fromPeerId: 'bob', body: 'ПРИВЕТ из Москвы', sentAt: 2000, receivedAt: 2001 })
    const hits = await searchMessages(d, 'привет')
    expect(hits.map(h => h.message.body)).toEqual(['ПРИВЕТ из Москвы', 'Привет, как дела?'])
    expect(hits.map(h => h.contact?.username)).toEqual(['bob', 'alice'])
    // rows come back without the index-only field
    expect(Object.keys(hits[0]?.message ?? {})).not.toContain('words')
  })

  it('treats the last word as a prefix, the others as whole words (AND)', async () => {
    const { d, alice } = await seed()
    db = d
    await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: 'meeting tomorrow at noon', now: 1000 })
    await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: 'meet me tomorrow', now: 2000 })
    await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: 'tomorrow is fine', now: 3000 })
    expect((await searchMessages(d, 'meet')).map(h => h.message.body)).toEqual(['meet me tomorrow', 'meeting tomorrow at noon'])
    expect((await searchMessages(d, 'tomorrow mee')).map(h => h.message.body)).toEqual(['meet me tomorrow', 'meeting tomorrow at noon'])
    expect((await searchMessages(d, 'meeting noon')).map(h => h.message.body)).toEqual(['meeting tomorrow at noon'])
    // "meet" is a whole word here (not the last one): "meeting" does not count
    expect((await searchMessages(d, 'meet tomorrow')).map(h => h.message.body)).toEqual(['meet me tomorrow'])
    expect(await searchMessages(d, 'meeting fine')).toEqual([])
  })

  it('finds nothing for no match and for a query without letters', async () => {
    const { d, alice } = await seed()
    db = d
    await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: 'hello', now: 1000 })
    expect(await searchMessages(d, 'goodbye')).toEqual([])
    expect(await searchMessages(d, ' ,.! ')).toEqual([])
  })

  it('handles a 10,000-character body', async () => {
    const { d, alice } = await seed()
    db = d
    const body = 'x'.repeat(10_000)
    const row = await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: `${body} needle`, now: 1000 })
    expect(await storedWords(d, row.id)).toEqual(['x'.repeat(32), 'needle'])
    expect((await searchMessages(d, 'needle')).map(h => h.message.id)).toEqual([row.id])
    expect((await searchMessages(d, 'x'.repeat(50))).map(h => h.message.id)).toEqual([row.id])
  })

  it('keeps the index in step with updates and respects limit and abort', async () => {
    const { d, alice } = await seed()
    db = d
    const row = await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: 'first words', now: 1000 })
    await setMessageState(d, row.id, 'sent')
    expect(await storedWords(d, row.id)).toEqual(['first', 'words'])
    await d.messages.update(row.id, { body: 'second text' })
    expect(await searchMessages(d, 'first')).toEqual([])
    expect((await searchMessages(d, 'second')).map(h => h.message.state)).toEqual(['sent'])
    for (let i = 0; i < 5; i++) await queueOutgoing(d, { contactId: alice, fromPeerId: 'me', body: `second ${i}`, now: 2000 + i })
    expect((await searchMessages(d, 'second', { limit: 2 })).map(h => h.message.body)).toEqual(['second 4', 'second 3'])
    const controller = new AbortController()
    controller.abort(new Error('stale'))
    await expect(searchMessages(d, 'second', { signal: controller.signal })).rejects.toThrow('stale')
  })
})

describe('highlight', () => {
  it('marks whole matching words and the typed prefix', () => {
    expect(highlight('Hello World, hello there', 'hello wor')).toEqual([
      { text: 'Hello', match: true }, { text: ' ', match: false }, { text: 'World', match: true },
      { text: ', ', match: false }, { text: 'hello', match: true }, { text: ' there', match: false }
    ])
  })

  it('cuts a long text around the first match', () => {
    const segments = highlight(`${'a '.repeat(200)}needle${' b'.repeat(200)}`, 'needle')
    expect(segments[0]?.text.startsWith('…a a')).toBe(true)
    expect(segments.filter(s => s.match)).toEqual([{ text: 'needle', match: true }])
    expect(segments.at(-1)).toEqual({ text: '…', match: false })
    expect(segments.map(s => s.text).join('').length).toBeLessThan(210)
  })
})
