/**
 * The keys of boxes opened and not committed yet (sessions.ts, `open`).
 *
 * Opening a box moves its session's state past the box's key at once, in
 * memory (the next box builds on it); the box's commit stores the state with
 * what the box carried. Meanwhile other writes of the same session store
 * that state too: a mailbox drain commits one batch while it opens the next
 * (messaging/mailbox-drain.ts), a send writes its reservation. Should the box
 * then not be committed (the drain cut off between batches, a write refused),
 * the stored state is past its key, and the same box, fetched again, would
 * be refused as opened before, and dropped: a message lost, its sender told
 * nothing. So until a box is committed or let go, every write of its
 * session's row keeps the box's key as a skipped key (as the ratchet keeps a
 * key it skipped), and the box opens on it again if it has to.
 *
 * The keys are bounded (MAX_UNCOMMITTED_KEYS, the oldest go first): a drain
 * holds at most a few batches opened ahead of their commit.
 */
import { MAX_SKIPPED_KEYS } from '@parley/protocol/session/constants'
import { equal } from '@parley/protocol/session/ratchet-state'
import type { SessionRow } from '../../db/session-types.ts'
import type { SkippedKey } from '@parley/protocol/session/ratchet'

/** Keys of opened boxes kept at most (a drain's batches opened ahead of their commit are a few hundred). */
export const MAX_UNCOMMITTED_KEYS = 4096

export class UncommittedKeys {
  /** session id → token → the key its box was opened with */
  readonly #bySession = new Map<string, Map<number, SkippedKey>>()
  /** token → session id, oldest first */
  readonly #order = new Map<number, string>()
  #next = 0

  get size (): number {
    return this.#order.size
  }

  /** Keeps `key`, with which a box of `session` opened, until `settle` or `drop`; gives its token. */
  add (session: string, key: SkippedKey): number {
    const token = ++this.#next
    const keys = this.#bySession.get(session) ?? new Map<number, SkippedKey>()
    keys.set(token, key)
    this.#bySession.set(session, keys)
    this.#order.set(token, session)
    while (this.#order.size > MAX_UNCOMMITTED_KEYS) {
      const oldest = this.#order.keys().next().value
      if (oldest === undefined) break
      this.settle(oldest)
    }
    return token
  }

  /** The box of `token` was committed (or let go): its key is not kept any more. */
  settle (token: number): void {
    const session = this.#order.get(token)
    if (session === undefined) return
    this.#order.delete(token)
    const keys = this.#bySession.get(session)
    keys?.get(token)?.messageKey.fill(0)
    keys?.delete(token)
    if (keys?.size === 0) this.#bySession.delete(session)
  }

  /** Whether `token`'s key is still kept (its box neither committed nor let go). */
  has (token: number): boolean {
    return this.#order.has(token)
  }

  /** The tokens of `rows`' keys kept now. */
  tokensOf (rows: readonly SessionRow[]): number[] {
    return rows.flatMap(r => [...this.#bySession.get(r.id)?.keys() ?? []])
  }

  /**
   * The row to write for `row`: its state with the keys of its boxes not
   * committed yet among its skipped keys (the oldest skipped keys go where
   * that makes more than MAX_SKIPPED_KEYS).
   */
  stored (row: SessionRow): SessionRow {
    const keys = this.#bySession.get(row.id)
    if (keys === undefined) return row
    const added = [...keys.values()].filter(k => !row.state.skipped.some(s => s.n === k.n && equal(s.dh, k.dh)))
    if (added.length === 0) return row
    const skipped = [...row.state.skipped, ...added.map(k => ({ ...k, dh: k.dh.slice(), messageKey: k.messageKey.slice() }))]
    return { ...row, state: { ...row.state, skipped: skipped.slice(Math.max(0, skipped.length - MAX_SKIPPED_KEYS)) } }
  }

  /** Lets go of the keys of these sessions (their rows are read from the database again, which holds what was written of them). */
  drop (rows: readonly SessionRow[]): void {
    for (const token of this.tokensOf(rows)) this.settle(token)
  }
}
