/**
 * Full-text search across all chats (issue 9, "history at scale").
 *
 * Every message row carries `words` (schema v5, `*words` multiEntry index),
 * filled by the middleware in db.ts from `messageWords`. A query is split the
 * same way; the last query word may be the start of a word (the user is still
 * typing it). This module holds the words, the query and the snippets; the
 * search itself is in search-query.ts.
 */
import type { MessageRow } from './types.ts'

/** A stored word is cut to this many characters (code points). */
export const MAX_WORD_LENGTH = 32
/** At most this many distinct words of one message are indexed (the first ones). */
export const MAX_WORDS_PER_MESSAGE = 256

/** Anything that is not a letter or a digit separates words. */
const SEPARATORS = /[^\p{L}\p{N}]+/u

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

/** A parsed query: whole words, and the last word that may be a prefix. */
export interface Query {
  whole: string[]
  prefix: string
}

/** At most this many words of a query count (the first ones). */
export const MAX_QUERY_WORDS = 16

/** `text` as a query: its words, the last one as a prefix; undefined when it has none. */
export function parseQuery (text: string): Query | undefined {
  const all = words(text, MAX_QUERY_WORDS)
  const prefix = all.pop()
  if (prefix === undefined) return undefined
  return { whole: all, prefix }
}

/** Whether a message's words contain every query word (the last one as a prefix). */
export function matches (rowWords: readonly string[], query: Query): boolean {
  if (!query.whole.every(w => rowWords.includes(w))) return false
  return rowWords.some(w => w.startsWith(query.prefix))
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
