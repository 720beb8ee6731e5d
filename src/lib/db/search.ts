/**
 * Full-text search across all chats (issue 9, "history at scale").
 *
 * Every message row carries `words` (schema v5, `*words` multiEntry index),
 * filled by the middleware in db.ts from `messageWords`. A query is split the
 * same way; the longest of its words goes through the index, the others are
 * checked in JS against the row. The last query word may be the start of a
 * word (the user is still typing it).
 */
import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow, MessageRow } from './types.ts'

/** A stored word is cut to this many characters (code points). */
export const MAX_WORD_LENGTH = 32
/** At most this many distinct words of one message are indexed (the first ones). */
export const MAX_WORDS_PER_MESSAGE = 256
/** Default and upper bound of `searchMessages`' `limit`. */
export const SEARCH_LIMIT = 50

/** Anything that is not a letter or a digit separates words. */
const SEPARATORS = /[^\p{L}\p{N}]+/u
/** Rows read per step while walking the candidates, newest first. */
const BATCH = 200

/** One word as stored: NFKC, lower case, at most MAX_WORD_LENGTH code points. */
function normaliseWord (word: string): string {
  const lower = word.normalize('NFKC').toLowerCase()
  if (lower.length <= MAX_WORD_LENGTH) return lower
  return Array.from(lower).slice(0, MAX_WORD_LENGTH).join('')
}

/**
 * The distinct normalised words of `text`, in order of first appearance, at
 * most `max`. NFKC runs before splitting, so compatibility forms (full-width
 * letters, ligatures) split like their plain equivalents.
 */
export function words (text: string, max: number = MAX_WORDS_PER_MESSAGE): string[] {
  const out = new Set<string>()
  for (const part of text.normalize('NFKC').split(SEPARATORS)) {
    if (part === '') continue
    out.add(normaliseWord(part))
    if (out.size >= max) break
  }
  return [...out]
}

/** What the `*words` index holds for a message: words of its body, then of its file name. */
export function messageWords (row: Pick<MessageRow, 'body' | 'file'>): string[] {
  const text = row.file === undefined ? row.body : `${row.body} ${row.file.name}`
  return words(text)
}

export interface SearchOptions {
  /** At most this many results (1 … SEARCH_LIMIT; default SEARCH_LIMIT). */
  limit?: number
  /** Aborts a stale search: the promise then rejects with `signal.reason`. */
  signal?: AbortSignal
}

export interface SearchHit {
  message: MessageRow
  contact: ContactRow
}

/** A parsed query: whole words, and the last word that may be a prefix. */
interface Query {
  whole: string[]
  prefix: string
}

function parseQuery (text: string): Query | undefined {
  const all = words(text, 16)
  const prefix = all.pop()
  if (prefix === undefined) return undefined
  return { whole: all, prefix }
}

/** Whether a row's words contain every query word (the last one as a prefix). */
function matches (rowWords: readonly string[], query: Query): boolean {
  const set = new Set(rowWords)
  if (!query.whole.every(w => set.has(w))) return false
  return rowWords.some(w => w.startsWith(query.prefix))
}

/**
 * Messages of all chats containing every word of `query` (the last one may be
 * only the start of a word), newest first, each with its contact. An empty
 * query (no letters or digits) finds nothing.
 *
 * Cost: one key-only index scan for the longest query word, then rows are read
 * newest first in batches until `limit` matches are found.
 */
export async function searchMessages (db: ParleyDb, query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
  const limit = Math.max(1, Math.min(SEARCH_LIMIT, Math.floor(options.limit ?? SEARCH_LIMIT)))
  const { signal } = options
  signal?.throwIfAborted()
  const parsed = parseQuery(query)
  if (parsed === undefined) return []

  // the most selective word: the longest (a whole word over the prefix on a tie)
  const longestWhole = parsed.whole.reduce((a, b) => (b.length > a.length ? b : a), '')
  const usePrefix = parsed.prefix.length > longestWhole.length
  const index = db.messages.where('words')
  const keys = usePrefix
    ? await index.startsWith(parsed.prefix).primaryKeys()
    : await index.equals(longestWhole).primaryKeys()
  signal?.throwIfAborted()

  // ULIDs sort by time: newest first. A prefix scan lists a message once per matching word.
  const ids = [...new Set(keys)].sort().reverse()
  const found: MessageRow[] = []
  for (let start = 0; start < ids.length && found.length < limit; start += BATCH) {
    const rows = await db.messages.bulkGet(ids.slice(start, start + BATCH))
    signal?.throwIfAborted()
    for (const row of rows) {
      if (row !== undefined && matches(messageWords(row), parsed)) found.push(row)
      if (found.length >= limit) break
    }
  }
  found.sort((a, b) => b.sentAt - a.sentAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))

  const contactIds = [...new Set(found.map(m => m.contactId))]
  const contacts = new Map<ContactId, ContactRow>()
  for (const contact of await db.contacts.bulkGet(contactIds)) {
    if (contact !== undefined) contacts.set(contact.id, contact)
  }
  signal?.throwIfAborted()
  const hits: SearchHit[] = []
  for (const message of found) {
    const contact = contacts.get(message.contactId)
    if (contact !== undefined) hits.push({ message, contact })
  }
  return hits
}

/** A piece of a snippet; `match` pieces are shown highlighted (`<mark>`). */
export interface Segment {
  text: string
  match: boolean
}

/** Characters of context kept before the first match in a snippet. */
const SNIPPET_BEFORE = 40
/** Longest snippet, in UTF-16 code units (plus the '…' marks). */
const SNIPPET_LENGTH = 200

/**
 * `text` cut around its first match of `query` and split into plain and
 * matching segments (whole words that equal a query word, or start with its
 * last word), for rendering as text with `<mark>` around the matches.
 */
export function highlight (text: string, query: string): Segment[] {
  const parsed = parseQuery(query)
  const pieces = text.split(/([\p{L}\p{N}]+)/u)
  const isMatch = (piece: string): boolean => {
    if (parsed === undefined || piece === '' || SEPARATORS.test(piece)) return false
    return words(piece, 4).some(w => parsed.whole.includes(w) || w.startsWith(parsed.prefix))
  }

  // find where the first match starts, to centre the snippet on it
  let offset = 0
  let first = -1
  for (const piece of pieces) {
    if (isMatch(piece)) { first = offset; break }
    offset += piece.length
  }
  const start = first <= SNIPPET_BEFORE ? 0 : first - SNIPPET_BEFORE
  const end = Math.min(text.length, start + SNIPPET_LENGTH)

  const segments: Segment[] = []
  if (start > 0) segments.push({ text: '…', match: false })
  offset = 0
  for (const piece of pieces) {
    const pieceStart = offset
    offset += piece.length
    if (offset <= start || pieceStart >= end || piece === '') continue
    const cut = piece.slice(Math.max(0, start - pieceStart), end - pieceStart)
    const match = cut === piece && isMatch(piece)
    const last = segments.at(-1)
    if (last !== undefined && !last.match && !match) last.text += cut
    else segments.push({ text: cut, match })
  }
  if (end < text.length) segments.push({ text: '…', match: false })
  return segments
}
