/**
 * The chunk store of a browser that cannot keep files on the device: no
 * usable OPFS, and an IndexedDB that refuses Blobs (WebKit in a private
 * window does). Files still move while Parley is open: received chunks are
 * kept in memory, up to {@link MEMORY_STORE_MAX_BYTES} at a time, and a
 * received file is handed out as one Blob made of them, as the other stores
 * do. When the node's worker stops, everything here is gone; the transfers
 * feature then treats the rows that used this store accordingly
 * (lib/p2p/transfers/transfers.ts).
 *
 * The sender's copy of a file it offers is the tab's File itself (a handle
 * the browser keeps, not bytes in memory), so it does not count against the
 * bound.
 */
import { MEMORY_STORE_MAX_BYTES } from '../contract/capabilities.ts'
import { checkCount, checkIndex, checkTransferId, MemoryFullError, MissingChunkError } from './store-common.ts'
import type { ChunkStore } from './chunk-store.ts'

/** Bytes of received chunks kept in memory at once, over all transfers. */
export { MEMORY_STORE_MAX_BYTES }

export class MemoryChunkStore implements ChunkStore {
  readonly kind = 'memory'
  readonly maxBytes: number
  readonly #chunks = new Map<string, Map<number, Blob>>()
  readonly #sources = new Map<string, Blob>()
  #bytes = 0

  constructor (options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? MEMORY_STORE_MAX_BYTES
  }

  /** Bytes of chunks held now (for tests and the status). */
  get bytes (): number {
    return this.#bytes
  }

  async putChunk (transferId: string, index: number, data: Uint8Array): Promise<void> {
    checkTransferId(transferId)
    checkIndex(index)
    const chunks = this.#chunks.get(transferId) ?? new Map<number, Blob>()
    const previous = chunks.get(index)?.size ?? 0
    const bytes = this.#bytes - previous + data.byteLength
    if (bytes > this.maxBytes) throw new MemoryFullError('fileMemoryFull', { max: this.maxBytes })
    // a Blob of a copy: the caller's buffer may be reused or be a view into a larger one
    chunks.set(index, new Blob([data.slice()]))
    this.#chunks.set(transferId, chunks)
    this.#bytes = bytes
  }

  async assemble (transferId: string, chunkCount: number, mime: string): Promise<Blob> {
    checkTransferId(transferId)
    checkCount(chunkCount)
    const chunks = this.#chunks.get(transferId)
    const parts: Blob[] = []
    for (let index = 0; index < chunkCount; index++) {
      const part = chunks?.get(index)
      if (part === undefined) throw new MissingChunkError('chunkMissing', { index, transferId })
      parts.push(part)
    }
    return new Blob(parts, { type: mime })
  }

  async putSource (transferId: string, blob: Blob): Promise<void> {
    checkTransferId(transferId)
    this.#sources.set(transferId, blob)
  }

  async source (transferId: string): Promise<Blob | undefined> {
    return this.#sources.get(transferId)
  }

  async delete (transferId: string): Promise<void> {
    checkTransferId(transferId)
    for (const part of this.#chunks.get(transferId)?.values() ?? []) this.#bytes -= part.size
    this.#chunks.delete(transferId)
    this.#sources.delete(transferId)
  }
}

