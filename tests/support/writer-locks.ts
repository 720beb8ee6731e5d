/**
 * The one-writer lock (src/lib/p2p/kernel/writer-lock.ts) for nodes run in
 * Node, which has no Web Locks: one in-memory lock manager per IndexedDB
 * factory, as a browser has one per origin, so two nodes on one database
 * meet the same lock and nodes on separate factories never do.
 */
import { FakeLocks } from './rpc-fixtures.ts'

const LOCKS = new WeakMap<IDBFactory, FakeLocks>()

/** The lock manager of the "origin" whose databases `factory` holds. */
export function locksFor (factory: IDBFactory): FakeLocks {
  let locks = LOCKS.get(factory)
  if (locks === undefined) {
    locks = new FakeLocks()
    LOCKS.set(factory, locks)
  }
  return locks
}

/** A build time for nodes in tests (any: they announce no build without a channel). */
export const TEST_BUILD = 1
