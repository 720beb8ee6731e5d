import Dexie from 'dexie'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_DB_NAME, ParleyDb } from '../../../src/lib/db/db.ts'
import { getProfile, saveProfile } from '../../../src/lib/db/profile.ts'
import { DB_VERSION } from '../../../src/lib/db/schema.ts'
import type { ProfileRow } from '../../../src/lib/db/types.ts'
import { freshDeps, openTestDb } from './helpers.ts'

interface StoreShape {
  keyPath: string | string[] | null
  autoIncrement: boolean
  indexes: Record<string, { keyPath: string | string[], unique: boolean }>
}

/** What IndexedDB itself holds, read through the raw IDBDatabase (not Dexie's view of it). */
function describeBackend (db: ParleyDb): Record<string, StoreShape> {
  const idb = db.backendDB()
  const names = [...idb.objectStoreNames]
  const tx = idb.transaction(names, 'readonly')
  const shape: Record<string, StoreShape> = {}
  for (const name of names) {
    const store = tx.objectStore(name)
    const indexes: StoreShape['indexes'] = {}
    for (const indexName of [...store.indexNames]) {
      const index = store.index(indexName)
      indexes[indexName] = { keyPath: index.keyPath, unique: index.unique }
    }
    shape[name] = { keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes }
  }
  return shape
}

let db: ParleyDb | undefined

afterEach(() => {
  db?.close()
  db = undefined
})

describe('ParleyDb schema', () => {
  it('uses the app database name by default', () => {
    db = new ParleyDb(undefined, freshDeps())
    expect(db.name).toBe(DEFAULT_DB_NAME)
    expect(DEFAULT_DB_NAME).toBe('parley')
  })

  it('opens at version 16 with exactly the intended stores and indexes', async () => {
    db = await openTestDb()
    expect(db.verno).toBe(DB_VERSION)
    expect(DB_VERSION).toBe(16)
    expect(describeBackend(db)).toEqual({
      profile: { keyPath: 'id', autoIncrement: false, indexes: {} },
      contacts: {
        keyPath: 'id',
        autoIncrement: true,
        indexes: {
          peerId: { keyPath: 'peerId', unique: true },
          state: { keyPath: 'state', unique: false },
          devicePeers: { keyPath: 'devicePeers', unique: false }
        }
      },
      messages: {
        keyPath: 'id',
        autoIncrement: false,
        indexes: {
          '[contactId+sentAt+id]': { keyPath: ['contactId', 'sentAt', 'id'], unique: false },
          '[direction+state+contactId]': { keyPath: ['direction', 'state', 'contactId'], unique: false },
          words: { keyPath: 'words', unique: false },
          expiresAt: { keyPath: 'expiresAt', unique: false },
          '[groupId+lamport+fromPeerId+id]': { keyPath: ['groupId', 'lamport', 'fromPeerId', 'id'], unique: false },
          pendingDevices: { keyPath: 'pendingDevices', unique: false }
        }
      },
      relays: {
        keyPath: 'multiaddr',
        autoIncrement: false,
        indexes: { source: { keyPath: 'source', unique: false } }
      },
      transfers: {
        keyPath: 'id',
        autoIncrement: false,
        indexes: {
          '[contactId+id]': { keyPath: ['contactId', 'id'], unique: false },
          state: { keyPath: 'state', unique: false }
        }
      },
      transferHashes: { keyPath: 'id', autoIncrement: false, indexes: {} },
      fileChunks: { keyPath: ['transferId', 'index'], autoIncrement: false, indexes: {} },
      fileSources: { keyPath: 'id', autoIncrement: false, indexes: {} },
      turnServers: { keyPath: 'id', autoIncrement: true, indexes: {} },
      settings: { keyPath: 'key', autoIncrement: false, indexes: {} },
      events: {
        keyPath: 'id',
        autoIncrement: false,
        indexes: {
          contactId: { keyPath: 'contactId', unique: false },
          '[direction+state+contactId]': { keyPath: ['direction', 'state', 'contactId'], unique: false },
          targets: { keyPath: 'targets', unique: false },
          pendingDevices: { keyPath: 'pendingDevices', unique: false }
        }
      },
      groups: { keyPath: 'id', autoIncrement: false, indexes: { state: { keyPath: 'state', unique: false } } },
      groupOps: { keyPath: 'id', autoIncrement: false, indexes: { group: { keyPath: 'group', unique: false } } },
      groupDeliveries: {
        keyPath: ['message', 'peer'],
        autoIncrement: false,
        indexes: {
          '[peer+state]': { keyPath: ['peer', 'state'], unique: false },
          message: { keyPath: 'message', unique: false }
        }
      },
      sessions: { keyPath: 'id', autoIncrement: false, indexes: { peer: { keyPath: 'peer', unique: false } } },
      prekeys: {
        keyPath: ['kind', 'id'],
        autoIncrement: false,
        indexes: {
          relay: { keyPath: 'relay', unique: false },
          dropAt: { keyPath: 'dropAt', unique: false }
        }
      },
      boxes: { keyPath: ['peer', 'item'], autoIncrement: false, indexes: { session: { keyPath: 'session', unique: false } } },
      initsSeen: { keyPath: 'ephemeral', autoIncrement: false, indexes: { expiresAt: { keyPath: 'expiresAt', unique: false } } },
      tombstones: { keyPath: 'id', autoIncrement: false, indexes: { at: { keyPath: 'at', unique: false } } },
      peerTombstones: { keyPath: 'peer', autoIncrement: false, indexes: { at: { keyPath: 'at', unique: false } } },
      keyring: { keyPath: 'id', autoIncrement: false, indexes: {} },
      account: { keyPath: 'id', autoIncrement: false, indexes: {} },
      syncQueue: { keyPath: ['peer', 'id'], autoIncrement: false, indexes: {} }
    })
  })

  it('never indexes message bodies', async () => {
    db = await openTestDb()
    const indexed = db.messages.schema.indexes.flatMap((index) =>
      Array.isArray(index.keyPath) ? index.keyPath : [index.keyPath])
    expect(indexed).not.toContain('body')
    expect(db.messages.schema.primKey.keyPath).toBe('id')
  })

  it('rejects a second contact with the same PeerID', async () => {
    db = await openTestDb()
    const row = {
      peerId: '12D3KooWSame', username: 'a', addresses: [], status: 'offline' as const, notes: '',
      blocked: false, state: 'accepted' as const, verified: false, addedAt: 1, updatedAt: 1
    }
    await db.contacts.add(row)
    await expect(db.contacts.add({ ...row, username: 'b' })).rejects.toMatchObject({ name: 'ConstraintError' })
    expect(await db.contacts.count()).toBe(1)
  })

  it('closes itself and reports when another connection upgrades the database', async () => {
    const deps = freshDeps()
    const onVersionChange = vi.fn<(event: IDBVersionChangeEvent) => void>()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    db = new ParleyDb('parley-vc', { ...deps, onVersionChange })
    await db.open()

    const next = new Dexie('parley-vc', deps)
    next.version(DB_VERSION + 1).stores({ extra: 'id' })
    await next.open()

    expect(onVersionChange).toHaveBeenCalledTimes(1)
    expect(onVersionChange.mock.calls[0]?.[0].newVersion).toBe((DB_VERSION + 1) * 10)
    expect(db.isOpen()).toBe(false)
    expect(next.verno).toBe(DB_VERSION + 1)
    // Closed for good: no silent reopen of the old schema.
    await expect(db.contacts.count()).rejects.toMatchObject({ name: 'DatabaseClosedError' })
    next.close()
    warn.mockRestore()
  })
})

describe('profile', () => {
  it('is absent before onboarding and round-trips once saved', async () => {
    db = await openTestDb()
    expect(await getProfile(db)).toBeUndefined()

    const profile: ProfileRow = {
      id: 1,
      peerId: '12D3KooWMe',
      privateKey: new Uint8Array([8, 1, 18, 64, 1, 2, 3]),
      username: 'me',
      createdAt: 42
    }
    await saveProfile(db, profile)
    await saveProfile(db, { ...profile, username: 'renamed' })

    expect(await db.profile.count()).toBe(1)
    const stored = await getProfile(db)
    expect(stored).toEqual({ ...profile, username: 'renamed' })
    expect(stored?.privateKey).toBeInstanceOf(Uint8Array)
  })
})
