import { TimeoutError } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { FileTransferError } from '@parley/protocol/file/errors'
import { fileTag } from '@parley/protocol/file/keyed'
import { getContact } from '../../db/contacts.ts'
import { devicePeersOf } from '../../db/pending-rows.ts'
import { getHashes, getTransfer, setTransferState } from '../../db/transfers.ts'
import { bytesToHex } from '@noble/hashes/utils.js'
import { fromHex } from '../../files/hashing.ts'
import { bestConnection, isRelayed } from '../kernel/connections.ts'
import { ServedFile } from './served-file.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { MessageId, TransferRow } from '../../db/types.ts'
import type { ChunkStore } from '../../files/chunk-store.ts'
import type { FileName, FileService } from './file-service.ts'
import type { FileSource } from './file-serve.ts'
import type { RelayBudget } from './relay-budget.ts'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

export interface FileHostingInit {
  db: ParleyDb
  log: Logger
  libp2p(): Pick<Libp2p, 'getConnections'> & { services: { file: Pick<FileService, 'cancel'> } }
  store(): ChunkStore
  /** what the relayed connections carry of files now */
  budget: RelayBudget
  /** whether `peer` is a member of group `groupId` now (who may pull a group's file) */
  groupMember(groupId: string, peer: string): Promise<boolean>
}

/**
 * The sender's side of transfers: the files a tab handed over in this
 * session (served from until the worker restarts, then from the chunk store),
 * a group's files we received whole (to the group's other members), the
 * receivers that open them (only the contact a file was offered to, only
 * while it is not cancelled, over a relayed connection only a file that fits
 * what its relay still allows), and
 * the cancels we owe a peer.
 */
export class FileHosting {
  readonly #init: FileHostingInit
  /** files handed over by a tab in this session, by transfer id */
  readonly #sources = new Map<MessageId, Blob>()
  /** sources being served right now, by transfer id (bounded by the file streams per connection) */
  readonly #serving = new Map<MessageId, Set<ServedFile>>()

  constructor (init: FileHostingInit) {
    this.#init = init
  }

  /** Keeps the tab's File of transfer `id` to serve from. */
  keep (id: MessageId, blob: Blob): void {
    this.#sources.set(id, blob)
  }

  /** True while the tab's File of `id` is kept (it was handed over in this session). */
  holds (id: MessageId): boolean {
    return this.#sources.has(id)
  }

  drop (id: MessageId): void {
    this.#sources.delete(id)
  }

  /** The file of an outgoing transfer: the tab's File, or the copy in the chunk store. */
  async source (id: MessageId): Promise<Blob | undefined> {
    return this.#sources.get(id) ?? await this.#init.store().source(id)
  }

  /**
   * The receiver `from` opens the transfer `id` (FileHost.open), naming it
   * by its SHA-256 or, over 1.1.0, by its key's tag. A keyed file is served
   * over both: a contact that got the offer outside a session box has no key.
   */
  async open (from: PeerId, id: string, name: FileName, connection: Connection): Promise<FileSource> {
    const { db } = this.#init
    const row = await getTransfer(db, id as MessageId)
    if (row?.direction === 'in') return this.#openCopy(row, from.toString(), name, connection)
    if (row == null || row.direction !== 'out' || row.sha256 === '' || !names(row, name) || !await this.#mayOpen(row, from.toString())) {
      throw new FileTransferError('unknown-transfer')
    }
    if (row.state === 'cancelled') throw new FileTransferError('cancelled')
    if (!this.#init.budget.fits(connection, row.size)) throw new FileTransferError('needs-direct')
    const blob = await this.source(row.id)
    const hashes = await getHashes(db, row.id)
    if (blob == null || hashes == null) throw new FileTransferError('unavailable')
    await setTransferState(db, row.id, 'active', { path: isRelayed(connection) ? 'relayed' : 'direct' })
    return this.#serve(row, blob, hashes, this.#init.budget.commit(connection, row.size))
  }

  /**
   * Another member of a group pulls a group's file we received whole (so that
   * a file still reaches members after its author went offline): served from
   * our copy in the chunk store, with the hash list we verified it by. Our
   * row is the receiver's and stays as it is; nothing is recorded of the
   * serving. Anything else of ours that came in is unknown to the asker.
   */
  async #openCopy (row: TransferRow, from: string, name: FileName, connection: Connection): Promise<FileSource> {
    const { db } = this.#init
    if (row.groupId === undefined || row.state !== 'complete' || !names(row, name) || !await this.#init.groupMember(row.groupId, from)) {
      throw new FileTransferError('unknown-transfer')
    }
    if (!this.#init.budget.fits(connection, row.size)) throw new FileTransferError('needs-direct')
    const hashes = await getHashes(db, row.id)
    const blob = await this.#init.store().assemble(row.id, row.chunkCount, row.mime).catch(() => undefined)
    if (blob?.size !== row.size || hashes == null) throw new FileTransferError('unavailable')
    return this.#serve(row, blob, hashes, this.#init.budget.commit(connection, row.size), false)
  }

  /** The contact a file was offered to, or any member of the group it was offered in. */
  async #mayOpen (row: TransferRow, from: string): Promise<boolean> {
    if (row.groupId !== undefined) return this.#init.groupMember(row.groupId, from)
    // any device of the contact's account that the offer went to (its list's, else its PeerID alone)
    const contact = await getContact(this.#init.db, row.contactId)
    return contact !== undefined && devicePeersOf(contact).includes(from)
  }

  /** Makes every source of `id` being served refuse its next chunk (the receiver hears ERROR 'cancelled'). */
  stopServing (id: MessageId): void {
    for (const served of this.#serving.get(id) ?? []) served.stop(new FileTransferError('cancelled'))
  }

  /** Sends the cancels owed to `peerId` (it just connected). */
  async flushCancels (peerId: string): Promise<void> {
    const { db } = this.#init
    const rows = await db.transfers.where('state').equals('cancelled').filter(r => r.cancelPending === true).toArray()
    for (const row of rows) {
      const contact = await getContact(db, row.contactId)
      if (contact?.peerId === peerId) await this.tellCancel(row)
    }
  }

  /** Sends CANCEL for `row` over an open connection, if there is one; clears cancelPending once the peer has it. */
  async tellCancel (row: TransferRow): Promise<void> {
    const { db, log } = this.#init
    if (row.sha256 === '') {
      // never offered: nobody to tell
      await setTransferState(db, row.id, 'cancelled', { cancelPending: false })
      return
    }
    const contact = await getContact(db, row.contactId)
    if (contact == null) return
    const libp2p = this.#init.libp2p()
    const connection = bestConnection(libp2p, peerIdFromString(contact.peerId))
    if (connection == null) return
    try {
      await libp2p.services.file.cancel(connection, row.id, fromHex(row.sha256), { signal: AbortSignal.timeout(10_000), ...(row.key === undefined ? {} : { key: row.key }) })
      await setTransferState(db, row.id, 'cancelled', { cancelPending: false })
    } catch (err) {
      log('telling %s about the cancel of %s failed - %e', contact.peerId, row.id, err instanceof TimeoutError ? 'timeout' : err)
    }
  }

  /**
   * Serves `row` from `blob`; `release` frees its share of a relayed
   * connection once the stream ends, counting what moved. `record`: the row
   * is ours as sender and follows the serving (false for a member's copy).
   */
  #serve (row: TransferRow, blob: Blob, hashes: Uint8Array, release: (moved: number) => void, record = true): FileSource {
    const all = this.#serving.get(row.id) ?? new Set<ServedFile>()
    this.#serving.set(row.id, all)
    const served: ServedFile = new ServedFile({
      db: this.#init.db,
      row,
      blob,
      hashes,
      log: this.#init.log,
      record,
      // from now on the stored copy serves (save, or a later resend); the tab's File can go
      onDone: () => { this.#sources.delete(row.id) },
      onClose: (moved) => {
        release(moved)
        all.delete(served)
        if (all.size === 0 && this.#serving.get(row.id) === all) this.#serving.delete(row.id)
      }
    })
    all.add(served)
    return served
  }
}

/** Whether `name` names the file of `row`: its SHA-256 over 1.0.0, its key's tag over 1.1.0 (only a keyed file has one). */
function names (row: TransferRow, name: FileName): boolean {
  if (name.version === '1.0.0') return bytesToHex(name.proof) === row.sha256
  if (row.key === undefined) return false
  const tag = fileTag(row.key)
  return tag.byteLength === name.proof.byteLength && tag.every((byte, i) => byte === name.proof[i])
}
