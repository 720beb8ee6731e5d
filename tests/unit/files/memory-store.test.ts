/**
 * The memory store's own behaviour (the acceptance suite all stores share is
 * chunk-store.test.ts): its bound, and when openChunkStore picks it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { openChunkStore } from '../../../src/lib/files/chunk-store.ts'
import { MEMORY_STORE_MAX_BYTES, MemoryChunkStore } from '../../../src/lib/files/memory-store.ts'
import { errorText } from '../../../src/lib/i18n/error-text.ts'
import { openTestDb } from '../db/helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'

const T1 = '01JD0000000000000000000001'
const T2 = '01JD0000000000000000000002'
const bytes = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(n).fill(7)

describe('MemoryChunkStore', () => {
  it('holds at most its bound of chunk bytes over all transfers, and says so in words', async () => {
    const store = new MemoryChunkStore({ maxBytes: 100 })
    await store.putChunk(T1, 0, bytes(60))
    await store.putChunk(T2, 0, bytes(40))
    expect(store.bytes).toBe(100)
    const full = store.putChunk(T2, 1, bytes(1))
    await expect(full).rejects.toMatchObject({ name: 'MemoryFullError', code: 'fileMemoryFull', params: { max: 100 } })
    expect(errorText('fileMemoryFull', { max: 100 })).toBe('This browser keeps files only in memory, at most 100 B at a time, and that is full. Save and delete other files, then try again, or open Parley in a browser that keeps files.')
    // the refused chunk changed nothing
    expect(store.bytes).toBe(100)
    await expect(store.assemble(T2, 2, '')).rejects.toMatchObject({ name: 'MissingChunkError', params: { index: 1 } })
  })

  it('counts a replaced chunk once, and deleting a transfer frees its bytes', async () => {
    const store = new MemoryChunkStore({ maxBytes: 100 })
    await store.putChunk(T1, 0, bytes(80))
    await store.putChunk(T1, 0, bytes(90))
    expect(store.bytes).toBe(90)
    await store.delete(T1)
    expect(store.bytes).toBe(0)
    await store.putChunk(T2, 0, bytes(100))
    expect(store.bytes).toBe(100)
  })

  it('does not count the sender\'s copy (the tab\'s File) against the bound', async () => {
    const store = new MemoryChunkStore({ maxBytes: 10 })
    await store.putSource(T1, new Blob([bytes(1000)]))
    expect(store.bytes).toBe(0)
    expect((await store.source(T1))?.size).toBe(1000)
  })

  it('is bounded at 256 MiB by default', () => {
    expect(MEMORY_STORE_MAX_BYTES).toBe(256 * 1024 * 1024)
    expect(new MemoryChunkStore().maxBytes).toBe(MEMORY_STORE_MAX_BYTES)
  })
})

describe('openChunkStore without durable storage', () => {
  let db: ParleyDb
  beforeEach(async () => { db = await openTestDb() })
  afterEach(() => { db.close() })

  it('keeps files in memory, saying why, when IndexedDB refuses Blobs (and there is no OPFS)', async () => {
    const refused = new DOMException('An object could not be cloned.', 'DataCloneError')
    const put = vi.spyOn(db.fileSources, 'put').mockRejectedValue(refused)
    const log = vi.fn<(message: string, err: unknown) => void>()
    const store = await openChunkStore(db, { log })
    expect(store.kind).toBe('memory')
    expect(store.maxBytes).toBe(MEMORY_STORE_MAX_BYTES)
    expect(log).toHaveBeenCalledWith(expect.stringContaining('memory'), refused)
    put.mockRestore()
  })

  it('uses IndexedDB when it takes a Blob, and its probe leaves no row behind', async () => {
    const store = await openChunkStore(db, { log: () => { throw new Error('nothing to say') } })
    expect(store.kind).toBe('idb')
    expect(store.maxBytes).toBeUndefined()
    expect(await db.fileSources.count()).toBe(0)
  })
})
