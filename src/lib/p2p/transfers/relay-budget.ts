import { relayedFileAllowance } from '@parley/protocol/file/relayed'
import { isRelayed } from '../kernel/connections.ts'
import type { Connection } from '@libp2p/interface'

/**
 * The bytes of files moving over each relayed connection now, and of those
 * that already moved over it, on this side, so that together they stay within
 * what the relay allows the connection (its data limit, `connection.limits.bytes`,
 * which js-libp2p does not count down: docs/protocols.md, "Files over a
 * relay"). Held per connection object, so a closed one is forgotten with it.
 */
export class RelayBudget {
  readonly #committed = new WeakMap<Connection, number>()
  /** file bytes that already crossed the connection (in either direction, on this side) */
  readonly #spent = new WeakMap<Connection, number>()

  /** The largest file the relay of `connection` carries when nothing else uses it; direct: no limit. */
  capacity (connection: Connection): number {
    return isRelayed(connection) ? relayedFileAllowance(connection.limits) : Number.MAX_SAFE_INTEGER
  }

  /** Whether `size` more bytes fit `connection` now, besides the files moving and moved over it. */
  fits (connection: Connection, size: number): boolean {
    if (!isRelayed(connection)) return true
    const used = (this.#committed.get(connection) ?? 0) + (this.#spent.get(connection) ?? 0)
    return size <= relayedFileAllowance(connection.limits, used)
  }

  /**
   * Counts `size` bytes against `connection` until the returned function is
   * called (once) with the bytes that actually crossed it, which then stay
   * counted for the connection's life.
   */
  commit (connection: Connection, size: number): (moved: number) => void {
    if (!isRelayed(connection)) return () => {}
    this.#committed.set(connection, (this.#committed.get(connection) ?? 0) + size)
    let released = false
    return (moved) => {
      if (released) return
      released = true
      const left = (this.#committed.get(connection) ?? 0) - size
      if (left > 0) this.#committed.set(connection, left)
      else this.#committed.delete(connection)
      if (moved > 0) this.#spent.set(connection, (this.#spent.get(connection) ?? 0) + moved)
    }
  }
}
