/**
 * Where the bytes of file transfers live (docs/protocols.md, "Files"): the
 * chunks a receiver verified, and the sender's own copy of a file it offers
 * (so it can still serve it after a restart). The transfer rows themselves
 * are in db/transfers*.ts.
 *
 * Three stores behind one small interface:
 * - OPFS (preferred): `parley-files/<transferId>/<index>` per chunk and
 *   `parley-files/<transferId>/source`, written with `createWritable()`
 *   (`createSyncAccessHandle` is not available in a SharedWorker).
 * - IndexedDB, when OPFS is missing or unusable: Blobs in the `fileChunks`
 *   and `fileSources` tables.
 * - memory (files/memory-store.ts), when IndexedDB refuses Blobs too: kept
 *   only while the node runs, and bounded.
 *
 * Either way a received file is handed out as one Blob built from the stored
 * chunks, which the browser keeps on disk (in memory for the last store): no
 * file is ever read into one buffer.
 */
import Dexie from 'dexie'
import type { ParleyDb } from '../db/db.ts'
import { checkCount, checkIndex, checkTransferId, MissingChunkError } from './store-common.ts'
import { MemoryChunkStore } from './memory-store.ts'

export interface ChunkStore {
  /** Which store this is; saved on each transfer row (`TransferRow.store`). */
  readonly kind: 'opfs' | 'idb' | 'memory'
  /** The most bytes of chunks it can hold at once, when it is bounded (memory); undefined: as much as the device allows. */
  readonly maxBytes?: number
  /** Stores chunk `index` of a received file (replacing any earlier copy); durable when it resolves. */
  putChunk: (transferId: string, index: number, data: Uint8Array) => Promise<void>
  /**
   * The received file as one Blob built from the stored chunks (disk-backed,
   * never read into memory).
   *
   * @throws MissingChunkError when one of the chunks is not stored
   */
  assemble: (transferId: string, chunkCount: number, mime: string) => Promise<Blob>
  /** Keeps the sender's own copy of a file it offers (so it can serve after a restart); streamed, not read into memory. */
  putSource: (transferId: string, blob: Blob) => Promise<void>
  /** The sender's copy, or undefined when there is none. */
  source: (transferId: string) => Promise<Blob | undefined>
  /** Deletes every byte kept for the transfer (chunks and source); nothing to delete is fine. */
  delete: (transferId: string) => Promise<void>
}

export interface ChunkStoreOptions {
  /** Use OPFS when it works (default true); false keeps everything in IndexedDB. */
  preferOpfs?: boolean
  /** The OPFS root directory; defaults to `navigator.storage.getDirectory()` (tests pass a fake). */
  getDirectory?: () => Promise<FileSystemDirectoryHandle>
  /** Told why OPFS was not used when it was tried and failed (default: console.warn). */
  log?: (message: string, err: unknown) => void
}

export { MissingChunkError }

/** The directory under the OPFS root that holds one directory per transfer. */
export const OPFS_ROOT_DIR = 'parley-files'
/** The file name of the sender's copy inside a transfer's directory (chunk files have decimal names). */
export const SOURCE_FILE = 'source'
/** Chunk files opened at once while assembling: enough to hide per-file latency, few enough to bound open handles. */
const ASSEMBLE_BATCH = 64
const CHUNK_KEY = '[transferId+index]'

/**
 * The chunk store for this browser: OPFS when `navigator.storage.getDirectory`
 * exists and a probe (a directory and a small file created with
 * `createWritable()`, then removed) succeeds, else IndexedDB when it takes a
 * Blob (a probe row written and deleted), else memory.
 */
export async function openChunkStore (db: ParleyDb, options: ChunkStoreOptions = {}): Promise<ChunkStore> {
  const getDirectory = options.getDirectory ?? browserDirectory()
  if (options.preferOpfs !== false && getDirectory !== undefined) {
    try {
      const store = await OpfsChunkStore.open(await getDirectory())
      await store.probe()
      return store
    } catch (err) {
      // Not an error for the user: IndexedDB holds the files instead. Said once, at start-up.
      const log = options.log ?? ((message: string, cause: unknown) => { console.warn(message, cause) })
      log('parley: OPFS is unusable, keeping files in IndexedDB', err)
    }
  }
  const idb = new IdbChunkStore(db)
  try {
    await idb.probe()
    return idb
  } catch (err) {
    // The files still move; the status tells the tab, which says what it means (kernel/capabilities.ts).
    const log = options.log ?? ((message: string, cause: unknown) => { console.warn(message, cause) })
    log('parley: IndexedDB refuses Blobs, keeping files in memory while the app is open', err)
    return new MemoryChunkStore()
  }
}

/** Chunks and sources as files in the origin private file system. */
export class OpfsChunkStore implements ChunkStore {
  readonly kind = 'opfs'
  readonly #root: FileSystemDirectoryHandle

  /** @param root the `parley-files` directory (see `OpfsChunkStore.open`) */
  constructor (root: FileSystemDirectoryHandle) {
    this.#root = root
  }

  /** A store in `parley-files` under the given OPFS root, created when missing. */
  static async open (opfsRoot: FileSystemDirectoryHandle): Promise<OpfsChunkStore> {
    return new OpfsChunkStore(await opfsRoot.getDirectoryHandle(OPFS_ROOT_DIR, { create: true }))
  }

  /** Creates and removes a directory with a small file in it: throws when OPFS cannot be written here. */
  async probe (): Promise<void> {
    const name = `.probe-${crypto.randomUUID()}`
    const dir = await this.#root.getDirectoryHandle(name, { create: true })
    try {
      await writeFile(dir, 'probe', new Uint8Array([1]))
    } finally {
      await this.#root.removeEntry(name, { recursive: true })
    }
  }

  async putChunk (transferId: string, index: number, data: Uint8Array): Promise<void> {
    checkIndex(index)
    await writeFile(await this.#dir(transferId, true), String(index), ownBytes(data))
  }

  async assemble (transferId: string, chunkCount: number, mime: string): Promise<Blob> {
    checkCount(chunkCount)
    if (chunkCount === 0) return new Blob([], { type: mime })
    const dir = await this.#dir(transferId, false).catch((err: unknown) => {
      throw isNotFound(err) ? new MissingChunkError('chunksMissing', { transferId }) : err
    })
    const parts: File[] = []
    for (let start = 0; start < chunkCount; start += ASSEMBLE_BATCH) {
      const batch = Array.from({ length: Math.min(ASSEMBLE_BATCH, chunkCount - start) }, async (_, i) => {
        const index = start + i
        try {
          return await (await dir.getFileHandle(String(index))).getFile()
        } catch (err) {
          throw isNotFound(err) ? new MissingChunkError('chunkMissing', { index, transferId }) : err
        }
      })
      parts.push(...await Promise.all(batch))
    }
    return new Blob(parts, { type: mime })
  }

  async putSource (transferId: string, blob: Blob): Promise<void> {
    await writeFile(await this.#dir(transferId, true), SOURCE_FILE, blob)
  }

  async source (transferId: string): Promise<Blob | undefined> {
    try {
      const dir = await this.#dir(transferId, false)
      return await (await dir.getFileHandle(SOURCE_FILE)).getFile()
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  async delete (transferId: string): Promise<void> {
    checkTransferId(transferId)
    try {
      await this.#root.removeEntry(transferId, { recursive: true })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }

  async #dir (transferId: string, create: boolean): Promise<FileSystemDirectoryHandle> {
    checkTransferId(transferId)
    return this.#root.getDirectoryHandle(transferId, { create })
  }
}

/** Chunks and sources as Blobs in the `fileChunks` and `fileSources` tables. */
export class IdbChunkStore implements ChunkStore {
  readonly kind = 'idb'
  readonly #db: ParleyDb

  constructor (db: ParleyDb) {
    this.#db = db
  }

  /** Writes and deletes a one-byte Blob: throws when IndexedDB cannot keep Blobs here (WebKit's private windows). */
  async probe (): Promise<void> {
    const id = `.probe-${crypto.randomUUID()}`
    await this.#db.fileSources.put({ id, blob: new Blob([new Uint8Array([1])]) })
    await this.#db.fileSources.delete(id)
  }

  async putChunk (transferId: string, index: number, data: Uint8Array): Promise<void> {
    checkTransferId(transferId)
    checkIndex(index)
    // Resolves once the transaction committed (Dexie waits for it outside an explicit transaction).
    await this.#db.fileChunks.put({ transferId, index, data: new Blob([ownBytes(data)]) })
  }

  async assemble (transferId: string, chunkCount: number, mime: string): Promise<Blob> {
    checkTransferId(transferId)
    checkCount(chunkCount)
    if (chunkCount === 0) return new Blob([], { type: mime })
    // Rows carry Blob handles, not the bytes: listing them reads no file data.
    const rows = await this.#db.fileChunks.where(CHUNK_KEY).between([transferId, 0], [transferId, chunkCount], true, false).toArray()
    rows.forEach((row, i) => {
      if (row.index !== i) throw new MissingChunkError('chunkMissing', { index: i, transferId })
    })
    if (rows.length < chunkCount) throw new MissingChunkError('chunkMissing', { index: rows.length, transferId })
    return new Blob(rows.map((row) => row.data), { type: mime })
  }

  async putSource (transferId: string, blob: Blob): Promise<void> {
    checkTransferId(transferId)
    await this.#db.fileSources.put({ id: transferId, blob })
  }

  async source (transferId: string): Promise<Blob | undefined> {
    checkTransferId(transferId)
    return (await this.#db.fileSources.get(transferId))?.blob
  }

  async delete (transferId: string): Promise<void> {
    checkTransferId(transferId)
    await this.#db.transaction('rw', [this.#db.fileChunks, this.#db.fileSources], async () => {
      await this.#db.fileChunks.where(CHUNK_KEY).between([transferId, Dexie.minKey], [transferId, Dexie.maxKey], true, true).delete()
      await this.#db.fileSources.delete(transferId)
    })
  }
}

// ---------------------------------------------------------------- helpers

/** `navigator.storage.getDirectory` when this context has it (workers and tabs in current browsers; not Node). */
function browserDirectory (): (() => Promise<FileSystemDirectoryHandle>) | undefined {
  const storage = (globalThis as { navigator?: { storage?: Partial<StorageManager> } }).navigator?.storage
  if (typeof storage?.getDirectory !== 'function') return undefined
  return async () => (storage as StorageManager).getDirectory()
}

/** Writes a whole file (replacing it); on failure the writable is aborted so no partial file is left. */
async function writeFile (dir: FileSystemDirectoryHandle, name: string, data: Blob | Uint8Array<ArrayBuffer>): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true })
  const writable = await handle.createWritable()
  try {
    await writable.write(data)
    await writable.close()
  } catch (err) {
    // The write's own error is the one to report; a failing abort adds nothing to it.
    await writable.abort().catch(() => {})
    throw err
  }
}

/** The bytes over a plain ArrayBuffer, as Blob and file writes take them (copied only when shared). */
function ownBytes (data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? data as Uint8Array<ArrayBuffer> : new Uint8Array(data)
}

/** A DOMException (or anything shaped like one) named NotFoundError: the entry does not exist. */
function isNotFound (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'NotFoundError'
}

/**
 * Removes every file this device keeps in OPFS (`parley-files/`), for
 * erasing a removed device (p2p/root); the IndexedDB store's rows go with
 * the database's. Does nothing where there is no OPFS (Node) or no folder.
 */
export async function eraseOpfsFiles (opfsRoot = browserDirectory()): Promise<void> {
  if (opfsRoot === undefined) return
  try {
    await (await opfsRoot()).removeEntry(OPFS_ROOT_DIR, { recursive: true })
  } catch (err) {
    if ((err as { name?: unknown }).name !== 'NotFoundError') throw err
  }
}
