/**
 * Raw IndexedDB reading for search (search-query.ts): where candidate
 * messages come from, newest first (by id: a ULID, so by the sender's clock).
 *
 * Raw requests rather than Dexie's Collection API, for three things it cannot
 * do: keep several index cursors open in one transaction and step them in
 * turns (the union of the words a prefix stands for), place an index cursor
 * at a primary key (`continuePrimaryKey`, to resume a search after the last
 * message it looked at), and read rows with the index-only `words` still on
 * them (the reading hook in db.ts strips them).
 *
 * Everything here runs inside one readonly transaction: each step awaits only
 * requests of that transaction, so it stays active between them.
 */
import type { MessageId, MessageRow } from './types.ts'

/** A message row as IndexedDB holds it: with the words its `*words` index is built from. */
export type StoredMessage = MessageRow & { words?: unknown }

/** Where candidates come from: the next ones, newest first, below the last ones handed out. */
export interface CandidateSource {
  /** Up to `max` rows (fewer only at the end; none once exhausted). */
  next: (max: number) => Promise<StoredMessage[]>
}

/** The result of one request, as a promise (rejected with the request's error). */
export async function settle<T> (request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => { resolve(request.result) }
    request.onerror = () => { reject(request.error ?? new Error('IndexedDB request failed')) }
  })
}

/**
 * The key range of every word that starts with `prefix`: from `prefix` up to
 * (not including) the string after the last one that starts with it, made by
 * raising its last code unit.
 */
export function prefixRange (keyRange: typeof IDBKeyRange, prefix: string): IDBKeyRange {
  const last = prefix.charCodeAt(prefix.length - 1)
  if (last === 0xffff) return keyRange.lowerBound(prefix)
  return keyRange.bound(prefix, prefix.slice(0, -1) + String.fromCharCode(last + 1), false, true)
}

/**
 * The distinct words of `range` in the `words` index, in key order, at most
 * `max + 1` of them (so the caller can tell "more than max"). A key cursor
 * in `nextunique` direction skips a word's other entries inside IndexedDB.
 */
export async function distinctWords (index: IDBIndex, range: IDBKeyRange, max: number): Promise<string[]> {
  const out: string[] = []
  const request = index.openKeyCursor(range, 'nextunique')
  return new Promise((resolve, reject) => {
    request.onerror = () => { reject(request.error ?? new Error('IndexedDB cursor failed')) }
    request.onsuccess = () => {
      const cursor = request.result
      if (cursor === null) { resolve(out); return }
      out.push(String(cursor.key))
      if (out.length > max) { resolve(out); return }
      cursor.continue()
    }
  })
}

/** One step of a cursor request: `move` continues the cursor, the promise gives where it landed. */
async function step<C extends IDBCursor> (request: IDBRequest<C | null>, move: () => void): Promise<C | null> {
  const landed = settle(request)
  move()
  return landed
}

/**
 * The messages holding one word, newest first: a key-only cursor over the
 * word's entries in the `words` index, in `prev` direction (entries of one key
 * are ordered by primary key).
 */
class WordCursor {
  readonly #word: string
  readonly #request: IDBRequest<IDBCursor | null>
  #cursor: IDBCursor | null

  private constructor (word: string, request: IDBRequest<IDBCursor | null>, cursor: IDBCursor | null) {
    this.#word = word
    this.#request = request
    this.#cursor = cursor
  }

  /** A cursor at the newest message holding `word` whose id is below `before` (when given). */
  static async open (index: IDBIndex, keyRange: typeof IDBKeyRange, word: string, before: MessageId | undefined): Promise<WordCursor> {
    const request = index.openKeyCursor(keyRange.only(word), 'prev')
    const cursor = await settle(request)
    const at = new WordCursor(word, request, cursor)
    if (before !== undefined) await at.#seekBelow(before)
    return at
  }

  /** The id it stands at; undefined once past the oldest. */
  get id (): MessageId | undefined {
    return this.#cursor === null ? undefined : this.#cursor.primaryKey as MessageId
  }

  async advance (): Promise<void> {
    const cursor = this.#cursor
    if (cursor === null) return
    this.#cursor = await step(this.#request, () => { cursor.continue() })
  }

  /** Moves to the newest entry whose id is below `before` (IndexedDB walks there itself). */
  async #seekBelow (before: MessageId): Promise<void> {
    const cursor = this.#cursor
    if (cursor !== null && (cursor.primaryKey as string) > before) {
      this.#cursor = await step(this.#request, () => { cursor.continuePrimaryKey(this.#word, before) })
    }
    if (this.id === before) await this.advance()
  }
}

/** Reads rows by id, all requests at once (one transaction, so they queue inside IndexedDB without round trips between). */
async function readRows (store: IDBObjectStore, ids: readonly MessageId[]): Promise<StoredMessage[]> {
  const rows = await Promise.all(ids.map(async id => settle(store.get(id) as IDBRequest<StoredMessage | undefined>)))
  return rows.filter((row): row is StoredMessage => row !== undefined)
}

/**
 * Candidates holding any of `words` (one word, or the few a typed prefix stands
 * for): the union of one cursor per word, newest first, each message once.
 */
export async function wordsSource (store: IDBObjectStore, keyRange: typeof IDBKeyRange, words: readonly string[], before: MessageId | undefined): Promise<CandidateSource> {
  const index = store.index('words')
  const cursors = await Promise.all(words.map(async word => WordCursor.open(index, keyRange, word, before)))
  return {
    next: async (max) => {
      const ids: MessageId[] = []
      while (ids.length < max) {
        let newest: MessageId | undefined
        for (const cursor of cursors) {
          const id = cursor.id
          if (id !== undefined && (newest === undefined || id > newest)) newest = id
        }
        if (newest === undefined) break
        ids.push(newest)
        await Promise.all(cursors.filter(c => c.id === newest).map(async c => { await c.advance() }))
      }
      return readRows(store, ids)
    }
  }
}

/** Candidates from a list of ids (any order, repeats allowed): newest first, each once, below `before`. */
export function idsSource (store: IDBObjectStore, ids: readonly MessageId[], before: MessageId | undefined): CandidateSource {
  const sorted = [...new Set(ids)].filter(id => before === undefined || id < before).sort().reverse()
  let at = 0
  return {
    next: async (max) => {
      const slice = sorted.slice(at, at + max)
      at += slice.length
      return readRows(store, slice)
    }
  }
}

/** Every message, newest first, below `before`: a value cursor over the store itself. */
export async function scanSource (store: IDBObjectStore, keyRange: typeof IDBKeyRange, before: MessageId | undefined): Promise<CandidateSource> {
  const request = store.openCursor(before === undefined ? null : keyRange.upperBound(before, true), 'prev')
  let cursor = await settle(request)
  return {
    next: async (max) => {
      const rows: StoredMessage[] = []
      while (cursor !== null && rows.length < max) {
        rows.push(cursor.value as StoredMessage)
        const current = cursor
        cursor = await step(request, () => { current.continue() })
      }
      return rows
    }
  }
}
