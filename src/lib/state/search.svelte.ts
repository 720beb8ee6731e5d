/**
 * The search screen's state (routes/Search.svelte): the query, the hits shown
 * and the way on to older ones.
 *
 * Every change of the query starts a search at once, with no typing pause:
 * the one before it is aborted (each call of db/search-query.ts is bounded
 * and checks its signal between steps, so a stale one stops within a step).
 * A call may come back with fewer hits than a page and a `next` (it looked at
 * its bound of candidates): the manager shows what it has and goes on until
 * the page is full or nothing is left. Older pages come on demand (`more()`,
 * when the end of the list scrolls into view), up to MAX_SHOWN hits.
 *
 * ```ts
 * const search = new SearchManager((query, options) => searchMessages(getDb(), query, options))
 * $effect(() => () => { search.reset() })
 * ```
 */
import type { SearchHit, SearchOptions, SearchPage } from '../db/search-query.ts'
import { SEARCH_LIMIT, searchMessages } from '../db/search-query.ts'
import { highlight, type Segment } from '../db/search.ts'
import type { MessageId } from '../db/types.ts'
import { t } from '../i18n/index.ts'
import { errorMessage, isAbortError } from '../i18n/handle-error.ts'
import { getDb } from './live.svelte.ts'

/** At most this many hits are listed; past them the screen asks for more words. */
export const MAX_SHOWN = 500

/** One bounded search call (db/search-query.ts `searchMessages` on the tab's database). */
export type SearchRunner = (query: string, options: SearchOptions) => Promise<SearchPage>

export class SearchManager {
  readonly #run: SearchRunner

  #query = $state('')
  #hits = $state.raw<readonly SearchHit[]>([])
  #answered = $state('')
  #next = $state<MessageId | undefined>(undefined)
  #searching = $state(false)
  #error = $state('')
  /** Aborts the search in flight (the query's first page, or `more()`). */
  #controller: AbortController | undefined

  /** `run`: searches this tab's database unless given (tests). */
  constructor (run: SearchRunner = async (query, options) => searchMessages(getDb(), query, options)) {
    this.#run = run
  }

  /** What is in the search box. */
  get query (): string { return this.#query }
  /** The hits shown, newest first. */
  get hits (): readonly SearchHit[] { return this.#hits }
  /** The query the hits answer ('' before the first answer, and for an empty box). */
  get answered (): string { return this.#answered }
  /** `text` (a hit's body or file name) cut into segments, those matching the answered query marked. */
  highlight (text: string): Segment[] { return highlight(text, this.#answered) }
  /** A search is running (the first page, or more). */
  get searching (): boolean { return this.#searching }
  /** Why the last search failed, in words; '' otherwise. */
  get error (): string { return this.#error }
  /** Older hits may exist and can be asked for with `more()`. */
  get hasMore (): boolean { return this.#next !== undefined && this.#hits.length < MAX_SHOWN }
  /** The list stopped at MAX_SHOWN with older hits left. */
  get capped (): boolean { return this.#next !== undefined && this.#hits.length >= MAX_SHOWN }

  /** The box changed: search for `text` now (an empty one clears the results). */
  setQuery (text: string): void {
    this.#query = text
    const query = text.trim()
    if (query === this.#answered && !this.#searching && this.#error === '') return
    this.#abort()
    this.#error = ''
    if (query === '') {
      this.#hits = []
      this.#answered = ''
      this.#next = undefined
      this.#searching = false
      return
    }
    void this.#fill(query, undefined, [])
  }

  /** The next page of older hits, if there may be some and no search is running. */
  more (): void {
    if (this.#searching || !this.hasMore) return
    void this.#fill(this.#answered, this.#next, this.#hits)
  }

  /** Stops any search and forgets everything (the screen closes). */
  reset (): void {
    this.#abort()
    this.#query = ''
    this.#hits = []
    this.#answered = ''
    this.#next = undefined
    this.#searching = false
    this.#error = ''
  }

  #abort (): void {
    this.#controller?.abort()
    this.#controller = undefined
  }

  /**
   * Calls the runner from `after` until `before` has grown by a page (or
   * nothing is left), showing each call's hits as they come: one with hits, or
   * the last one, replaces what is shown.
   */
  async #fill (query: string, after: MessageId | undefined, before: readonly SearchHit[]): Promise<void> {
    const controller = new AbortController()
    this.#controller = controller
    this.#searching = true
    const want = Math.min(MAX_SHOWN, before.length + SEARCH_LIMIT)
    let hits = before
    let next = after
    try {
      do {
        const page = await this.#run(query, { limit: Math.min(SEARCH_LIMIT, want - hits.length), signal: controller.signal, ...(next === undefined ? {} : { after: next }) })
        if (controller.signal.aborted) return
        hits = page.hits.length === 0 ? hits : [...hits, ...page.hits]
        next = page.next
        if (page.hits.length > 0 || next === undefined || hits !== before) {
          this.#hits = hits
          this.#answered = query
          this.#next = next
        }
      } while (next !== undefined && hits.length < want)
    } catch (err) {
      if (controller.signal.aborted || isAbortError(err)) return
      this.#error = t('search.error', { error: errorMessage(err) })
    } finally {
      if (this.#controller === controller) {
        this.#controller = undefined
        this.#searching = false
      }
    }
  }
}
