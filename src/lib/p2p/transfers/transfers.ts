/**
 * File transfers (docs/protocols.md, "Files"): the worker-side manager over
 * `/parley/file/1.0.0`, the DB rows (db/transfers*.ts) and the chunk store
 * (files/chunk-store.ts).
 *
 * Receiving: every offered file gets a transfer row ('waiting'), which the
 * pulls (pulls.ts) fetch from its sender (a group's file: from its author, or
 * from a member holding a copy, group-sources.ts).
 *
 * Sending: the tab hands over the File; it is hashed slice by slice and copied
 * into the chunk store (so it can still be served after a restart), then
 * offered in a chat message through the outbox; the receiver pulls it from
 * the file hosting (host.ts). Chunks are read from the File/Blob on demand,
 * never the whole file.
 */
import { FILE_KEY_BYTES } from '@parley/protocol/file/constants'
import { FileTransferError } from '@parley/protocol/file/errors'
import { getContact } from '../../db/contacts.ts'
import { GROUP_CONTACT_ID } from '../../db/groups.ts'
import { outgoingFileRow } from '../../db/messages.ts'
import { deleteTransfer, getTransfer, setTransferState, unfinishedTransfers } from '../../db/transfers.ts'
import { offerReady, storeOutgoingFile } from '../../db/transfers-outgoing.ts'
import { resetChunks, storeIncomingFile } from '../../db/transfers-incoming.ts'
import { outgoingTransferRow } from '../../db/transfer-rows.ts'
import { openChunkStore } from '../../files/chunk-store.ts'
import { MissingChunkError } from '../../files/store-common.ts'
import { chunkCountOf, chunkSizeFor, hashFile } from '../../files/hashing.ts'
import { givenNameIfChanged, sanitizeFileName, sanitizeMime } from '../../files/names.ts'
import { NodeNotReadyError } from '../kernel/errors.ts'
import { FileTooLargeError, storageProblem, storageWrite, TooManyTransfersError, TransferStateError } from './errors.ts'
import { FileHosting } from './host.ts'
import { HostedFiles } from './hosted.ts'
import { Pulls } from './pulls.ts'
import { RelayBudget } from './relay-budget.ts'
import { sayWhySenderWaits } from './sender-waits.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, FileOffer, MessageId, TransferRow } from '../../db/types.ts'
import type { ChunkStore } from '../../files/chunk-store.ts'
import type { Capabilities } from '../kernel/capabilities.ts'
import type { ServedConfig } from '../kernel/components.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { GroupBookPort, GroupCourierPort, GroupsPort } from '../kernel/ports/groups.ts'
import type { OutboxPort } from '../kernel/ports/messaging.ts'
import type { HostedFile, IncomingFile, OutgoingFile, TransfersPort } from '../kernel/ports/transfers.ts'
import type { FileName, FileService } from './file-service.ts'
import type { FileHost, FileSource } from './file-serve.ts'
import type { SenderWaitsInit } from './sender-waits.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

export { FILE_ERROR_CODES, FileTooLargeError, TooManyTransfersError, TransferStateError } from './errors.ts'

/** Outgoing files not yet fully sent that one browser keeps at once. */
export const MAX_OUTGOING_TRANSFERS = 100

export interface TransferComponents {
  db: ParleyDb
  logger: ComponentLogger
  events: ParleyEventTarget
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'> & {
    services: { file: Pick<FileService, 'pull' | 'cancel'> }
  }
  served: Pick<ServedConfig, 'maxFileBytes'>
  /** an offer is ready: the outbox delivers it */
  outbox: OutboxPort
  /** a group's offer is ready: the group signs it and sends it to each member */
  groups: Pick<GroupsPort, 'fileReady'>
  /** who may pull a group's file, and who may hold a copy of one: its members */
  groupBook: Pick<GroupBookPort, 'member' | 'members'>
  /** dials a group file's author, or a member that may hold it */
  groupCourier: GroupCourierPort
  /** whether this browser has WebRTC; told where files are kept */
  capabilities: Pick<Capabilities, 'current' | 'update'>
  /** why a peer is not reached directly (`direct`) */
  status: Pick<StatusBoard, 'current'>
}

export class TransferManager implements TransfersPort, FileHost, Startable {
  readonly #components: TransferComponents
  readonly #log: Logger
  #store?: ChunkStore
  readonly #pulls: Pulls
  readonly #host: FileHosting
  /** files served outside the table (a link's state file) */
  readonly #hosted: HostedFiles
  /** what the sender's card reads to say why a file waits (sender-waits.ts) */
  readonly #waits: SenderWaitsInit
  #started = false

  constructor (components: TransferComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:transfers')
    const parts = {
      db: components.db,
      log: this.#log,
      libp2p: () => components.libp2p,
      store: () => this.#requireStore(),
      budget: new RelayBudget(),
      groupMember: async (groupId: string, peer: string) => components.groupBook.member(groupId, peer),
      groupMembers: async (groupId: string) => components.groupBook.members(groupId),
      reach: (peer: string) => { components.groupCourier.reach(peer) },
      direct: (peerId: string) => ({ outlook: components.status.current.direct[peerId], webrtcHere: components.capabilities.current.webrtc !== false })
    }
    this.#pulls = new Pulls(parts)
    this.#host = new FileHosting(parts)
    this.#hosted = new HostedFiles(parts.budget)
    this.#waits = parts
  }

  get #db (): ParleyDb {
    return this.#components.db
  }

  get #maxFileBytes (): number {
    return this.#components.served.maxFileBytes
  }

  /** Opens the chunk store and picks up what an earlier run left: outgoing files still being prepared, incoming ones to pull. */
  async start (): Promise<void> {
    this.#store = await openChunkStore(this.#db)
    this.#components.capabilities.update({ fileStorage: this.#store.kind })
    for (const row of await unfinishedTransfers(this.#db)) {
      if (row.store === 'memory') {
        await this.#lostWithMemory(row)
      } else if (row.direction === 'out' && row.state === 'preparing') {
        const blob = await this.#store.source(row.id)
        if (blob == null) {
          await setTransferState(this.#db, row.id, 'failed', { problem: { code: 'browserClosedBeforeReady', params: {} } })
        } else {
          this.#prepare(row.id, row.contactId, blob)
        }
      } else if (row.direction === 'out' && row.state === 'active') {
        // its receiver's stream died with the previous run
        await setTransferState(this.#db, row.id, 'waiting')
      }
    }
    const { libp2p, events } = this.#components
    libp2p.addEventListener('connection:open', this.#onConnection)
    libp2p.addEventListener('connection:close', this.#onConnection)
    // a direct connection becomes usable once its probe passed: big files may move now
    events.addEventListener('connection:usable', this.#onConnection)
    // no direct connection is coming after all (or one may again): files that wait for one may go now
    events.addEventListener('direct:outlook', this.#onOutlook)
    this.#started = true
  }

  afterStart (): void {
    this.#pulls.schedule()
  }

  stop (): void {
    this.#started = false
    const { libp2p, events } = this.#components
    libp2p.removeEventListener('connection:open', this.#onConnection)
    libp2p.removeEventListener('connection:close', this.#onConnection)
    events.removeEventListener('connection:usable', this.#onConnection)
    events.removeEventListener('direct:outlook', this.#onOutlook)
    this.#pulls.stop()
  }

  /**
   * Stores a new outgoing file (message + transfer, state 'preparing'),
   * then hashes it and copies it into the chunk store in the background; the
   * offer goes out once that is done. Resolves with the message id.
   */
  async sendFile (input: OutgoingFile): Promise<MessageId> {
    const store = this.#requireStore()
    const size = input.file.size
    if (size > this.#maxFileBytes) throw new FileTooLargeError('fileTooLarge', { size, max: this.#maxFileBytes })
    const waiting = (await unfinishedTransfers(this.#db)).filter(t => t.direction === 'out').length
    if (waiting >= MAX_OUTGOING_TRANSFERS) throw new TooManyTransfersError('tooManyTransfers', { count: waiting })
    const now = Date.now()
    const chunkSize = chunkSizeFor(size)
    const name = sanitizeFileName(input.name)
    const offer: FileOffer = { sha256: '', size, name, mime: sanitizeMime(input.mime), chunkSize, listHash: '', ...input.thumb }
    if (input.voice !== undefined) offer.voice = input.voice
    // a file gets a key of its own, which goes only inside a session box (docs/protocols.md, "Keyed files"): a contact's in
    // the box of its offer, a group's beside the signed offer in each member's box ("Groups in boxes")
    offer.key = crypto.getRandomValues(new Uint8Array(FILE_KEY_BYTES))
    const row = outgoingFileRow({
      contactId: input.contactId, fromPeerId: input.fromPeerId, body: input.caption, file: offer, now, ...(input.ttl === undefined ? {} : { ttl: input.ttl })
    })
    const message = input.group === undefined ? row : { ...row, groupId: input.group.groupId, lamport: input.group.lamport }
    const transfer = outgoingTransferRow(message, store.kind, now)
    // the user is told when the name had to change (the sender's card)
    const givenName = givenNameIfChanged(input.name, name)
    if (givenName !== undefined) transfer.givenName = givenName
    await storeOutgoingFile(this.#db, message, transfer)
    this.#host.keep(message.id, input.file)
    this.#prepare(message.id, input.contactId, input.file)
    return message.id
  }

  /**
   * Stores a received file offer (sanitised name and type) with its transfer
   * row, once per id. An offer over our size limit is kept, so the user sees
   * what was sent, but its transfer fails at once with the reason.
   */
  async receive (input: IncomingFile): Promise<'stored' | 'duplicate'> {
    if (!this.#started) throw new NodeNotReadyError('transfersStarting')
    const offer = input.file
    const file = { ...offer, name: sanitizeFileName(offer.name), mime: sanitizeMime(offer.mime) }
    const outcome = await storeIncomingFile(this.#db, { ...input, file, store: this.#requireStore().kind })
    if (outcome === 'stored') {
      if (offer.size > this.#maxFileBytes) {
        await setTransferState(this.#db, input.id, 'failed', { problem: { code: 'fileOverLimit', params: { size: offer.size, max: this.#maxFileBytes } } })
      } else {
        this.#pulls.schedule()
      }
    }
    return outcome
  }

  /** Hashes the file and keeps a copy, then marks the offer ready and kicks the outbox. Never throws. */
  #prepare (id: MessageId, contactId: ContactId, blob: Blob): void {
    void (async () => {
      const copied = this.#host.holds(id) ? storageWrite(this.#requireStore().putSource(id, blob)) : Promise.resolve()
      // awaited after hashing; a failure meanwhile must not count as unhandled
      copied.catch(() => {})
      const hashed = await hashFile(blob, chunkSizeFor(blob.size))
      await copied
      const ready = await offerReady(this.#db, id, {
        sha256: hashed.sha256,
        listHash: hashed.listHash,
        chunkSize: chunkSizeFor(blob.size),
        chunkCount: chunkCountOf(blob.size, chunkSizeFor(blob.size)),
        hashes: hashed.hashes
      })
      if (ready && contactId === GROUP_CONTACT_ID) {
        await this.#components.groups.fileReady(id)
      } else if (ready) {
        this.#components.outbox.kick(contactId)
        const contact = await getContact(this.#db, contactId)
        if (contact !== undefined) this.#sayWhySenderWaits(contact.peerId)
      }
    })().catch(async (err: unknown) => {
      this.#log.error('preparing file %s failed - %e', id, err)
      // keep nothing for a failed file: a retry needs the copy in the store
      this.#host.drop(id)
      // the real cause: keeping our copy, or reading the user's file
      const problem = storageProblem(err) ?? { code: 'fileUnreadable' as const, params: { reason: (err as Error).message } }
      await setTransferState(this.#db, id, 'failed', { problem }).catch(() => {})
    })
  }

  /** Cancels a transfer (either direction) and tells the peer, now or on the next connection. */
  async cancel (id: MessageId): Promise<void> {
    const store = this.#requireStore()
    const row = await getTransfer(this.#db, id)
    if (row == null) throw new TransferStateError('transferUnknown')
    if (row.state === 'complete' || row.state === 'cancelled') return
    await setTransferState(this.#db, id, 'cancelled', { cancelledBy: 'me', cancelPending: true })
    this.#pulls.abort(id, new FileTransferError('cancelled'))
    this.#host.stopServing(id)
    this.#host.drop(id)
    await store.delete(id).catch((err: unknown) => { this.#log.error('could not delete the bytes of %s - %e', id, err) })
    await this.#host.tellCancel(row)
  }

  /** Tries a failed transfer again. */
  async retry (id: MessageId): Promise<void> {
    this.#requireStore()
    const row = await getTransfer(this.#db, id)
    if (row == null) throw new TransferStateError('transferUnknown')
    if (row.state !== 'failed') throw new TransferStateError('transferRetryOnlyFailed')
    if (row.direction === 'out') {
      const blob = await this.#host.source(id)
      if (blob == null) throw new TransferStateError('fileGoneSendAgain')
      if (row.sha256 === '') {
        await setTransferState(this.#db, id, 'preparing')
        this.#prepare(id, row.contactId, blob)
      } else {
        await setTransferState(this.#db, id, 'waiting')
      }
      return
    }
    if (row.size > this.#maxFileBytes) throw new FileTooLargeError('fileOverLimit', { size: row.size, max: this.#maxFileBytes })
    this.#pulls.forget(id)
    await setTransferState(this.#db, id, 'waiting')
    this.#pulls.schedule()
  }

  /** The file of a transfer: a received one once complete, a sent one while we still have it. */
  async file (id: MessageId): Promise<Blob> {
    const store = this.#requireStore()
    const row = await getTransfer(this.#db, id)
    if (row == null) throw new TransferStateError('fileNotOnDevice')
    // kept in memory by an earlier run of the node (files/memory-store.ts): gone with it
    const gone = row.store === 'memory' ? 'fileNotKept' : 'fileGone'
    if (row.direction === 'out') {
      const blob = await this.#host.source(id)
      if (blob == null) throw new TransferStateError(gone)
      return blob
    }
    if (row.state !== 'complete') throw new TransferStateError('fileIncomplete')
    try {
      return await store.assemble(id, row.chunkCount, row.mime)
    } catch (err) {
      if (err instanceof Error && err.name === MissingChunkError.NAME && row.store === 'memory') throw new TransferStateError('fileNotKept')
      throw err
    }
  }

  /**
   * An unfinished transfer whose bytes were in memory when the node stopped
   * (files/memory-store.ts): a download starts again from its first chunk; an
   * outgoing file is gone, and its card says so.
   */
  async #lostWithMemory (row: TransferRow): Promise<void> {
    if (row.direction === 'in') {
      if (row.chunksDone > 0) await resetChunks(this.#db, row.id)
      if (row.state === 'active' || row.state === 'verifying') await setTransferState(this.#db, row.id, 'waiting')
    } else {
      await setTransferState(this.#db, row.id, 'failed', { problem: { code: 'fileNotKept', params: {} } })
    }
  }

  /** Deletes the bytes and the transfer rows of messages that are being deleted (nothing while the node starts). */
  async forget (ids: MessageId[]): Promise<void> {
    const store = this.#store
    if (store == null) return
    for (const id of ids) {
      this.#pulls.abort(id, new Error('the chat was deleted'))
      this.#host.drop(id)
      await store.delete(id)
      await deleteTransfer(this.#db, id)
    }
  }

  /** FileHost: the receiver `from` opens transfer `id` (host.ts); before the store is open, the receiver is told to try later. */
  async open (from: PeerId, id: string, name: FileName, connection: Connection): Promise<FileSource> {
    if (!this.#started) throw new FileTransferError('busy')
    return this.#hosted.open(from, id, name, connection) ?? this.#host.open(from, id, name, connection)
  }

  /** TransfersPort: serves a file outside the table to its one peer (hosted.ts). */
  host (file: HostedFile): () => void {
    return this.#hosted.add(file)
  }

  /** FileHost: `from` cancelled transfer `id` (either direction). */
  async cancelled (from: PeerId, id: string): Promise<void> {
    if (!this.#started) return
    const row = await getTransfer(this.#db, id as MessageId)
    if (row == null) return
    // only who offered it cancels it: the contact, or a group file's author (a member's cancel ends only its own pull)
    const offeredBy = row.groupId === undefined ? row.peer ?? (await getContact(this.#db, row.contactId))?.peerId : row.peer
    if (offeredBy !== from.toString()) return
    if (row.state === 'complete' || row.state === 'cancelled') return
    await setTransferState(this.#db, row.id, 'cancelled', { cancelledBy: 'peer' })
    this.#pulls.abort(row.id, new FileTransferError('cancelled'))
    this.#host.stopServing(row.id)
    this.#host.drop(row.id)
    await this.#requireStore().delete(row.id)
  }

  /** A connection opened or closed, or became usable: pull what can be pulled, send the cancels owed to that peer. */
  readonly #onConnection = (evt: CustomEvent<Connection>): void => {
    if (!this.#started) return
    this.#pulls.retryNow()
    void this.#host.flushCancels(evt.detail.remotePeer.toString())
    this.#sayWhySenderWaits(evt.detail.remotePeer.toString())
  }

  /** Our files offered to `peerId` say why they wait, when the relay between us cannot carry them. Never throws. */
  #sayWhySenderWaits (peerId: string): void {
    sayWhySenderWaits(this.#waits, peerId).catch((err: unknown) => {
      if (this.#started) this.#log.error('could not say why files to %s wait - %e', peerId, err)
    })
  }

  readonly #onOutlook = (): void => {
    if (this.#started) this.#pulls.retryNow()
  }

  #requireStore (): ChunkStore {
    if (this.#store == null) throw new NodeNotReadyError('stillStarting')
    return this.#store
  }
}
