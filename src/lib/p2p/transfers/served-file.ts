import { getTransfer, setTransferState } from '../../db/transfers.ts'
import { recordServed } from '../../db/transfers-outgoing.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { TransferRow } from '../../db/types.ts'
import type { FileTransferError } from '@parley/protocol/file/errors'
import type { FileSource } from './file-serve.ts'
import type { Logger } from '@libp2p/interface'

/** How often the sender writes its served-bytes progress, in ms. */
const SERVED_FLUSH_MS = 250

export interface ServedFileInit {
  db: ParleyDb
  row: TransferRow
  /** the file: the tab's File, or the copy in the chunk store */
  blob: Blob
  /** its chunk hash list */
  hashes: Uint8Array
  log: Logger
  /** whether the row follows the serving (bytes served, complete, back to waiting); not for a copy we received */
  record: boolean
  /** the receiver has the whole file (DONE) */
  onDone(): void
  /** the stream ended, for any reason; `moved`: the bytes of the chunks served on it */
  onClose(moved: number): void
}

/**
 * The sender's side of one pull (a FileSource for `/parley/file/1.0.0` and `1.1.0`):
 * reads each asked-for chunk from the Blob when asked, never the whole file;
 * writes the bytes served to the transfer row at most every 250 ms; marks the
 * transfer complete on DONE and back to waiting when the stream ends early.
 * `stop(reason)` makes the next chunk request fail with `reason` (sent to the
 * receiver as ERROR), for a cancel.
 */
export class ServedFile implements FileSource {
  readonly size: number
  readonly chunkSize: number
  readonly chunkCount: number
  /** the file's key, when its offer has one (served over 1.1.0 too) */
  readonly key?: Uint8Array
  readonly #init: ServedFileInit
  #stopped?: FileTransferError
  #served = 0
  #moved = 0
  #timer?: ReturnType<typeof setTimeout>

  constructor (init: ServedFileInit) {
    this.#init = init
    this.size = init.row.size
    this.chunkSize = init.row.chunkSize
    this.chunkCount = init.row.chunkCount
    if (init.row.key !== undefined) this.key = init.row.key
  }

  stop (reason: FileTransferError): void {
    this.#stopped = reason
  }

  async hashes (from: number, count: number): Promise<Uint8Array> {
    return this.#init.hashes.slice(from * 32, (from + count) * 32)
  }

  async chunk (index: number): Promise<Uint8Array> {
    if (this.#stopped != null) throw this.#stopped
    const start = index * this.chunkSize
    const data = new Uint8Array(await this.#init.blob.slice(start, Math.min(this.size, start + this.chunkSize)).arrayBuffer())
    this.#moved += data.byteLength
    if (!this.#init.record) return data
    this.#served += data.byteLength
    this.#timer ??= setTimeout(() => { this.#flush().catch(this.#onFlushError) }, SERVED_FLUSH_MS)
    return data
  }

  async done (): Promise<void> {
    clearTimeout(this.#timer)
    this.#init.onDone()
    if (!this.#init.record) return
    await this.#flush()
    await setTransferState(this.#init.db, this.#init.row.id, 'complete', { completedAt: Date.now() })
  }

  close (): void {
    this.#init.onClose(this.#moved)
    clearTimeout(this.#timer)
    const { db, row } = this.#init
    if (!this.#init.record) return
    this.#flush()
      .then(async () => {
        const current = await getTransfer(db, row.id)
        if (current?.state === 'active') await setTransferState(db, row.id, 'waiting')
      })
      .catch(this.#onFlushError)
  }

  async #flush (): Promise<void> {
    this.#timer = undefined
    const bytes = this.#served
    this.#served = 0
    if (bytes > 0) await recordServed(this.#init.db, this.#init.row.id, bytes)
  }

  readonly #onFlushError = (err: unknown): void => {
    this.#init.log.error('could not record progress of %s - %e', this.#init.row.id, err)
  }
}
