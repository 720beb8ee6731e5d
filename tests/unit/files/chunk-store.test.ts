/**
 * The chunk stores run one acceptance suite (automerge-repo style): IndexedDB
 * on fake-indexeddb (which stores Blobs by structured clone in Node 20, as
 * browsers do), OPFS on the small in-memory fake below, and the memory store
 * (its own limits: memory-store.test.ts). The fake has only
 * what the store calls, with the browser's behaviour for it: NotFoundError for
 * missing entries, writes that land only on close(), abort() discarding them,
 * TypeError for names that are not a single path component.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import {
  IdbChunkStore, MissingChunkError, OPFS_ROOT_DIR, OpfsChunkStore, openChunkStore, SOURCE_FILE, type ChunkStore
} from '../../../src/lib/files/chunk-store.ts'
import { MemoryChunkStore } from '../../../src/lib/files/memory-store.ts'
import { rejectionWords } from '../../support/words.ts'
import { openTestDb } from '../db/helpers.ts'

// ---------------------------------------------------------------- the OPFS fake

const notFound = (name: string): DOMException => new DOMException(`"${name}" was not found`, 'NotFoundError')

function checkName (name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    throw new TypeError(`Name is not allowed: ${JSON.stringify(name)}`)
  }
}

/** A file's committed contents. */
class FakeFileHandle {
  readonly kind = 'file'
  parts: BlobPart[] = []
  /** Every writable opened on this file, for assertions. */
  readonly writables: FakeWritable[] = []
  readonly name: string
  readonly #writable: boolean

  constructor (name: string, writable: boolean) {
    this.name = name
    this.#writable = writable
  }

  async getFile (): Promise<File> {
    return new File(this.parts, this.name)
  }

  /** Absent on an old browser (`writable: false`), as in Safari before it shipped createWritable. */
  get createWritable (): (() => Promise<FakeWritable>) | undefined {
    if (!this.#writable) return undefined
    return async () => {
      const writable = new FakeWritable(this)
      this.writables.push(writable)
      return writable
    }
  }
}

/** Buffers writes and swaps them in on close(), like the browser's temporary file. */
class FakeWritable {
  readonly written: unknown[] = []
  state: 'open' | 'closed' | 'aborted' = 'open'
  /** Set by a test to make the next write fail (e.g. the quota is exceeded). */
  failWith?: Error
  readonly #file: FakeFileHandle

  constructor (file: FakeFileHandle) {
    this.#file = file
  }

  async write (data: Blob | BufferSource): Promise<void> {
    if (this.state !== 'open') throw new TypeError('The stream is closed')
    if (this.failWith !== undefined) throw this.failWith
    // The browser takes its own copy of buffer data before write() resolves.
    this.written.push(data instanceof Blob ? data : new Uint8Array(ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data.slice(0)))
  }

  async close (): Promise<void> {
    if (this.state !== 'open') throw new TypeError('The stream is closed')
    this.state = 'closed'
    this.#file.parts = this.written as BlobPart[]
  }

  async abort (): Promise<void> {
    this.state = 'aborted'
  }
}

class FakeDirectoryHandle {
  readonly kind = 'directory'
  readonly entries = new Map<string, FakeDirectoryHandle | FakeFileHandle>()
  readonly #writable: boolean

  constructor (options: { writable?: boolean } = {}) {
    this.#writable = options.writable ?? true
  }

  async getDirectoryHandle (name: string, options: { create?: boolean } = {}): Promise<FakeDirectoryHandle> {
    checkName(name)
    const entry = this.entries.get(name)
    if (entry instanceof FakeDirectoryHandle) return entry
    if (entry !== undefined) throw new DOMException(`"${name}" is a file`, 'TypeMismatchError')
    if (options.create !== true) throw notFound(name)
    const dir = new FakeDirectoryHandle({ writable: this.#writable })
    this.entries.set(name, dir)
    return dir
  }

  async getFileHandle (name: string, options: { create?: boolean } = {}): Promise<FakeFileHandle> {
    checkName(name)
    const entry = this.entries.get(name)
    if (entry instanceof FakeFileHandle) return entry
    if (entry !== undefined) throw new DOMException(`"${name}" is a directory`, 'TypeMismatchError')
    if (options.create !== true) throw notFound(name)
    const file = new FakeFileHandle(name, this.#writable)
    this.entries.set(name, file)
    return file
  }

  async removeEntry (name: string, options: { recursive?: boolean } = {}): Promise<void> {
    checkName(name)
    const entry = this.entries.get(name)
    if (entry === undefined) throw notFound(name)
    if (entry instanceof FakeDirectoryHandle && entry.entries.size > 0 && options.recursive !== true) {
      throw new DOMException(`"${name}" is not empty`, 'InvalidModificationError')
    }
    this.entries.delete(name)
  }

  /** The tree below this directory as paths, for assertions. */
  paths (prefix = ''): string[] {
    return [...this.entries].flatMap(([name, entry]) =>
      entry instanceof FakeDirectoryHandle ? [`${prefix}${name}/`, ...entry.paths(`${prefix}${name}/`)] : [`${prefix}${name}`])
  }
}

const asHandle = (dir: FakeDirectoryHandle): FileSystemDirectoryHandle => dir as unknown as FileSystemDirectoryHandle

// ---------------------------------------------------------------- the suite

const T1 = '01JD0000000000000000000001'
const T2 = '01JD0000000000000000000002'
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const read = async (blob: Blob | undefined): Promise<string> => blob === undefined ? '<none>' : blob.text()

let db: ParleyDb
beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

const setups: Array<[string, () => Promise<ChunkStore>]> = [
  ['opfs', async () => OpfsChunkStore.open(asHandle(new FakeDirectoryHandle()))],
  ['idb', async () => new IdbChunkStore(db)],
  ['memory', async () => new MemoryChunkStore()]
]

describe.each(setups)('%s chunk store', (kind, setup) => {
  let store: ChunkStore
  beforeEach(async () => { store = await setup() })

  it('says which kind it is', () => {
    expect(store.kind).toBe(kind)
  })

  it('assembles the stored chunks in index order, with the type', async () => {
    await store.putChunk(T1, 2, text('cc'))
    await store.putChunk(T1, 0, text('aaaa'))
    await store.putChunk(T1, 1, text('bbbb'))
    const blob = await store.assemble(T1, 3, 'text/plain')
    expect(blob.type).toBe('text/plain')
    expect(blob.size).toBe(10)
    expect(await blob.text()).toBe('aaaabbbbcc')
  })

  it('replaces a chunk stored twice', async () => {
    await store.putChunk(T1, 0, text('bad!'))
    await store.putChunk(T1, 0, text('good'))
    expect(await read(await store.assemble(T1, 1, ''))).toBe('good')
  })

  it('stores exactly the bytes of a view, and its own copy of them', async () => {
    const buffer = text('xxABCDxx')
    await store.putChunk(T1, 0, buffer.subarray(2, 6))
    buffer.fill(0)
    expect(await read(await store.assemble(T1, 1, ''))).toBe('ABCD')
  })

  it('uses only the chunks below chunkCount', async () => {
    await store.putChunk(T1, 0, text('a'))
    await store.putChunk(T1, 1, text('b'))
    await store.putChunk(T1, 5, text('z'))
    expect(await read(await store.assemble(T1, 2, ''))).toBe('ab')
  })

  it('assembles an empty file from no chunks', async () => {
    const blob = await store.assemble(T1, 0, 'application/octet-stream')
    expect(blob.size).toBe(0)
    expect(blob.type).toBe('application/octet-stream')
  })

  it('throws MissingChunkError when a chunk is missing, or the transfer has none', async () => {
    await store.putChunk(T1, 0, text('a'))
    await store.putChunk(T1, 2, text('c'))
    await expect(store.assemble(T1, 3, '')).rejects.toThrow(MissingChunkError)
    await expect(store.assemble(T1, 3, '')).rejects.toMatchObject({ code: 'chunkMissing', params: { index: 1, transferId: T1 } })
    expect(await rejectionWords(store.assemble(T1, 3, ''))).toMatch(/^Chunk 1 of /)
    await expect(store.assemble(T1, 4, '')).rejects.toMatchObject({ name: 'MissingChunkError' })
    await expect(store.assemble(T2, 1, '')).rejects.toMatchObject({ name: 'MissingChunkError' })
  })

  it('keeps the sender\'s copy of a file', async () => {
    expect(await store.source(T1)).toBeUndefined()
    await store.putSource(T1, new Blob(['the whole file']))
    expect(await read(await store.source(T1))).toBe('the whole file')
    await store.putSource(T1, new Blob(['replaced']))
    expect(await read(await store.source(T1))).toBe('replaced')
    expect(await store.source(T2)).toBeUndefined()
  })

  it('deletes the chunks and the source of one transfer only; deleting twice is fine', async () => {
    for (const id of [T1, T2]) {
      await store.putChunk(id, 0, text(`${id}-0`))
      await store.putSource(id, new Blob([`${id}-source`]))
    }
    await store.delete(T1)
    await store.delete(T1)
    await store.delete('01JD00000000000000000000ZZ')

    await expect(store.assemble(T1, 1, '')).rejects.toThrow(MissingChunkError)
    expect(await store.source(T1)).toBeUndefined()
    expect(await read(await store.assemble(T2, 1, ''))).toBe(`${T2}-0`)
    expect(await read(await store.source(T2))).toBe(`${T2}-source`)
  })

  it('refuses ids that are not a single safe name, and indices that are not whole numbers', async () => {
    for (const id of ['', '..', '../x', 'a/b', 'a\\b', 'x'.repeat(65)]) {
      await expect(store.putChunk(id, 0, text('a'))).rejects.toThrow(RangeError)
      await expect(store.putSource(id, new Blob(['a']))).rejects.toThrow(RangeError)
      await expect(store.delete(id)).rejects.toThrow(RangeError)
    }
    await expect(store.putChunk(T1, -1, text('a'))).rejects.toThrow(RangeError)
    await expect(store.putChunk(T1, 1.5, text('a'))).rejects.toThrow(RangeError)
    await expect(store.assemble(T1, -1, '')).rejects.toThrow(RangeError)
  })
})

describe('OpfsChunkStore', () => {
  it('lays files out as parley-files/<transfer>/<index> and .../source', async () => {
    const root = new FakeDirectoryHandle()
    const store = await OpfsChunkStore.open(asHandle(root))
    await store.putChunk(T1, 0, text('a'))
    await store.putChunk(T1, 10, text('b'))
    await store.putSource(T1, new Blob(['s']))
    expect(root.paths().sort()).toEqual([`${OPFS_ROOT_DIR}/`, `${OPFS_ROOT_DIR}/${T1}/`, `${OPFS_ROOT_DIR}/${T1}/0`, `${OPFS_ROOT_DIR}/${T1}/10`, `${OPFS_ROOT_DIR}/${T1}/${SOURCE_FILE}`].sort())
  })

  it('hands the source Blob to the writable as is, so the browser streams it', async () => {
    const root = new FakeDirectoryHandle()
    const store = await OpfsChunkStore.open(asHandle(root))
    const blob = new Blob(['big file'])
    const arrayBuffer = vi.spyOn(blob, 'arrayBuffer')
    await store.putSource(T1, blob)

    const dir = await (await root.getDirectoryHandle(OPFS_ROOT_DIR)).getDirectoryHandle(T1)
    const file = await dir.getFileHandle(SOURCE_FILE)
    expect(file.writables).toHaveLength(1)
    expect(file.writables[0]?.written).toEqual([blob])
    expect(file.writables[0]?.written[0]).toBe(blob)
    expect(file.writables[0]?.state).toBe('closed')
    expect(arrayBuffer).not.toHaveBeenCalled()
  })

  it('aborts the writable and rethrows when a write fails, leaving the old chunk in place', async () => {
    const root = new FakeDirectoryHandle()
    const store = await OpfsChunkStore.open(asHandle(root))
    await store.putChunk(T1, 0, text('old'))
    const file = await (await (await root.getDirectoryHandle(OPFS_ROOT_DIR)).getDirectoryHandle(T1)).getFileHandle('0')
    const quota = new DOMException('The quota was exceeded', 'QuotaExceededError')
    const open = file.createWritable
    if (open === undefined) throw new Error('the fake has createWritable')
    vi.spyOn(file, 'createWritable', 'get').mockReturnValue(async () => {
      const writable = await open()
      writable.failWith = quota
      return writable
    })

    await expect(store.putChunk(T1, 0, text('new'))).rejects.toBe(quota)
    expect(file.writables.at(-1)?.state).toBe('aborted')
    expect(await read(await store.assemble(T1, 1, ''))).toBe('old')
  })

  it('rethrows errors other than NotFoundError from source()', async () => {
    const root = new FakeDirectoryHandle()
    const store = await OpfsChunkStore.open(asHandle(root))
    // A directory where the source file should be: not "absent", something is wrong.
    await (await (await root.getDirectoryHandle(OPFS_ROOT_DIR)).getDirectoryHandle(T1, { create: true })).getDirectoryHandle(SOURCE_FILE, { create: true })
    await expect(store.source(T1)).rejects.toMatchObject({ name: 'TypeMismatchError' })
  })
})

describe('openChunkStore', () => {
  it('uses OPFS when it works, and the probe leaves nothing behind', async () => {
    const root = new FakeDirectoryHandle()
    const log = vi.fn()
    const store = await openChunkStore(db, { getDirectory: async () => asHandle(root), log })
    expect(store.kind).toBe('opfs')
    expect(root.paths()).toEqual([`${OPFS_ROOT_DIR}/`])
    expect(log).not.toHaveBeenCalled()
  })

  it('falls back to IndexedDB, saying why, when OPFS cannot be opened', async () => {
    const log = vi.fn<(message: string, err: unknown) => void>()
    const denied = new DOMException('denied', 'SecurityError')
    const store = await openChunkStore(db, { getDirectory: async () => { throw denied }, log })
    expect(store.kind).toBe('idb')
    expect(log).toHaveBeenCalledWith(expect.stringContaining('IndexedDB'), denied)
  })

  it('falls back to IndexedDB when files cannot be written (no createWritable)', async () => {
    const root = new FakeDirectoryHandle({ writable: false })
    const log = vi.fn()
    const store = await openChunkStore(db, { getDirectory: async () => asHandle(root), log })
    expect(store.kind).toBe('idb')
    expect(log).toHaveBeenCalledTimes(1)
    // The probe cleaned up after itself even though it failed.
    expect(root.paths()).toEqual([`${OPFS_ROOT_DIR}/`])
  })

  it('uses IndexedDB when told to, or when there is no OPFS (as in Node)', async () => {
    const getDirectory = vi.fn(async () => asHandle(new FakeDirectoryHandle()))
    expect((await openChunkStore(db, { preferOpfs: false, getDirectory })).kind).toBe('idb')
    expect(getDirectory).not.toHaveBeenCalled()
    const log = vi.fn()
    expect((await openChunkStore(db, { log })).kind).toBe('idb')
    expect(log).not.toHaveBeenCalled()
  })
})

describe('IdbChunkStore', () => {
  it('keeps chunks as Blob rows in fileChunks and sources in fileSources', async () => {
    const store = new IdbChunkStore(db)
    await store.putChunk(T1, 3, text('abc'))
    await store.putSource(T1, new Blob(['src']))
    const rows = await db.fileChunks.toArray()
    expect(rows.map((r) => [r.transferId, r.index])).toEqual([[T1, 3]])
    expect(rows[0]?.data).toBeInstanceOf(Blob)
    expect(await read(rows[0]?.data)).toBe('abc')
    expect(await read((await db.fileSources.get(T1))?.blob)).toBe('src')
  })
})
