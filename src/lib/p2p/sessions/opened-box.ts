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
 */
import Dexie from 'dexie'
import { writeSessions } from '../../db/sessions.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { SessionRow } from '../../db/session-types.ts'
import type { OpenedBox } from '../kernel/ports/sessions.ts'
import type { UnstoredChains } from './chains.ts'
import type { SendReservations } from './reservations.ts'

/** Which rows of each peer a transaction has written: all of them, or these ids. */
export class WrittenInTransaction {
  readonly #written = new WeakMap<object, Map<string, { all: boolean, ids: Set<string> }>>()

  /**
   * Whether `peer`'s rows (`one`: only the row of that id) still need writing
   * in `transaction`; if so, counts them written. Outside a transaction every
   * write is needed.
   */
  claim (transaction: object | null, peer: string, one: string | undefined): boolean {
    if (transaction === null) return true
    const peers = this.#written.get(transaction) ?? new Map<string, { all: boolean, ids: Set<string> }>()
    this.#written.set(transaction, peers)
    const written = peers.get(peer) ?? { all: false, ids: new Set<string>() }
    peers.set(peer, written)
    if (written.all || (one !== undefined && written.ids.has(one))) return false
    if (one === undefined) written.all = true
    else written.ids.add(one)
    return true
  }
}

export interface OpenedBoxParts {
  db: ParleyDb
  /** the peer's rows as the cache holds them now */
  rowsOf: (peer: string) => SessionRow[] | undefined
  reserved: Pick<SendReservations, 'stored'>
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
  /** what the commit writes besides the rows (an init's one-time keys used up) */
  extra: () => Promise<void>
}

export function openedBox (parts: OpenedBoxParts, o: Opening): OpenedBox {
  const { db } = parts
  const commit = async (): Promise<void> => {
    const rows = parts.rowsOf(o.peer) ?? o.next
    const latest = rows.find(r => r.id === o.opened.id)
    // a box on the session that was current already changes that row alone
    const one = !o.started && o.current?.id === o.opened.id ? latest : undefined
    const transaction = Dexie.currentTransaction
    if (parts.written.claim(transaction, o.peer, one === undefined ? undefined : o.opened.id)) {
      // the sessions as they are now, every chain in them stored once the transaction is done
      const chains = (one === undefined ? rows : [one]).flatMap(r => r.state.receiving.map(c => c.dh))
      transaction?.on('complete', () => { parts.unstored.stored(o.peer, chains) })
      if (one !== undefined) await db.sessions.put(parts.reserved.stored(one))
      else await writeSessions(db, o.peer, rows.map(r => parts.reserved.stored(r)))
    }
    if (o.started) transaction?.on('complete', () => { parts.started(o.peer) })
    await o.extra()
  }
  return {
    plaintext: o.plaintext,
    session: o.opened.id,
    started: o.started,
    replaced: o.replaced,
    chainUnstored: o.chainUnstored,
    // a Dexie promise: a commit that writes nothing awaits no Dexie operation, and a caller's
    // hundred awaits in a row of promises that are not Dexie's would lose its transaction
    commit: () => Dexie.Promise.resolve(commit()),
    abandon: () => { parts.forget(o.peer) }
  }
}
