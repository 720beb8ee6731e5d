/**
 * The search screen's state (state/search.svelte.ts) over a fake runner whose
 * answers the test gives by hand: a search per keystroke with the one before
 * it aborted, bounded calls followed until a page is full, older pages on
 * demand up to MAX_SHOWN, errors in words.
 */
import { describe, expect, it, vi } from 'vitest'
import type { SearchHit, SearchOptions, SearchPage } from '../../../src/lib/db/search-query.ts'
import { SEARCH_LIMIT } from '../../../src/lib/db/search-query.ts'
import type { ContactRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { MAX_SHOWN, SearchManager } from '../../../src/lib/state/search.svelte.ts'

interface Call {
  query: string
  options: SearchOptions
  resolve: (page: SearchPage) => void
  reject: (err: unknown) => void
}

/** A runner whose calls wait for the test. */
function fakeRunner (): { calls: Call[], run: (query: string, options: SearchOptions) => Promise<SearchPage> } {
  const calls: Call[] = []
  return {
    calls,
    run: async (query, options) => new Promise((resolve, reject) => { calls.push({ query, options, resolve, reject }) })
  }
}

const contact = { id: 1, username: 'alice' } as unknown as ContactRow

/** `count` hits with ids `<tag>-<n>`, counting down from `from` (newest first). */
function hits (tag: string, count: number, from = 999): SearchHit[] {
  return Array.from({ length: count }, (_, i) => ({
    message: { id: `${tag}-${String(from - i).padStart(4, '0')}` } as unknown as MessageRow,
    contact
  }))
}

const ids = (list: readonly SearchHit[]): string[] => list.map(h => h.message.id)

describe('SearchManager', () => {
  it('searches at every change, aborting the search before; a stale answer is never shown', async () => {
    const { calls, run } = fakeRunner()
    const search = new SearchManager(run)
    search.setQuery('c')
    expect(calls.map(c => c.query)).toEqual(['c'])
    expect(search.searching).toBe(true)
    search.setQuery('co')
    search.setQuery('cof ')
    expect(calls.map(c => c.query)).toEqual(['c', 'co', 'cof'])
    expect(calls.map(c => c.options.signal?.aborted)).toEqual([true, true, false])
    expect(calls[2]?.options).toMatchObject({ limit: SEARCH_LIMIT })
    expect(calls[2]?.options.after).toBeUndefined()

    calls[0]?.resolve({ hits: hits('stale', 3) })
    calls[2]?.resolve({ hits: hits('cof', 2) })
    await vi.waitFor(() => { expect(search.searching).toBe(false) })
    expect(ids(search.hits)).toEqual(['cof-0999', 'cof-0998'])
    expect(search.answered).toBe('cof')
    expect(search.hasMore).toBe(false)
    // a trailing space does not search again
    search.setQuery('cof  ')
    expect(calls).toHaveLength(3)
    expect(search.query).toBe('cof  ')
  })

  it('follows a bounded call\'s next until the page is full, keeping the old hits until new ones come', async () => {
    const { calls, run } = fakeRunner()
    const search = new SearchManager(run)
    search.setQuery('old')
    calls[0]?.resolve({ hits: hits('old', 1) })
    await vi.waitFor(() => { expect(search.answered).toBe('old') })

    search.setQuery('rare')
    calls[1]?.resolve({ hits: [], next: 'x-0500' as MessageId })
    await vi.waitFor(() => { expect(calls).toHaveLength(3) })
    // nothing found yet: the old answer stays, the search goes on from where the call stopped
    expect(search.answered).toBe('old')
    expect(search.searching).toBe(true)
    expect(calls[2]?.options).toMatchObject({ after: 'x-0500', limit: SEARCH_LIMIT })

    calls[2]?.resolve({ hits: hits('rare', 10, 400), next: 'x-0300' as MessageId })
    await vi.waitFor(() => { expect(calls).toHaveLength(4) })
    expect(search.answered).toBe('rare')
    expect(search.hits).toHaveLength(10)
    expect(calls[3]?.options).toMatchObject({ after: 'x-0300', limit: SEARCH_LIMIT - 10 })

    calls[3]?.resolve({ hits: hits('rare', 40, 200), next: 'rare-0161' as MessageId })
    await vi.waitFor(() => { expect(search.searching).toBe(false) })
    expect(calls).toHaveLength(4)
    expect(search.hits).toHaveLength(SEARCH_LIMIT)
    expect(search.hasMore).toBe(true)
  })

  it('loads older pages on demand, one at a time, up to MAX_SHOWN', async () => {
    const { calls, run } = fakeRunner()
    const search = new SearchManager(run)
    search.setQuery('common')
    let next = 9999
    const answer = (call: Call | undefined): void => {
      const page = hits('common', call?.options.limit ?? 0, next)
      next -= page.length
      call?.resolve({ hits: page, next: page.at(-1)?.message.id as MessageId })
    }
    answer(calls[0])
    await vi.waitFor(() => { expect(search.searching).toBe(false) })

    for (let page = 1; search.hasMore; page++) {
      search.more()
      search.more() // a second ask while one runs does nothing
      expect(calls).toHaveLength(page + 1)
      expect(calls[page]?.options.after).toBe(search.hits.at(-1)?.message.id)
      answer(calls[page])
      await vi.waitFor(() => { expect(search.searching).toBe(false) })
    }
    expect(search.hits).toHaveLength(MAX_SHOWN)
    expect(new Set(ids(search.hits)).size).toBe(MAX_SHOWN)
    expect(search.capped).toBe(true)
    search.more()
    expect(calls).toHaveLength(MAX_SHOWN / SEARCH_LIMIT)
  })

  it('clears for an empty box, words an error, shows nothing for an AbortError, and stops on reset', async () => {
    const { calls, run } = fakeRunner()
    const search = new SearchManager(run)
    search.setQuery('hello')
    calls[0]?.resolve({ hits: hits('hello', 2) })
    await vi.waitFor(() => { expect(search.hits).toHaveLength(2) })
    search.setQuery('   ')
    expect(search.hits).toEqual([])
    expect(search.answered).toBe('')
    expect(calls).toHaveLength(1)

    search.setQuery('broken')
    calls[1]?.reject(new Error('disk on fire'))
    await vi.waitFor(() => { expect(search.error).toBe('Could not search: disk on fire') })
    expect(search.searching).toBe(false)

    search.setQuery('again')
    expect(search.error).toBe('')
    search.reset()
    expect(calls[2]?.options.signal?.aborted).toBe(true)
    calls[2]?.resolve({ hits: hits('again', 1) })
    search.setQuery('later')
    const abort = new Error('aborted')
    abort.name = 'AbortError'
    calls[3]?.reject(abort)
    await vi.waitFor(() => { expect(search.searching).toBe(false) })
    expect(search.error).toBe('')
    search.reset()
    expect(search.hits).toEqual([])
    expect(search.searching).toBe(false)
    expect(search.query).toBe('')
  })
})
