/** Shared by the state manager tests: a fake-indexeddb for liveQuery, and chats to read. */
import Dexie from 'dexie'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { newMessageId } from '../../../src/lib/db/messages.ts'
import type { ContactId, MessageRow } from '../../../src/lib/db/types.ts'

/** Lets liveQuery run: it runs only where Dexie found an IndexedDB at load time (Node has none). Call in `beforeAll`. */
export function enableLiveQuery (): void {
  Dexie.dependencies.indexedDB ??= new IDBFactory()
  Dexie.dependencies.IDBKeyRange ??= IDBKeyRange
}

/** `count` messages "m0" … in contact `contactId`'s chat, one second apart. */
export async function seedChat (d: ParleyDb, contactId: ContactId, count: number): Promise<MessageRow[]> {
  const rows: MessageRow[] = Array.from({ length: count }, (_, i) => ({
    id: newMessageId(1_000_000 + i * 1000),
    contactId,
    direction: i % 2 === 0 ? 'out' : 'in',
    fromPeerId: 'x',
    kind: 'text',
    body: `m${i}`,
    sentAt: 1_000_000 + i * 1000,
    state: 'delivered'
  }))
  await d.messages.bulkAdd(rows)
  return rows
}
