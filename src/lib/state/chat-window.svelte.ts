/**
 * The messages an open chat shows: a bounded window over the chat's
 * index (issue 9, "history at scale"): `[contactId+sentAt+id]` for a
 * contact, the group order for a group (chat-scope.ts).
 *
 * The window is a key range [low, high] of that index (`high` open while it
 * reaches the newest message). A liveQuery over exactly that range keeps the
 * rows current (new messages, receipts); paging only moves the bounds, after a
 * key-only read of at most one page. Nothing ever counts or loads the whole
 * chat, so a chat of 100,000 messages opens as fast as one of 50.
 */
import { liveQuery } from 'dexie'
import type { ParleyDb } from '../db/db.ts'
import type { ContactId, MessageId, MessageRow } from '../db/types.ts'
import type { SeenMark } from '../pwa/unread.ts'
import { chatScope, type ChatRef, type ChatScope, type IndexKey } from './chat-scope.ts'
import { reuseRows } from './reuse-rows.ts'

/** Messages read per page (when opening, and per step up or down). */
export const PAGE = 50
/** At most this many messages stay in the window: paging drops the far end. */
export const MAX_WINDOW = 200

/** Messages shown before the first unread one when a chat opens there (paging brings more). */
export const UNREAD_CONTEXT = 10

/** A key of the chat's index (chat-scope.ts). */
type ChatKey = IndexKey

interface Bounds {
  /** inclusive; undefined: from the chat's first message */
  low?: ChatKey
  /** inclusive; undefined: up to the newest message (live) */
  high?: ChatKey
}

export class ChatWindow {
  #rows = $state.raw<readonly MessageRow[]>([])
  #loaded = $state(false)
  #error = $state.raw<unknown>(undefined)
  #atNewest = $state(true)
  #atOldest = $state(false)
  #busy = $state(false)
  #target = $state<MessageId | undefined>(undefined)
  #firstUnread = $state<MessageId | undefined>(undefined)

  readonly #db: ParleyDb
  readonly #scope: ChatScope
  #bounds: Bounds = {}
  #subscription: { unsubscribe: () => void } | undefined
  /** Bumped on every re-subscription: results of an older one are ignored. */
  #generation = 0
  #closed = false

  /** `chat`: a contact's id, or which chat (chat-scope.ts) */
  constructor (db: ParleyDb, chat: ContactId | ChatRef) {
    this.#db = db
    this.#scope = chatScope(chat)
  }

  /** The window's messages in display order (a contact's: sentAt, then id; a group's: its order). */
  get rows (): readonly MessageRow[] { return this.#rows }
  /** False until the first rows (or error) arrive. */
  get loaded (): boolean { return this.#loaded }
  /** The last read error, cleared by the next result. */
  get error (): unknown { return this.#error }
  /** The window holds the chat's newest message and follows new ones. */
  get atNewest (): boolean { return this.#atNewest }
  /** The window holds the chat's first message: nothing older to load. */
  get atOldest (): boolean { return this.#atOldest }
  /** A page is being read (the sentinels wait for it). */
  get busy (): boolean { return this.#busy }
  /** The message `openAt` asked for, once it is in the window (for scrolling to it). */
  get target (): MessageId | undefined { return this.#target }
  /**
   * The chat's first unread message when `openAtUnread` opened it there (the
   * screen starts there and marks it); kept while the window moves.
   */
  get firstUnread (): MessageId | undefined { return this.#firstUnread }

  /** Shows the newest page. */
  async openLatest (): Promise<void> {
    await this.#step(async () => {
      const { keys, more } = await this.#keys(this.#chatLow(), this.#chatHigh(), true, true, 'older', PAGE)
      this.#target = undefined
      this.#watch({ low: keys.at(-1) }, { atNewest: true, atOldest: !more })
    })
  }

  /**
   * Shows the part of the chat around message `id` (a search result). Falls
   * back to the newest page when the message is not in this chat.
   *
   * @returns whether the message was found
   */
  async openAt (id: MessageId): Promise<boolean> {
    const row = await this.#db.messages.get(id)
    if (row === undefined || !this.#scope.holds(row)) {
      await this.openLatest()
      return false
    }
    await this.#openAround(row, PAGE / 2, id)
    return true
  }

  /**
   * Shows the chat from its first unread message (a contact's first
   * incoming one after `seen`, a group's first not read: chat-scope.ts),
   * with UNREAD_CONTEXT messages before it, or its newest page when nothing
   * is unread or nothing of a contact's chat was seen yet in this browser.
   *
   * @returns the first unread message's id, which `firstUnread` keeps
   */
  async openAtUnread (seen: SeenMark | undefined): Promise<MessageId | undefined> {
    let first: MessageRow | undefined
    try {
      first = await this.#scope.firstUnread(this.#db, seen)
    } catch (err) {
      // the newest page is still worth showing; the error is said if that read fails too
      console.error('parley: reading the first unread message failed', err)
    }
    if (first === undefined) {
      await this.openLatest()
      return undefined
    }
    this.#firstUnread = first.id
    await this.#openAround(first, UNREAD_CONTEXT, undefined)
    return first.id
  }

  /**
   * Moves the window to a page holding `row`: up to `before` messages before
   * it and as many after it as fill a page; when fewer follow, more before
   * it, and when fewer precede it, more after it.
   * `target` becomes the window's target (a link's message) with the rows.
   */
  async #openAround (row: MessageRow, before: number, target: MessageId | undefined): Promise<void> {
    await this.#step(async () => {
      const at = this.#scope.keyOf(row)
      let newer = await this.#keys(at, this.#chatHigh(), false, true, 'newer', PAGE - 1 - before)
      const older = await this.#keys(this.#chatLow(), at, true, false, 'older', PAGE - 1 - newer.keys.length)
      // near the chat's start: fewer before it, so more after it
      if (newer.more && older.keys.length < before) newer = await this.#keys(at, this.#chatHigh(), false, true, 'newer', PAGE - 1 - older.keys.length)
      const newest = !newer.more
      this.#target = target
      this.#watch({ low: older.keys.at(-1) ?? at, high: newest ? undefined : newer.keys.at(-1) ?? at }, { atNewest: newest, atOldest: !older.more })
    })
  }

  /** Adds the page before the window (dropping from the newest end beyond MAX_WINDOW). */
  async loadOlder (): Promise<void> {
    if (this.#atOldest || this.#busy) return
    const first = this.#rows[0]
    if (first === undefined) return
    await this.#step(async () => {
      const { keys, more } = await this.#keys(this.#chatLow(), this.#scope.keyOf(first), true, false, 'older', PAGE)
      const low = keys.at(-1)
      if (low === undefined) {
        this.#atOldest = !more
        this.#busy = false
        return
      }
      const keep = MAX_WINDOW - keys.length
      const dropNewest = this.#rows.length > keep
      const lastKept = this.#rows[keep - 1]
      const high = dropNewest && lastKept !== undefined ? this.#scope.keyOf(lastKept) : this.#bounds.high
      this.#watch({ low, high }, { atNewest: high === undefined, atOldest: !more })
    })
  }

  /** Adds the page after the window (dropping from the oldest end beyond MAX_WINDOW). */
  async loadNewer (): Promise<void> {
    if (this.#atNewest || this.#busy) return
    const last = this.#rows.at(-1)
    if (last === undefined) return
    await this.#step(async () => {
      const { keys, more } = await this.#keys(this.#scope.keyOf(last), this.#chatHigh(), false, true, 'newer', PAGE)
      const newest = !more
      const excess = this.#rows.length + keys.length - MAX_WINDOW
      const firstKept = excess > 0 ? this.#rows[excess] : undefined
      const low = firstKept !== undefined ? this.#scope.keyOf(firstKept) : this.#bounds.low
      this.#watch({ low, high: newest ? undefined : keys.at(-1) }, { atNewest: newest, atOldest: firstKept !== undefined ? false : undefined })
    })
  }

  /** Stops the live query; the window is done. */
  close (): void {
    this.#closed = true
    this.#subscription?.unsubscribe()
    this.#subscription = undefined
  }

  async #step (work: () => Promise<void>): Promise<void> {
    this.#busy = true
    try {
      await work()
    } catch (err) {
      this.#error = err
      this.#loaded = true
      this.#busy = false
    }
  }

  /** Below every key of this chat (Dexie.minKey sorts before any other key part). */
  #chatLow (): ChatKey {
    return this.#scope.low
  }

  /** Above every key of this chat. */
  #chatHigh (): ChatKey {
    return this.#scope.high
  }

  /**
   * Up to `limit` index keys between `from` and `to`, nearest to the window
   * first, plus one more when there is one: a result longer than `limit`
   * tells the caller there is more beyond (it uses only the first `limit`).
   */
  async #keys (from: ChatKey, to: ChatKey, includeFrom: boolean, includeTo: boolean, direction: 'older' | 'newer', limit: number): Promise<{ keys: ChatKey[], more: boolean }> {
    let collection = this.#db.messages.where(this.#scope.index).between(from, to, includeFrom, includeTo)
    if (direction === 'older') collection = collection.reverse()
    const keys = await collection.limit(limit + 1).keys() as unknown as ChatKey[]
    return { keys: keys.slice(0, limit), more: keys.length > limit }
  }

  /**
   * Moves the window to `bounds` and follows that range live. Whether it
   * reaches the chat's ends (`ends`; atOldest unchanged when not given)
   * changes with the range's first rows, not before: until they come, the
   * rows shown are the old range's, and announced messages must not be
   * added after them.
   */
  #watch (bounds: Bounds, ends: { atNewest: boolean, atOldest?: boolean | undefined }): void {
    if (this.#closed) return
    this.#bounds = bounds
    this.#subscription?.unsubscribe()
    const generation = ++this.#generation
    const low = bounds.low ?? this.#chatLow()
    const high = bounds.high ?? this.#chatHigh()
    const query = async (): Promise<MessageRow[]> =>
      this.#db.messages.where(this.#scope.index).between(low, high, true, true).toArray()
    this.#subscription = liveQuery(query).subscribe({
      next: (rows) => {
        if (generation !== this.#generation) return
        // unchanged rows keep their objects, so only what changed renders again
        this.#rows = reuseRows(this.#rows, rows)
        this.#atNewest = ends.atNewest
        if (ends.atOldest !== undefined) this.#atOldest = ends.atOldest
        this.#error = undefined
        this.#loaded = true
        this.#busy = false
        // new messages kept arriving while at the newest: keep the window bounded
        const excess = rows.length - MAX_WINDOW - PAGE
        const firstKept = rows[excess + PAGE]
        if (excess > 0 && this.#bounds.high === undefined && firstKept !== undefined) {
          this.#watch({ low: this.#scope.keyOf(firstKept) }, { atNewest: true, atOldest: false })
        }
      },
      error: (err: unknown) => {
        if (generation !== this.#generation) return
        console.error('parley: chat window query failed', err)
        this.#error = err
        this.#loaded = true
        this.#busy = false
      }
    })
  }
}
