/**
 * Dexie schemas of the Parley database (DESIGN.md §3), one constant per version.
 *
 * Shipped versions are immutable. A schema change is a new `dbSchemaVn` that
 * spreads the previous one, a `.version(n).stores(dbSchemaVn).upgrade(...)` step
 * in `db.ts`, and a migration test in `tests/unit/db/upgrade.test.ts` that opens
 * a database seeded at version n - 1.
 *
 * Index only what a query in this folder uses. Message bodies are never indexed.
 */

/**
 * ============================================================
 * v1 — 2026-11-21
 * ============================================================
 * - profile:  `id` (always 1, one profile per browser profile).
 * - contacts: `++id`, unique `peerId`, `state` (pending requests list).
 *             `blocked` is deliberately NOT indexed: booleans are not valid
 *             IndexedDB keys, so such an index stays empty and
 *             `where('blocked').equals(true)` throws a DataError.
 * - messages: primary key `id` = sender-chosen ULID.
 *             `[contactId+sentAt+id]`: one chat in display order, for paging
 *             (the trailing id breaks ties between messages of the same ms).
 *             `[direction+state+contactId]`: the outbox of one contact
 *             (`['out', 'queued' | 'sent', contactId]`), the distinct contacts
 *             that have one (key-only scan), and unread counts
 *             (`['in', 'delivered', contactId]`).
 * - relays:   primary key `multiaddr`, `source` (default / user / discovered).
 */
export const dbSchemaV1 = {
  profile: 'id',
  contacts: '++id, &peerId, state',
  messages: 'id, [contactId+sentAt+id], [direction+state+contactId]',
  relays: 'multiaddr, source'
} as const

/** The newest schema version; `ParleyDb.verno` equals this once open. */
export const DB_VERSION = 1
