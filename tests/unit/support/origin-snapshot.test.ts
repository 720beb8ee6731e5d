/**
 * The prepared people's storage (tests/support/origin-snapshot.ts): what is
 * taken from one origin comes back the same in a fresh one, byte arrays,
 * dates, compound keys, indexes and key generators included. Run here on
 * fake-indexeddb with the same scripts the browsers evaluate.
 */
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadOriginSnapshot, takeOriginSnapshot } from '../../support/origin-snapshot.ts'
import type { Page } from '@playwright/test'

/** What a page's `evaluate` does with a script, in this process's globals. */
const page = { evaluate: async (script: string): Promise<unknown> => await (0, eval)(script) } as unknown as Page

function memoryStorage (): Storage {
  const items = new Map<string, string>()
  return {
    get length () { return items.size },
    key: (i: number) => [...items.keys()][i] ?? null,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => { items.set(key, value) },
    removeItem: (key: string) => { items.delete(key) },
    clear: () => { items.clear() }
  }
}

function freshOrigin (): void {
  vi.stubGlobal('indexedDB', new IDBFactory())
  vi.stubGlobal('localStorage', memoryStorage())
}

async function request<T> (r: IDBRequest<T>): Promise<T> {
  return await new Promise((resolve, reject) => { r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error ?? new Error('request failed')) } })
}

async function open (version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  const r = indexedDB.open('parley', version)
  if (upgrade !== undefined) r.onupgradeneeded = () => { upgrade(r.result) }
  return await request(r)
}

describe('an origin\'s storage, taken and loaded into a fresh one', () => {
  afterEach(() => { vi.unstubAllGlobals() })

  it('comes back the same: versions, stores, indexes, rows with bytes and dates, localStorage; key generators go on', async () => {
    freshOrigin()
    const db = await open(90, (d) => {
      const contacts = d.createObjectStore('contacts', { keyPath: 'id', autoIncrement: true })
      contacts.createIndex('peerId', 'peerId', { unique: true })
      contacts.createIndex('words', 'words', { multiEntry: true })
      d.createObjectStore('chunks', { keyPath: ['transferId', 'index'] })
      d.createObjectStore('loose')
    })
    const tx = db.transaction(['contacts', 'chunks', 'loose'], 'readwrite')
    tx.objectStore('contacts').put({ peerId: '12D3KooWA', key: new Uint8Array([0, 1, 254, 255]), words: ['a', 'b'], at: new Date(5) })
    tx.objectStore('contacts').put({ peerId: '12D3KooWB', nested: { list: [new Uint8Array(70_000).fill(7)] } })
    tx.objectStore('chunks').put({ transferId: 't', index: 3, raw: new Uint8Array([9]).buffer })
    tx.objectStore('loose').put({ kept: true }, 'a key of its own')
    await new Promise((resolve) => { tx.oncomplete = resolve })
    db.close()
    localStorage.setItem('parley.theme', 'dark')

    const taken = await takeOriginSnapshot(page)
    freshOrigin()
    await loadOriginSnapshot(page, taken)
    expect(await takeOriginSnapshot(page)).toEqual(taken)
    expect(localStorage.getItem('parley.theme')).toBe('dark')

    const again = await open()
    expect(again.version).toBe(90)
    const contacts = again.transaction('contacts', 'readwrite').objectStore('contacts')
    const first = await request(contacts.index('peerId').get('12D3KooWA')) as { id: number, key: Uint8Array, at: Date }
    expect(first.key).toBeInstanceOf(Uint8Array)
    expect([...first.key]).toEqual([0, 1, 254, 255])
    expect(first.at).toEqual(new Date(5))
    expect(await request(contacts.index('words').count('b'))).toBe(1)
    // the next contact gets the next id, as it would have there
    expect(await request(contacts.add({ peerId: '12D3KooWC' }))).toBe(3)
    again.close()
  })

  it('refuses to load over a database that exists already', async () => {
    freshOrigin()
    ;(await open(10, (d) => { d.createObjectStore('profile', { keyPath: 'id' }) })).close()
    const taken = await takeOriginSnapshot(page)
    await expect(loadOriginSnapshot(page, taken)).rejects.toThrow(/exists already/)
  })
})
