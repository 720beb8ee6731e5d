import Dexie, { type DexieOptions, type EntityTable, type Table } from 'dexie'
import { dbSchemaV1, dbSchemaV2, dbSchemaV3, dbSchemaV4 } from './schema.ts'
import type {
  ContactRow, FileChunkRow, FileSourceRow, MessageRow, ProfileRow, RelayRow, SettingRow, TransferHashesRow, TransferRow, TurnServerRow
} from './types.ts'

/** IndexedDB name used by the app (tests pass their own names and factories). */
export const DEFAULT_DB_NAME = 'parley'

export interface ParleyDbOptions {
  /** IndexedDB implementation; defaults to the global one (tests pass fake-indexeddb). */
  indexedDB?: IDBFactory
  /** Key range class matching `indexedDB`. */
  IDBKeyRange?: typeof IDBKeyRange
  /**
   * Called after another connection asked to upgrade or delete the database
   * and this connection has closed itself. The owner should reload (a tab) or
   * tell its tabs to reload (the worker): this instance stays closed.
   */
  onVersionChange?: (event: IDBVersionChangeEvent) => void
}

/**
 * The Parley database. The worker is the single writer of network data; tabs
 * read through `liveQuery`. Queries and writes live in the sibling modules
 * (`contacts.ts`, `messages.ts`, …) as plain functions taking the db.
 */
export class ParleyDb extends Dexie {
  declare readonly profile: EntityTable<ProfileRow, 'id'>
  declare readonly contacts: EntityTable<ContactRow, 'id'>
  declare readonly messages: EntityTable<MessageRow, 'id'>
  declare readonly relays: EntityTable<RelayRow, 'multiaddr'>
  declare readonly transfers: EntityTable<TransferRow, 'id'>
  declare readonly transferHashes: EntityTable<TransferHashesRow, 'id'>
  /** Compound primary key `[transferId+index]`: Dexie's EntityTable cannot name it, so keys are `[string, number]`. */
  declare readonly fileChunks: Table<FileChunkRow, [string, number]>
  declare readonly fileSources: EntityTable<FileSourceRow, 'id'>
  declare readonly turnServers: EntityTable<TurnServerRow, 'id'>
  declare readonly settings: EntityTable<SettingRow, 'key'>

  constructor (name: string = DEFAULT_DB_NAME, options: ParleyDbOptions = {}) {
    super(name, dexieOptions(options))

    // Every version ever shipped stays here, oldest first; each later one
    // gets `.upgrade((tx) => this.upgradeToVn(tx))` when it moves data.
    this.version(1).stores(dbSchemaV1)
    // v2 adds tables only: nothing to move, so no upgrade step.
    this.version(2).stores(dbSchemaV2)
    // v3 adds the turnServers table: nothing to move either.
    this.version(3).stores(dbSchemaV3)
    // v4 adds the settings table: nothing to move either.
    this.version(4).stores(dbSchemaV4)

    const { onVersionChange } = options
    this.on('versionchange', (event) => {
      // Dexie's own listener closes too but leaves auto-open on, which would
      // silently reopen the old schema against the new database. Close for good.
      this.close({ disableAutoOpen: true })
      onVersionChange?.(event)
      return false
    })
  }
}

/** Passes only the dependencies that were given: an explicit `undefined` would override Dexie's globals. */
function dexieOptions (options: ParleyDbOptions): DexieOptions {
  const out: DexieOptions = {}
  if (options.indexedDB !== undefined) out.indexedDB = options.indexedDB
  if (options.IDBKeyRange !== undefined) out.IDBKeyRange = options.IDBKeyRange
  return out
}
