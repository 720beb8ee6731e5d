/**
 * Files served to one peer outside the transfers table (TransfersPort.host):
 * a link's state file (link/), which A serves to the new device under the
 * state key over `/parley/file/1.1.0` only. Held in memory while its owner
 * serves it (at most MAX_HOSTED at once), named by the key's tag, opened
 * only by the peer it is for, over a relayed connection only when it fits
 * what the relay still allows the connection.
 */
import { FileTransferError } from '@parley/protocol/file/errors'
import { fileTag } from '@parley/protocol/file/keyed'
import type { HostedFile } from '../kernel/ports/transfers.ts'
import type { FileName } from './file-pull.ts'
import type { FileSource } from './file-serve.ts'
import type { RelayBudget } from './relay-budget.ts'
import type { Connection, PeerId } from '@libp2p/interface'

/** Files hosted at once: one link at a time, and room for a second while the first is withdrawn. */
export const MAX_HOSTED = 2

export class HostedFiles {
  readonly #files = new Map<string, HostedFile>()
  readonly #budget: RelayBudget

  constructor (budget: RelayBudget) {
    this.#budget = budget
  }

  /** Serves `file` until the returned function is called. */
  add (file: HostedFile): () => void {
    if (this.#files.size >= MAX_HOSTED && !this.#files.has(file.id)) throw new FileTransferError('busy')
    this.#files.set(file.id, file)
    return () => { if (this.#files.get(file.id) === file) this.#files.delete(file.id) }
  }

  /** The source of `id` when it is hosted and asked for by its peer under its key's tag; undefined when it is not hosted. */
  open (from: PeerId, id: string, name: FileName, connection: Connection): FileSource | undefined {
    const file = this.#files.get(id)
    if (file === undefined) return undefined
    if (from.toString() !== file.peer || name.version !== '1.1.0' || !sameBytes(fileTag(file.key), name.proof)) throw new FileTransferError('unknown-transfer')
    if (!this.#budget.fits(connection, file.size)) throw new FileTransferError('needs-direct')
    const release = this.#budget.commit(connection, file.size)
    let moved = 0
    return {
      size: file.size,
      chunkSize: file.chunkSize,
      chunkCount: Math.ceil(file.size / file.chunkSize),
      key: file.key,
      hashes: async (from, count) => file.hashes.slice(from * 32, (from + count) * 32),
      chunk: async (index) => {
        const data = await file.chunk(index)
        moved += data.byteLength
        file.onServed?.(index, data.byteLength)
        return data
      },
      done: async () => { file.onDone() },
      close: () => { release(moved) }
    }
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
