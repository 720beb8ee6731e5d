/**
 * Mentions in group messages: `@` and a member's name, written as text (the
 * wire carries no mention markup, so any client shows them as they were
 * typed). The composer offers members' names as `@` is typed; a bubble
 * highlights `@Name` for every name of the group, and marks the message when
 * one of them is ours.
 *
 * A mention starts at `@` that does not follow a letter or digit (so
 * `ann@example.org` is none) and ends where the name ends, before anything
 * but a letter or digit (`@Bob,` and `@Bob!` are mentions of Bob, `@Bobby`
 * is not). Names compare case-insensitively; the longest name wins
 * (`@Ann Lee` over `@Ann`).
 */
import type { Segment } from './linkify.ts'

/** A body's segments with mentions split out of its text. */
export type MentionSegment =
  | Segment
  | { kind: 'mention', text: string, me: boolean }

/** Suggestions the composer offers at once. */
export const MAX_SUGGESTIONS = 8
/** A query longer than this (in characters after `@`) is no mention being typed. */
export const MAX_QUERY_CHARS = 64

const WORD = /[\p{L}\p{N}]/u

function isWordChar (char: string | undefined): boolean {
  return char !== undefined && WORD.test(char)
}

/** A name to look for: as written, and lowercased to compare. */
interface Wanted {
  name: string
  lower: string
}

/** Names to look for, longest first, without blanks and repeats. */
function prepared (names: readonly string[]): Wanted[] {
  const unique = new Map<string, Wanted>()
  for (const raw of names) {
    const name = raw.trim()
    if (name !== '') unique.set(name.toLocaleLowerCase(), { name, lower: name.toLocaleLowerCase() })
  }
  return [...unique.values()].sort((a, b) => b.name.length - a.name.length)
}

/** The name mentioned at `text[at]` (an `@`), of `names`, or undefined. */
function nameAt (text: string, at: number, names: readonly Wanted[]): Wanted | undefined {
  if (text[at] !== '@' || isWordChar(text[at - 1])) return undefined
  for (const wanted of names) {
    const end = at + 1 + wanted.name.length
    if (text.slice(at + 1, end).toLocaleLowerCase() === wanted.lower && !isWordChar(text[end])) return wanted
  }
  return undefined
}

/**
 * `segments` (linkify's) with each mention of one of `names` in their text
 * split out; `me` is our own name in the group (its mentions are marked).
 * Links are left whole.
 */
export function markMentions (segments: readonly Segment[], names: readonly string[], me: string | undefined): MentionSegment[] {
  const wanted = prepared(names)
  if (wanted.length === 0) return [...segments]
  const mine = me?.trim().toLocaleLowerCase()
  const out: MentionSegment[] = []
  for (const segment of segments) {
    if (segment.kind !== 'text' || !segment.text.includes('@')) {
      out.push(segment)
      continue
    }
    const { text } = segment
    let from = 0
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      const found = nameAt(text, at, wanted)
      if (found === undefined) continue
      if (at > from) out.push({ kind: 'text', text: text.slice(from, at) })
      const end = at + 1 + found.name.length
      out.push({ kind: 'mention', text: text.slice(at, end), me: found.lower === mine })
      from = end
      at = end - 1
    }
    if (from < text.length) out.push({ kind: 'text', text: text.slice(from) })
  }
  return out
}

/** Whether `text` mentions `name`. */
export function mentions (text: string, name: string): boolean {
  return markMentions([{ kind: 'text', text }], [name], name).some(s => s.kind === 'mention')
}

/** The mention being typed: where its `@` is, and what follows it up to the caret. */
export interface MentionQuery {
  start: number
  query: string
}

/** The mention being typed at `caret` in `text`, or undefined (no `@` that starts a mention, or a line break since). */
export function mentionQuery (text: string, caret: number): MentionQuery | undefined {
  const before = text.slice(0, caret)
  const start = before.lastIndexOf('@')
  if (start === -1 || isWordChar(before[start - 1])) return undefined
  const query = before.slice(start + 1)
  if (query.length > MAX_QUERY_CHARS || /[\n\r@]/.test(query)) return undefined
  return { start, query }
}

/**
 * The names offered for `query`: those that start with it first, then those
 * with a word that starts with it, each group by name; at most
 * MAX_SUGGESTIONS. An empty query offers everyone.
 */
export function suggest<T extends { name: string }> (people: readonly T[], query: string): T[] {
  const q = query.toLocaleLowerCase()
  const starts: T[] = []
  const inside: T[] = []
  for (const person of people) {
    const name = person.name.toLocaleLowerCase()
    if (name.startsWith(q)) starts.push(person)
    else if (name.split(/\s+/).some(word => word.startsWith(q))) inside.push(person)
  }
  const byName = (a: T, b: T): number => a.name.localeCompare(b.name)
  return [...starts.sort(byName), ...inside.sort(byName)].slice(0, MAX_SUGGESTIONS)
}

/** `text` with the mention typed at `at` (its `@` and query up to `caret`) replaced by `@name `; and where the caret goes. */
export function insertMention (text: string, at: MentionQuery, caret: number, name: string): { text: string, caret: number } {
  const inserted = `@${name} `
  const after = text.slice(caret).replace(/^ /, '')
  return { text: text.slice(0, at.start) + inserted + after, caret: at.start + inserted.length }
}
