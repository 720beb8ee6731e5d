/**
 * Full-text search across all chats (issue 9, "history at scale"; bounded in
 * issue 21): messages holding every word of a query, the last one possibly
 * only begun, newest first, a page at a time.
 *
 * One call is bounded whatever the query: it counts the index entries of each
 * query word (IndexedDB counts inside the database), takes the candidates of
 * the rarest usable term newest first, checks each against the row's stored
 * words, and stops at `limit` hits or after `MAX_EXAMINED` candidates. Then it
 * says where to go on (`next`), so a caller shows what it has and asks again:
 * a page of results never waits on a scan of the whole history.
 *
 * The typed prefix (the last word) stands for every stored word that starts
 * with it. Its candidates are the union of those words' entries while they
 * are few (`MAX_PREFIX_WORDS`), else all its entries sorted in memory while
 * those are few (`MAX_PREFIX_KEYS`); a short prefix with more than that is
 * only checked on rows, whose candidates come from the other words or, if it
 * is the only word, from the messages themselves, newest first.
 *
 * Messages deleted with their chat (db/contacts.ts `deleteContact`) leave the
 * store and their index entries with them in one transaction: nothing here
 * can find them.
 */
import type { ParleyDb } from './db.ts'
import { idsSource, distinctWords, prefixRange, scanSource, settle, wordsSource, type CandidateSource, type StoredMessage } from './search-cursors.ts'
import { matches, messageWords, parseQuery, type Query } from './search.ts'
import { GROUP_CONTACT_ID } from './groups.ts'
import type { ContactId, ContactRow, GroupRow, MessageId, MessageRow } from './types.ts'

/** Default and upper bound of a page (`limit`). */
export const SEARCH_LIMIT = 50
/**
 * Most candidates one call looks at before it returns what it found with
 * `next`: about 50 ms of row reads in Chromium on a slow machine (16–45 µs a row).
 */
export const MAX_EXAMINED = 1_000
/** A prefix that stands for at most this many words is read as their union (one cursor each). */
export const MAX_PREFIX_WORDS = 32
/** A prefix with more words but at most this many index entries is read whole and sorted (3–4 µs an entry). */
export const MAX_PREFIX_KEYS = 8_192
/** Candidates read per step (rows fetched together). */
const BATCH = 100

export interface SearchOptions {
  /** At most this many results (1 … SEARCH_LIMIT; default SEARCH_LIMIT). */
  limit?: number
  /** Go on from a previous page: its `next`. */
  after?: MessageId
  /** Aborts a stale search: the promise then rejects with `signal.reason`. */
  signal?: AbortSignal
}

/** A message found, with its chat: a contact's, or a group's (contact 0; the group as we hold it now). */
export type SearchHit =
  | { message: MessageRow, contact: ContactRow, group?: undefined }
  | { message: MessageRow, group: GroupRow, contact?: undefined }

export interface SearchPage {
  /** Matches, newest first (by id: a ULID, so by the sender's clock). */
  hits: SearchHit[]
  /**
   * Where older matches may still be: pass it as `after` for the next page.
   * Undefined once every candidate has been looked at. A page may hold fewer
   * than `limit` hits (even none) and still have a `next`: the call stopped
   * after MAX_EXAMINED candidates.
   */
  next?: MessageId
}

/** Where one search's candidates come from, and what the choice costs (index entries). */
type Plan =
  | { kind: 'none' }
  | { kind: 'words', words: string[] }
  | { kind: 'ids', range: IDBKeyRange }
  | { kind: 'scan' }

/**
 * The cheapest way to the candidates: the whole word with the fewest entries,
 * or the prefix if it has fewer and can be read in order; all messages when
 * the query is one short prefix with too many words and entries. 'none' when
 * some word has no entry at all (no message can match).
 */
async function plan (index: IDBIndex, keyRange: typeof IDBKeyRange, query: Query): Promise<Plan> {
  const range = prefixRange(keyRange, query.prefix)
  const [prefixCount, ...wholeCounts] = await Promise.all([
    settle(index.count(range)),
    ...query.whole.map(async word => settle(index.count(keyRange.only(word))))
  ])
  if (prefixCount === 0 || wholeCounts.includes(0)) return { kind: 'none' }
  let best: Plan = { kind: 'scan' }
  let cost = Infinity
  query.whole.forEach((word, i) => {
    const count = wholeCounts[i] ?? Infinity
    if (count < cost) { best = { kind: 'words', words: [word] }; cost = count }
  })
  if (prefixCount >= cost) return best
  const expanded = await distinctWords(index, range, MAX_PREFIX_WORDS)
  if (expanded.length <= MAX_PREFIX_WORDS) return { kind: 'words', words: expanded }
  if (prefixCount <= MAX_PREFIX_KEYS) return { kind: 'ids', range }
  return best
}

async function openSource (store: IDBObjectStore, keyRange: typeof IDBKeyRange, chosen: Plan, after: MessageId | undefined): Promise<CandidateSource | undefined> {
  switch (chosen.kind) {
    case 'none': return undefined
    case 'words': return wordsSource(store, keyRange, chosen.words, after)
    case 'ids': {
      const ids = await settle(store.index('words').getAllKeys(chosen.range)) as MessageId[]
      return idsSource(store, ids, after)
    }
    case 'scan': return scanSource(store, keyRange, after)
  }
}

/** The words a row was indexed by (stored with it; computed again for a row that lacks them). */
function storedWords (row: StoredMessage): readonly string[] {
  return Array.isArray(row.words) ? row.words as string[] : messageWords(row)
}

/** The row as the app sees it: without the index-only `words`. */
function plain (row: StoredMessage): MessageRow {
  const { words: _words, ...message } = row
  return message
}

interface Found {
  rows: MessageRow[]
  next?: MessageId
}

/** Inside one readonly transaction: the plan, then candidates in batches until the page is full or the bound is reached. */
async function findRows (db: ParleyDb, idb: IDBTransaction, query: Query, limit: number, after: MessageId | undefined, signal: AbortSignal | undefined): Promise<Found> {
  const store = idb.objectStore('messages')
  const chosen = await plan(store.index('words'), db.keyRange, query)
  signal?.throwIfAborted()
  const source = await openSource(store, db.keyRange, chosen, after)
  if (source === undefined) return { rows: [] }
  const rows: MessageRow[] = []
  let examined = 0
  let last: MessageId | undefined
  while (examined < MAX_EXAMINED) {
    const batch = await source.next(Math.min(BATCH, MAX_EXAMINED - examined))
    signal?.throwIfAborted()
    if (batch.length === 0) return { rows }
    for (const row of batch) {
      examined++
      last = row.id
      if (!matches(storedWords(row), query)) continue
      rows.push(plain(row))
      if (rows.length >= limit) return { rows, next: last }
    }
  }
  return last === undefined ? { rows } : { rows, next: last }
}

/**
 * A page of messages of all chats and groups containing every word of `query`
 * (the last one may be only the start of a word), newest first, each with its
 * contact or its group.
 * An empty query (no letters or digits) finds nothing. Pass a page's `next`
 * as `after` for the page after it.
 */
export async function searchMessages (db: ParleyDb, query: string, options: SearchOptions = {}): Promise<SearchPage> {
  const limit = Math.max(1, Math.min(SEARCH_LIMIT, Math.floor(options.limit ?? SEARCH_LIMIT)))
  const { signal, after } = options
  signal?.throwIfAborted()
  const parsed = parseQuery(query)
  if (parsed === undefined) return { hits: [] }

  const found = await db.transaction('r', db.messages, async tx => findRows(db, tx.idbtrans, parsed, limit, after, signal))
  signal?.throwIfAborted()

  const contactIds = [...new Set(found.rows.map(m => m.contactId).filter(id => id !== GROUP_CONTACT_ID))]
  const contacts = new Map<ContactId, ContactRow>()
  for (const contact of await db.contacts.bulkGet(contactIds)) {
    if (contact !== undefined) contacts.set(contact.id, contact)
  }
  const groupIds = [...new Set(found.rows.flatMap(m => m.contactId === GROUP_CONTACT_ID && m.groupId !== undefined ? [m.groupId] : []))]
  const groups = new Map<string, GroupRow>()
  for (const group of await db.groups.bulkGet(groupIds)) {
    if (group !== undefined) groups.set(group.id, group)
  }
  signal?.throwIfAborted()
  const hits: SearchHit[] = []
  for (const message of found.rows) {
    const group = message.groupId === undefined ? undefined : groups.get(message.groupId)
    const contact = contacts.get(message.contactId)
    if (group !== undefined) hits.push({ message, group })
    else if (contact !== undefined) hits.push({ message, contact })
  }
  return found.next === undefined ? { hits } : { hits, next: found.next }
}
