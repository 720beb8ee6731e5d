/**
 * Each peer's session rows as the sessions service last left them
 * (sessions.ts), current first, for at most MAX_CACHED_PEERS peers: the
 * least recently used go first, and are read from the database again when
 * needed. The keys of a peer's boxes opened and not committed stay when its
 * rows go (uncommitted-keys.ts: every write keeps them until their boxes are
 * committed or let go); letting go of the rows because what they hold is not
 * to be trusted (`forget`: a commit failed) lets go of those keys too.
 */
import { sessionsOf } from '../../db/sessions.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { SessionRow } from '../../db/session-types.ts'
import type { UnstoredChains } from './chains.ts'
import type { SendReservations } from './reservations.ts'
import type { UncommittedKeys } from './uncommitted-keys.ts'

/** Peers whose sessions are kept in memory; the least recently used go first. */
export const MAX_CACHED_PEERS = 256

export interface SessionCacheParts {
  db: ParleyDb
  reserved: Pick<SendReservations, 'drop'>
  unstored: Pick<UnstoredChains, 'drop'>
  uncommitted: Pick<UncommittedKeys, 'drop'>
}

export class SessionCache {
  readonly #parts: SessionCacheParts
  /** peer → its rows, current first (insertion order is recency of use) */
  readonly #rows = new Map<string, SessionRow[]>()

  constructor (parts: SessionCacheParts) {
    this.#parts = parts
  }

  /** The rows of `peer` held now, if any. */
  get (peer: string): SessionRow[] | undefined {
    return this.#rows.get(peer)
  }

  /** The rows of `peer`: held, or read from the database. */
  async read (peer: string): Promise<SessionRow[]> {
    const held = this.#rows.get(peer)
    if (held !== undefined) {
      this.remember(peer, held)
      return held
    }
    const rows = await sessionsOf(this.#parts.db, peer)
    this.remember(peer, rows)
    return rows
  }

  remember (peer: string, rows: SessionRow[]): void {
    this.#rows.delete(peer)
    this.#rows.set(peer, rows)
    while (this.#rows.size > MAX_CACHED_PEERS) {
      const oldest = this.#rows.keys().next().value
      if (oldest === undefined) break
      this.#evict(oldest)
    }
  }

  /** The rows of `peer` are not to be trusted (a commit failed): they, and the keys of their uncommitted boxes, go. */
  forget (peer: string): void {
    this.#parts.uncommitted.drop(this.#rows.get(peer) ?? [])
    this.#evict(peer)
  }

  #evict (peer: string): void {
    this.#parts.reserved.drop(this.#rows.get(peer) ?? [])
    this.#parts.unstored.drop(peer)
    this.#rows.delete(peer)
  }
}
