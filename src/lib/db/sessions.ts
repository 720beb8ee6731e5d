/**
 * The secure-session tables (schema v9): sessions, our prekey secrets,
 * outgoing boxes, and the last-resort inits seen. Plain functions taking the
 * db, as the other table modules; the node's `sessions/` feature is their
 * only writer. Every table is bounded here or by its writer.
 */
import Dexie from 'dexie'
import type { PromiseExtended } from 'dexie'
import type { ParleyDb } from './db.ts'
import type { BoxRow, InitSeenRow, PrekeyRow, SessionRow } from './session-types.ts'

/** Sessions kept per peer: the current one and the ones before it (a late box may still open on those). */
export const MAX_SESSIONS_PER_PEER = 5
/** Last-resort inits remembered at most; past this the oldest go first. */
export const MAX_INITS_SEEN = 10_000

/** The tables a session change writes, for callers that put it in a transaction of their own. */
export function sessionTables (db: ParleyDb): [ParleyDb['sessions'], ParleyDb['prekeys'], ParleyDb['initsSeen'], ParleyDb['boxes']] {
  return [db.sessions, db.prekeys, db.initsSeen, db.boxes]
}

/** A peer's sessions, the current one first, then the most recently used. */
export async function sessionsOf (db: ParleyDb, peer: string): Promise<SessionRow[]> {
  const rows = await db.sessions.where('peer').equals(peer).toArray()
  return rows.sort((a, b) => Number(b.current) - Number(a.current) || b.usedAt - a.usedAt)
}

/**
 * Writes a peer's sessions as `rows` says (as `sessionsOf` orders them:
 * current first), keeping at most MAX_SESSIONS_PER_PEER: the rest are
 * deleted with their boxes. Runs in the caller's transaction when there is
 * one (it must include `sessionTables`).
 */
export async function writeSessions (db: ParleyDb, peer: string, rows: readonly SessionRow[]): Promise<void> {
  await db.transaction('rw', sessionTables(db), () => putSessions(db, peer, rows))
}

/**
 * What `writeSessions` does, in the caller's transaction (which must include
 * `sessionTables`, read-write), as Dexie promises only: several of these may
 * run at once in one transaction (a drain's boxes of several peers,
 * committed together), where `writeSessions`' sub-transactions would wait on
 * each other's lock and the later one resume outside the transaction's zone,
 * which then commits under it (Dexie's PrematureCommitError).
 */
export function putSessions (db: ParleyDb, peer: string, rows: readonly SessionRow[]): PromiseExtended<void> {
  if (rows.some(r => r.peer !== peer)) return Dexie.Promise.reject(new Error('writeSessions: a row of another peer'))
  if (rows.filter(r => r.current).length > 1) return Dexie.Promise.reject(new Error('writeSessions: two current sessions'))
  const kept = rows.slice(0, MAX_SESSIONS_PER_PEER)
  const keptIds = new Set(kept.map(r => r.id))
  return db.sessions.where('peer').equals(peer).primaryKeys().then((ids) => {
    const gone = ids.filter(id => !keptIds.has(id))
    if (gone.length === 0) return undefined
    return db.sessions.bulkDelete(gone).then(() => db.boxes.where('session').anyOf(gone).delete())
  }).then(() => db.sessions.bulkPut([...kept])).then(() => undefined)
}

/** Deletes every session with `peer` and the boxes made for it (a contact deleted or blocked). */
export async function deleteSessionsOf (db: ParleyDb, peer: string): Promise<void> {
  await db.transaction('rw', sessionTables(db), async () => {
    await db.sessions.where('peer').equals(peer).delete()
    await db.boxes.where('[peer+item]').between([peer, Dexie.minKey], [peer, Dexie.maxKey]).delete()
  })
}

/** Our prekey secret of `kind`/`id`, if we still hold it. */
export async function prekeySecret (db: ParleyDb, kind: PrekeyRow['kind'], id: number): Promise<PrekeyRow | undefined> {
  return db.prekeys.get([kind, id])
}

/** Our prekeys of one kind (an index range: the others are not read). */
export async function prekeysOfKind (db: ParleyDb, kind: PrekeyRow['kind']): Promise<PrekeyRow[]> {
  return db.prekeys.where('[kind+id]').between([kind, Dexie.minKey], [kind, Dexie.maxKey]).toArray()
}

/** All our prekeys (at most a few hundred: the keeper bounds them). */
export async function allPrekeys (db: ParleyDb): Promise<PrekeyRow[]> {
  return db.prekeys.toArray()
}

/** Deletes the retired prekeys whose time is up; returns how many went. */
export async function dropRetiredPrekeys (db: ParleyDb, now: number): Promise<number> {
  return db.prekeys.where('dropAt').belowOrEqual(now).delete()
}

/** The box made for `item` to `peer`, if one is kept. */
export async function keptBox (db: ParleyDb, item: string, peer: string): Promise<BoxRow | undefined> {
  return db.boxes.get([peer, item])
}

/** Forgets the boxes of delivered items. */
export async function dropBoxes (db: ParleyDb, peer: string, items: readonly string[]): Promise<void> {
  if (items.length === 0) return
  await db.boxes.bulkDelete(items.map((item): [string, string] => [peer, item]))
}

/** Whether a last-resort init with this ephemeral key (hex) was opened before and is still remembered. */
export async function initSeen (db: ParleyDb, ephemeral: string, now: number): Promise<boolean> {
  const row = await db.initsSeen.get(ephemeral)
  return row !== undefined && row.expiresAt > now
}

/** Remembers a last-resort init until `expiresAt`, keeping at most MAX_INITS_SEEN (the soonest to expire go first). */
export async function rememberInit (db: ParleyDb, row: InitSeenRow, now: number): Promise<void> {
  await db.transaction('rw', db.initsSeen, () => putInitSeen(db, row, now))
}

/** What `rememberInit` does, in the caller's transaction (with `initsSeen`, read-write), as Dexie promises only (`putSessions` says why). */
export function putInitSeen (db: ParleyDb, row: InitSeenRow, now: number): PromiseExtended<void> {
  return db.initsSeen.where('expiresAt').belowOrEqual(now).delete()
    .then(() => db.initsSeen.count())
    .then((count) => count < MAX_INITS_SEEN ? undefined : db.initsSeen.orderBy('expiresAt').limit(count - MAX_INITS_SEEN + 1).primaryKeys().then((oldest) => db.initsSeen.bulkDelete(oldest)))
    .then(() => db.initsSeen.put(row))
    .then(() => undefined)
}
