/**
 * Reading the database from runes: the worker writes,
 * tabs read through Dexie `liveQuery`, which re-runs a query whenever a write
 * (from this tab, another tab or the worker) touches what it read.
 */
import { liveQuery } from 'dexie'
import { untrack } from 'svelte'
import { DEFAULT_DB_NAME, ParleyDb } from '../db/db.ts'

let db: ParleyDb | undefined

/**
 * The tab's read handle on the 'parley' database, opened on first use. The UI
 * only reads through it: every write goes through the node's RPC.
 */
export function getDb (): ParleyDb {
  db ??= new ParleyDb(DEFAULT_DB_NAME, {
    // A newer version of the app upgraded the database: this tab's code is
    // stale and its connection is closed for good, so load the new version.
    onVersionChange: () => { location.reload() }
  })
  return db
}

export interface Live<T> {
  /** The latest result; `initial` until the first result arrives. */
  readonly current: T
  /** False until the first result (or error) arrives: lets a screen tell "empty" from "not read yet". */
  readonly loaded: boolean
  /** The last query error, cleared by the next result. */
  readonly error: unknown
}

/**
 * Subscribes to `liveQuery(query)` while the calling component (or
 * `$effect.root`) is alive, and unsubscribes on teardown. Call it during
 * component initialisation, like `$effect`.
 *
 * Reactivity: `query` runs untracked, because Dexie runs it again on its own
 * (after every relevant write) where Svelte cannot see what it reads. Read the
 * reactive values a query depends on in `deps` instead; when any of them
 * changes, the old subscription is closed and a new one opened. The last
 * result stays in `current` until the new query answers.
 *
 * ```ts
 * let { contactId }: Props = $props()
 * const messages = live(() => chatMessages(getDb(), contactId), [], () => contactId)
 * ```
 */
export function live<T> (query: () => Promise<T>, initial: T, deps?: () => unknown): Live<T> {
  let current = $state.raw<T>(initial)
  let loaded = $state(false)
  let error = $state.raw<unknown>(undefined)

  $effect(() => {
    deps?.()

    const subscription = untrack(() => liveQuery(query).subscribe({
      next: (value) => {
        current = value
        error = undefined
        loaded = true
      },
      error: (err: unknown) => {
        console.error('parley: live query failed', err)
        error = err
        loaded = true
      }
    }))

    return () => {
      subscription.unsubscribe()
    }
  })

  return {
    get current () { return current },
    get loaded () { return loaded },
    get error () { return error }
  }
}
