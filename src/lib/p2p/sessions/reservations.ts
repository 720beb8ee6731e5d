/**
 * Sending keys reserved ahead (docs/security.md, "Keys used once"): a
 * session's state is stored with its sending chain moved on RESERVED_KEYS
 * messages past the one about to be used (ratchet.ts `reserveSending`), and
 * the keys below that are then used from memory without waiting for a write.
 * After a restart the node goes on from the stored state, past every key it
 * may have used; the peer keeps the ones never sent as skipped keys (at most
 * RESERVED_KEYS of a chain).
 *
 * What is reserved is known in memory only: a session without an entry here
 * (evicted, forgotten, loaded again) writes a reservation before its next
 * send. Every write of a session's row goes through `stored`, so no write
 * takes the stored chain back below what was reserved; one without a
 * reservation stores the chain where it is, past every key used.
 *
 * A DH ratchet step taken by opening a box draws the randomness of our next
 * sending chain (ratchet.ts, `pending`). Until a write stores it, that chain
 * exists in memory only: no stored state can derive its keys, so its first
 * RESERVED_KEYS are reserved without a write (`settleUnsaved`), and the
 * next write of the row stores the chain past them, as any reservation.
 * Once the step itself was written, its keys wait for a write like any.
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js'
import { reserveSending, settleStep } from '@parley/protocol/session/ratchet'
import { cloneState, equal } from '@parley/protocol/session/ratchet-state'
import type { SessionRow } from '../../db/session-types.ts'
import type { PendingStep, RatchetState, StepAhead } from '@parley/protocol/session/ratchet'

/** Sending keys reserved by one write. */
export const RESERVED_KEYS = 32
/** Sessions whose reservations are remembered at most (the least recently set go first; then a send writes again). */
export const MAX_RESERVATIONS = 1024

interface Reservation {
  /** the sending chain, by our ratchet key's public half (hex) */
  chain: string
  /** the stored state's next message number in it: keys below it may be used */
  until: number
  /** the chain's key at `until`, derived once for every write while the reservation stands */
  chainKey?: Uint8Array
}

export class SendReservations {
  readonly #reserved = new Map<string, Reservation>()
  /** pending steps drawn by an opened box and not written since (by object: a copy read back from the database is not among them) */
  readonly #unsaved = new WeakSet<PendingStep>()

  /** Whether `row`'s next sending key (its state's `sendN`) is reserved, and how many remain from it; 0 when none. */
  left (row: SessionRow): number {
    const reservation = this.#reserved.get(row.id)
    const { state } = row
    if (reservation === undefined || state.pending != null || reservation.chain !== hex(state.dhPublic)) return 0
    return Math.max(0, reservation.until - state.sendN)
  }

  /** The row to write for `row` now: its sending chain moved on to what is reserved of it. */
  stored (row: SessionRow): SessionRow {
    // its pending step goes to the database: from now on a key of its chain waits for a write
    if (row.state.pending != null) this.#unsaved.delete(row.state.pending)
    const reservation = this.#reserved.get(row.id)
    if (reservation === undefined || row.state.pending != null || reservation.chain !== hex(row.state.dhPublic)) return row
    return { ...row, state: this.#movedOn(row.state, reservation) }
  }

  /**
   * `state` with its sending chain at `reservation.until`, as `reserveSending`
   * gives it. Its chain key there is derived by the first write and kept: a
   * session that receives writes its row for every box it opens, and deriving
   * up to RESERVED_KEYS keys again each time took more of the worker's time
   * than opening the boxes did (a CPU profile of the latency bench).
   */
  #movedOn (state: RatchetState, reservation: Reservation): RatchetState {
    if (reservation.chainKey === undefined || state.sendN >= reservation.until) {
      const moved = reserveSending(state, reservation.until)
      if (moved !== state && moved.sendChainKey !== null) reservation.chainKey = moved.sendChainKey.slice()
      return moved
    }
    const moved = cloneState(state)
    moved.sendChainKey?.fill(0)
    moved.sendChainKey = reservation.chainKey.slice()
    moved.sendN = reservation.until
    return moved
  }

  /**
   * Reserves RESERVED_KEYS keys from `row`'s next one and gives the row to
   * write for it. Taken at once, so that a write of the same session made
   * meanwhile keeps it too; the caller holds the session's lock until its
   * write is done (no key is used before), and calls `undo` if it fails.
   */
  reserve (row: SessionRow): { stored: SessionRow, undo(): void } {
    const undo = this.#claim(row)
    return { stored: this.stored(row), undo }
  }

  /** Reserves RESERVED_KEYS keys from `row`'s next one, in memory; gives what undoes it. */
  #claim (row: SessionRow): () => void {
    const before = this.#reserved.get(row.id)
    this.#reserved.delete(row.id)
    this.#reserved.set(row.id, { chain: hex(row.state.dhPublic), until: row.state.sendN + RESERVED_KEYS })
    if (this.#reserved.size > MAX_RESERVATIONS) this.#reserved.delete(this.#reserved.keys().next().value ?? '')
    return () => {
      if (before === undefined) this.#reserved.delete(row.id)
      else this.#reserved.set(row.id, before)
    }
  }

  /**
   * `after` is `before` with a box opened on it (`before` undefined: a new
   * session): a pending step it drew is unsaved, and so is one it carried
   * over from an unsaved one.
   */
  opened (before: SessionRow | undefined, after: SessionRow): void {
    const drawn = after.state.pending
    if (drawn == null) return
    const had = before?.state.pending
    if (had == null || this.#unsaved.has(had) || !equal(had.dhSecret, drawn.dhSecret)) this.#unsaved.add(drawn)
  }

  /**
   * `row` with its pending step's sending half computed and its first
   * RESERVED_KEYS keys reserved, without a write, when that step was drawn
   * in memory and never written (`opened`); else undefined. Its X25519 half
   * comes from `step` when given. The caller holds the session's lock and
   * puts the row in its cache.
   */
  settleUnsaved (row: SessionRow, step?: StepAhead): SessionRow | undefined {
    const pending = row.state.pending
    if (pending == null || !this.#unsaved.has(pending)) return undefined
    this.#unsaved.delete(pending)
    const settled = { ...row, state: settleStep(row.state, step) }
    // nothing is written now: the chain's key at the reservation's end is derived by the next write
    this.#claim(settled)
    return settled
  }

  /** Forgets the reservations of these sessions (their rows are read from the database again). */
  drop (rows: readonly SessionRow[]): void {
    for (const row of rows) this.#reserved.delete(row.id)
  }
}
