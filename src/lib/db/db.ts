import Dexie, { type DBCore, type DBCoreMutateRequest, type DexieOptions, type EntityTable, type Middleware, type Table, type Transaction } from 'dexie'
import { dbSchemaV1, dbSchemaV10, dbSchemaV11, dbSchemaV12, dbSchemaV13, dbSchemaV14, dbSchemaV15, dbSchemaV16, dbSchemaV2, dbSchemaV3, dbSchemaV4, dbSchemaV5, dbSchemaV6, dbSchemaV7, dbSchemaV8, dbSchemaV9 } from './schema.ts'
import { SECRET_FIELDS, Vault, vaultMiddleware } from './vault.ts'
import { accountOfProfile, type AccountRow } from './account.ts'
import type { SyncQueueRow } from './sync-queue.ts'
import type { KeyringRow } from './keyring.ts'
import type { SecretTable } from './vault.ts'
import { awaitsAcks, devicesOf, type PendingFields } from './pending-rows.ts'
import { messageWords } from './search.ts'
import type { BoxRow, InitSeenRow, PrekeyRow, SessionRow } from './session-types.ts'
import type {
  ContactRow, EventRow, FileChunkRow, GroupDeliveryRow, GroupOpRow, GroupRow, FileSourceRow, MessageRow, PeerTombstoneRow, ProfileRow, RelayRow, SettingRow, TombstoneRow,
  TransferHashesRow, TransferRow, TurnServerRow
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
  declare readonly events: EntityTable<EventRow, 'id'>
  declare readonly groups: EntityTable<GroupRow, 'id'>
  declare readonly groupOps: EntityTable<GroupOpRow, 'id'>
  declare readonly groupDeliveries: Table<GroupDeliveryRow, [string, string]>
  declare readonly sessions: EntityTable<SessionRow, 'id'>
  /** Compound primary key `[kind+id]`. */
  declare readonly prekeys: Table<PrekeyRow, [number, number]>
  /** Compound primary key `[peer+item]`. */
  declare readonly boxes: Table<BoxRow, [string, string]>
  declare readonly initsSeen: EntityTable<InitSeenRow, 'ephemeral'>
  declare readonly tombstones: EntityTable<TombstoneRow, 'id'>
  declare readonly peerTombstones: EntityTable<PeerTombstoneRow, 'peer'>
  /** The vault's key (schema v12): one row. */
  declare readonly keyring: EntityTable<KeyringRow, 'id'>
  /** The account this device belongs to and its device list (schema v13): one row once there is a profile. */
  declare readonly account: EntityTable<AccountRow, 'id'>
  /** What this device has still to tell each sibling device (schema v16, db/sync-queue.ts). */
  declare readonly syncQueue: Table<SyncQueueRow, [string, string]>
  /**
   * What seals and opens the secret fields of `profile`, `sessions` and
   * `prekeys` (vault.ts); locked until the node's `openVault` (keyring.ts).
   */
  readonly vault = new Vault()
  /** The key range class of this database's IndexedDB, for raw requests (search-cursors.ts). */
  readonly keyRange: typeof IDBKeyRange

  constructor (name: string = DEFAULT_DB_NAME, options: ParleyDbOptions = {}) {
    super(name, dexieOptions(options))
    this.keyRange = options.IDBKeyRange ?? globalThis.IDBKeyRange

    // Every version ever shipped stays here, oldest first; each later one
    // gets `.upgrade((tx) => this.upgradeToVn(tx))` when it moves data.
    this.version(1).stores(dbSchemaV1)
    // v2 adds tables only: nothing to move, so no upgrade step.
    this.version(2).stores(dbSchemaV2)
    // v3 adds the turnServers table: nothing to move either.
    this.version(3).stores(dbSchemaV3)
    // v4 adds the settings table: nothing to move either.
    this.version(4).stores(dbSchemaV4)
    // v5 adds the `*words` search index: fill it for the messages already stored.
    this.version(5).stores(dbSchemaV5).upgrade(async (tx) => { await fillWords(tx) })
    // v6: a failed transfer's reason is a code (`problem`), no longer a sentence (`error`).
    this.version(6).stores(dbSchemaV6).upgrade(async (tx) => { await reasonsToProblems(tx) })
    // new optional fields and a new table: nothing to rewrite
    this.version(7).stores(dbSchemaV7)
    // groups: new tables, a new index over new optional fields; nothing to rewrite
    this.version(8).stores(dbSchemaV8)
    // secure sessions: new tables only
    this.version(9).stores(dbSchemaV9)
    // sessions are mandatory: a contact we have a session with speaks sessions (`sessions: true`)
    this.version(10).stores(dbSchemaV10).upgrade(async (tx) => { await markSessionPeers(tx) })
    // freshness: tombstones of expired and deleted messages, and of deleted contacts; new tables only
    this.version(11).stores(dbSchemaV11)
    // keys at rest: the keyring table; plain secret rows are sealed by openVault (keyring.ts), not here
    this.version(12).stores(dbSchemaV12)
    // linked devices: an existing identity becomes an account with one device, itself; its list is signed by the node at start
    this.version(13).stores(dbSchemaV13).upgrade(async (tx) => { await accountFromProfile(tx) })
    // contacts' device lists: a new index only, no row has a list yet
    this.version(14).stores(dbSchemaV14)
    // fan-out: what waits for each of a contact's devices; every unacked outgoing row waits for its contact's devices
    this.version(15).stores(dbSchemaV15).upgrade(async (tx) => { await pendingForDevices(tx) })
    // own devices in step: the sync queue, a new table only
    this.version(16).stores(dbSchemaV16)

    // `words` exists for the index only: written on every add/put, never handed out.
    this.use(messageWordsMiddleware)
    this.messages.hook('reading', withoutWords)
    // secrets sealed on every write, opened on every read (vault.ts)
    this.use(vaultMiddleware(this.vault))
    for (const name of Object.keys(SECRET_FIELDS) as SecretTable[]) {
      this.table(name).hook('reading', (row: Record<string, unknown> | undefined) => this.vault.openRow(name, row))
    }

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

/** A stored message row: a `MessageRow` plus its search words. */
type StoredMessage = MessageRow & { words?: string[] }

/** `row` with `words` recomputed from its body and file name (a new object: the caller's row stays as it was). */
function withWords (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  const row = value as StoredMessage
  if (typeof row.body !== 'string') return value
  return { ...row, words: messageWords(row) }
}

/** The row as the app sees it: without the index-only `words`. */
function withoutWords (value: StoredMessage | undefined): MessageRow | undefined {
  if (value === undefined || value.words === undefined) return value
  const { words: _words, ...row } = value
  return row
}

/**
 * Keeps `messages.words` (schema v5) in step with every write: each row an
 * add or put stores (`add`, `put`, `bulkPut`, `update`, `modify`, backups,
 * upgrades) gets its words computed from what is actually stored.
 */
const messageWordsMiddleware: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'ParleyMessageWords',
  create: (down) => ({
    ...down,
    table: (name) => {
      const table = down.table(name)
      if (name !== 'messages') return table
      return {
        ...table,
        mutate: async (req: DBCoreMutateRequest) => {
          if (req.type !== 'add' && req.type !== 'put') return table.mutate(req)
          return table.mutate({ ...req, values: req.values.map(withWords) })
        }
      }
    }
  })
}

/** v5 upgrade: stores `words` on every message (the middleware computes them on the put). */
async function fillWords (tx: Transaction): Promise<void> {
  await tx.table<StoredMessage, string>('messages').toCollection().modify((row) => {
    row.words = messageWords(row)
  })
}

/** v6 upgrade: each transfer's worded `error` becomes the `problem` `fileFailedEarlier`, carrying the old words. */
async function reasonsToProblems (tx: Transaction): Promise<void> {
  await tx.table<TransferRow & { error?: unknown }, string>('transfers').toCollection().modify((row) => {
    if (typeof row.error === 'string' && row.error.trim() !== '') row.problem = { code: 'fileFailedEarlier', params: { reason: row.error } }
    delete row.error
  })
}

/** v10 upgrade: every contact with a session row speaks sessions (`sessions: true`, kept for good). */
async function markSessionPeers (tx: Transaction): Promise<void> {
  const peers = new Set<string>()
  await tx.table<{ peer: string }, string>('sessions').each((row) => { peers.add(row.peer) })
  if (peers.size === 0) return
  await tx.table<ContactRow, number>('contacts').where('peerId').anyOf([...peers]).modify((row) => { row.sessions = true })
}

/**
 * v13 upgrade: the profile, when there is one, becomes the account's first
 * device (holding the key it always had; named '' and with no list
 * yet). Only its PeerID is read: it is never sealed, so the row reads the
 * same whether v12's vault sealed it or not.
 */
async function accountFromProfile (tx: Transaction): Promise<void> {
  const profile = await tx.table<{ peerId?: unknown }, number>('profile').get(1)
  if (typeof profile?.peerId !== 'string') return
  await tx.table<AccountRow, number>('account').put(accountOfProfile({ peerId: profile.peerId }))
}

/**
 * v15 upgrade: each outgoing message and event to a contact still waiting
 * for an ack (queued, sent, stored) waits for the contact's devices as its
 * row names them (its PeerID alone without a list); one a relay held was
 * held for the contact's PeerID, the only one it was sent to.
 */
async function pendingForDevices (tx: Transaction): Promise<void> {
  const contacts = new Map<number, ContactRow>()
  await tx.table<ContactRow, number>('contacts').each((row) => { contacts.set(row.id, row) })
  const upgrade = (row: PendingFields): void => {
    const contact = contacts.get(row.contactId)
    if (contact === undefined || !awaitsAcks(row)) return
    row.pendingDevices = devicesOf(contact)
    if (row.state === 'stored') row.storedDevices = [contact.peerId]
  }
  for (const table of ['messages', 'events'] as const) {
    await tx.table<PendingFields, string>(table).where('[direction+state+contactId]')
      .between(['out', Dexie.minKey, Dexie.minKey], ['out', Dexie.maxKey, Dexie.maxKey]).modify(upgrade)
  }
}

/** Passes only the dependencies that were given: an explicit `undefined` would override Dexie's globals. */
function dexieOptions (options: ParleyDbOptions): DexieOptions {
  const out: DexieOptions = {}
  if (options.indexedDB !== undefined) out.indexedDB = options.indexedDB
  if (options.IDBKeyRange !== undefined) out.IDBKeyRange = options.IDBKeyRange
  return out
}
