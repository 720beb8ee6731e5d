import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import { ParleyDb, type ParleyDbOptions } from '../../../src/lib/db/db.ts'
import { openVault } from '../../../src/lib/db/keyring.ts'
import type { ContactId } from '../../../src/lib/db/types.ts'

/** IndexedDB dependencies backed by a brand-new, empty in-memory factory. */
export function freshDeps (): { indexedDB: IDBFactory, IDBKeyRange: typeof IDBKeyRange } {
  return { indexedDB: new IDBFactory(), IDBKeyRange }
}

/** A ParleyDb on its own fake-indexeddb factory, opened, its vault unlocked as the node does (db/keyring.ts). */
export async function openTestDb (options: Omit<ParleyDbOptions, 'indexedDB' | 'IDBKeyRange'> = {}): Promise<ParleyDb> {
  const db = new ParleyDb('parley-test', { ...freshDeps(), ...options })
  await db.open()
  await openVault(db)
  return db
}

/** Adds a contact with a derived PeerID and returns its id. */
export async function addContact (db: ParleyDb, username: string, extra: { nickname?: string, now?: number } = {}): Promise<ContactId> {
  const id = await upsertContact(db, {
    peerId: `12D3KooW${username}`,
    username,
    addresses: [`/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooW${username}`],
    now: extra.now ?? 1_000
  })
  if (extra.nickname !== undefined) await db.contacts.update(id, { nickname: extra.nickname })
  return id
}
