/**
 * An opened box's commit (sessions.ts, `open`): the peer's rows as the cache
 * holds them when the caller commits, written in the caller's transaction.
 *
 * A mailbox drain commits a batch of up to 256 items in one transaction
 * (messaging/mailbox-intake.ts), most of them boxes of one peer's session,
 * and each box's commit wrote that session's row again: the same row, sealed
 * at rest each time (db/vault.ts: its ratchet state as JSON, then
 * XChaCha20-Poly1305), a fifth of the worker's time in a drain of 1,000
 * boxed items (a CPU profile of `npm run bench -- --only mailbox`). The
 * first commit of a peer's box in a transaction writes the rows as they are
 * then, which takes in every box of the batch (all were opened before the
 * commit began); a later commit of the same peer in that transaction writes
 * only what the first did not cover (another row, or all of them where a box
 * started a session), and its chains count as stored only when it wrote.
 *
 * Every write keeps the keys of boxes opened and not committed yet
 * (uncommitted-keys.ts), among them a later batch's. A commit lets go of its
 * box's key when called and writes a microtask later, so that boxes
 * committed together leave one another's keys out; a box whose key a write
 * of this transaction kept all the same (its commit called after that write)
 * writes again.
 */
import Dexie from 'dexie'
import type { PromiseExtended } from 'dexie'
import { putSessions, writeSessions } from '../../db/sessions.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { SessionRow } from '../../db/session-types.ts'
import type { OpenedBox } from '../kernel/ports/sessions.ts'
import type { UnstoredChains } from './chains.ts'
import type { UncommittedKeys } from './uncommitted-keys.ts'

interface Written {
  all: boolean
  ids: Set<string>
  /** the tokens of the uncommitted keys those writes kept */
  kept: Set<number>
}

/** Which rows of each peer a transaction has written (all of them, or these ids), and which uncommitted keys they kept. */
export class WrittenInTransaction {
  readonly #written = new WeakMap<object, Map<string, Written>>()

  /**
   * Whether `peer`'s rows (`one`: only the row of that id) still need writing
   * in `transaction` for the box of `token`: not yet written, or written
   * with its key kept as not committed. If so, counts them written, keeping
   * `kept()`'s tokens. Outside a transaction every write is needed.
   */
  claim (transaction: object | null, peer: string, one: string | undefined, token: number, kept: () => number[]): boolean {
    if (transaction === null) return true
    const peers = this.#written.get(transaction) ?? new Map<string, Written>()
    this.#written.set(transaction, peers)
    const written = peers.get(peer) ?? { all: false, ids: new Set<string>(), kept: new Set<number>() }
    peers.set(peer, written)
    if ((written.all || (one !== undefined && written.ids.has(one))) && !written.kept.has(token)) return false
    if (one === undefined) written.all = true
    else written.ids.add(one)
    written.kept.delete(token)
    for (const t of kept()) written.kept.add(t)
    return true
  }
}

export interface OpenedBoxParts {
  db: ParleyDb
  /** the peer's rows as the cache holds them now */
  rowsOf: (peer: string) => SessionRow[] | undefined
  /** the row to write for a row (its reservation, the keys of its boxes not committed) */
  store: (row: SessionRow) => SessionRow
  uncommitted: Pick<UncommittedKeys, 'settle' | 'tokensOf'>
  unstored: Pick<UnstoredChains, 'stored'>
  written: WrittenInTransaction
  /** told once a transaction that stored a started session is done */
  started: (peer: string) => void
  forget: (peer: string) => void
}

export interface Opening {
  peer: string
  /** the peer's rows after the box opened, and its current row before */
  next: SessionRow[]
  current: SessionRow | undefined
  /** the row the box opened on, or the session its init started */
  opened: SessionRow
  plaintext: Uint8Array
  started: boolean
  replaced: boolean
  chainUnstored: boolean
  /** the box's key among the uncommitted ones (uncommitted-keys.ts) */
  token: number
  /** what the commit writes besides the rows (an init's one-time keys used up), in its transaction: Dexie promises only */
  extra: () => PromiseExtended<void>
}

export function openedBox (parts: OpenedBoxParts, o: Opening): OpenedBox {
  const { db } = parts
  // Dexie promises only (no native await): the boxes of a batch commit at once in the caller's
  // transaction, whose zone a native await may leave (db/sessions.ts, putSessions)
  const commit = (): PromiseExtended<void> => {
    const rows = parts.rowsOf(o.peer) ?? o.next
    const latest = rows.find(r => r.id === o.opened.id)
    // a box on the session that was current already changes that row alone
    const one = !o.started && o.current?.id === o.opened.id ? latest : undefined
    const transaction = Dexie.currentTransaction
    const written = one === undefined ? rows : [one]
    let write: PromiseExtended<unknown> = Dexie.Promise.resolve()
    if (parts.written.claim(transaction, o.peer, one === undefined ? undefined : o.opened.id, o.token, () => parts.uncommitted.tokensOf(written))) {
      // the sessions as they are now, every chain in them stored once the transaction is done
      const chains = written.flatMap(r => r.state.receiving.map(c => c.dh))
      transaction?.on('complete', () => { parts.unstored.stored(o.peer, chains) })
      if (one !== undefined) write = db.sessions.put(parts.store(one))
      else write = transaction === null ? Dexie.Promise.resolve(writeSessions(db, o.peer, rows.map(r => parts.store(r)))) : putSessions(db, o.peer, rows.map(r => parts.store(r)))
    }
    if (o.started) transaction?.on('complete', () => { parts.started(o.peer) })
    return write.then(() => o.extra())
  }
  return {
    plaintext: o.plaintext,
    session: o.opened.id,
    started: o.started,
    replaced: o.replaced,
    chainUnstored: o.chainUnstored,
    // its key let go now, its write a microtask later (see the top); a Dexie promise: a commit that
    // writes nothing awaits no Dexie operation, and a caller's hundred awaits in a row of promises
    // that are not Dexie's would lose its transaction
    commit: () => {
      parts.uncommitted.settle(o.token)
      return Dexie.Promise.resolve().then(commit)
    },
    abandon: () => { parts.forget(o.peer) }
  }
}
