/**
 * File transfers (docs/protocols.md, "Files"): the worker-side scheduler over
 * `/parley/file/1.0.0`, the DB rows (db/transfers.ts) and the chunk store
 * (files/chunk-store.ts).
 *
 * Receiving: every offered file gets a transfer row ('waiting'). At most
 * MAX_ACTIVE_TRANSFERS pull at once; a transfer pulls only while its sender is
 * connected, and a file over RELAYED_MAX_FILE_BYTES only over a direct
 * connection ('waiting-direct' until one exists). Each verified chunk is
 * written to disk and then recorded, so an interruption of any kind resumes
 * from the chunks still missing; the whole file is checked at the end.
 *
 * Sending: the tab hands over the File; it is hashed slice by slice and copied
 * into the chunk store (so it can still be served after a restart), then
 * offered in a chat message through the outbox. Chunks are read from the
 * File/Blob on demand, never the whole file.
 */
import { TimeoutError } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { getContact } from '../../db/contacts.ts'
import { outgoingFileRow } from '../../db/messages.ts'
import {
  deleteTransfer, getHashes, getTransfer, markResumed, missingChunks, offerReady, outgoingTransferRow, recordChunks,
  resetChunks, saveHashes, setTransferState, storeIncomingFile, storeOutgoingFile, unfinishedTransfers
} from '../../db/transfers.ts'
import { sha256 } from '@noble/hashes/sha2.js'
import { chunkCountOf, chunkSizeFor, fromHex, hashBlob, hashFile, toHex } from '../../files/hashing.ts'
import { sanitizeFileName, sanitizeMime } from '../../files/names.ts'
import { formatBytes } from '../../files/size.ts'
import { t } from '../../i18n/index.ts'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { groupCommit } from './group-commit.ts'
import { ServedFile } from './served-file.ts'
import { bestConnection, isRelayed } from '../kernel/connections.ts'
import { MAX_ACTIVE_TRANSFERS, RELAYED_MAX_FILE_BYTES, WINDOW_BYTES, WINDOW_CHUNKS } from '@parley/protocol/file/constants'
import { FileTransferError } from '@parley/protocol/file/errors'
import type { FileErrorCode } from '@parley/protocol/file/errors'
import type { ErrorCode } from '../../contract/errors.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, FileOffer, MessageId, TransferRow } from '../../db/types.ts'
import type { IncomingFileInput } from '../../db/transfers.ts'
import type { ChunkStore } from '../../files/chunk-store.ts'
import type { ParleyNode } from '../kernel/libp2p.ts'
import type { FileHost, FileSource } from './file-service.ts'
import type { Connection, Logger, PeerId } from '@libp2p/interface'

/** The catalog code of each of the file protocol's reasons (lib/contract/error-codes/transfers.ts). */
export const FILE_ERROR_CODES = {
  'unknown-transfer': 'fileUnknownTransfer',
  cancelled: 'fileCancelled',
  unavailable: 'fileUnavailable',
  'needs-direct': 'fileNeedsDirect',
  busy: 'fileBusy',
  'bad-request': 'fileBadRequest',
  protocol: 'fileProtocol',
  corrupt: 'fileCorrupt',
  mismatch: 'fileMismatch'
} as const satisfies Record<FileErrorCode, ErrorCode>

/** Outgoing files not yet fully sent that one browser keeps at once. */
export const MAX_OUTGOING_TRANSFERS = 100
/** Re-try an interrupted pull after ~2 s, doubling up to 60 s. */
const PULL_BACKOFF = { initialMs: 2000, maxMs: 60_000 }
/** Chunk writes of one pull that may be under way at once. */
const STORE_PARALLEL = 4

/** The file is over the size limit; `message` says so in words. */
export class FileTooLargeError extends Error {
  static readonly NAME = 'FileTooLargeError'
  override readonly name = FileTooLargeError.NAME
}

/** Too many outgoing files are still waiting to be sent. */
export class TooManyTransfersError extends Error {
  static readonly NAME = 'TooManyTransfersError'
  override readonly name = TooManyTransfersError.NAME
}

/** The transfer does not exist, or is not in a state that allows the action. */
export class TransferStateError extends Error {
  static readonly NAME = 'TransferStateError'
  override readonly name = TransferStateError.NAME
}

export interface OutgoingFile {
  contactId: ContactId
  fromPeerId: string
  file: Blob
  name: string
  mime: string
  caption: string
  thumb?: Pick<FileOffer, 'thumb' | 'thumbMime' | 'width' | 'height'>
}

/** A received message that offers a file (its chat frame, checked by the codec). */
export type IncomingFile = Omit<IncomingFileInput, 'store'>

export interface TransferManagerInit {
  db: ParleyDb
  node: ParleyNode
  store: ChunkStore
  maxFileBytes: number
  /** the offer of this contact's file is ready: deliver the outbox */
  kickOutbox(contactId: ContactId): void
}

interface Pull {
  controller: AbortController
  done: Promise<void>
}

export class TransferManager implements FileHost {
  readonly #db: ParleyDb
  readonly #node: ParleyNode
  readonly #store: ChunkStore
  readonly #maxFileBytes: number
  readonly #kickOutbox: (contactId: ContactId) => void
  readonly #log: Logger
  /** running pulls by transfer id, at most MAX_ACTIVE_TRANSFERS */
  readonly #pulls = new Map<MessageId, Pull>()
  /** files handed over by a tab in this session, served from until the worker restarts (then from the store) */
  readonly #sources = new Map<MessageId, Blob>()
  /** sources being served right now, by transfer id (bounded by the file streams per connection) */
  readonly #serving = new Map<MessageId, Set<ServedFile>>()
  /** failed attempts per incoming transfer, for the back-off */
  readonly #attempts = new Map<MessageId, number>()
  readonly #timers = new Map<MessageId, ReturnType<typeof setTimeout>>()
  #scheduling = false
  #again = false
  #stopped = false

  constructor (init: TransferManagerInit) {
    this.#db = init.db
    this.#node = init.node
    this.#store = init.store
    this.#maxFileBytes = init.maxFileBytes
    this.#kickOutbox = init.kickOutbox
    this.#log = init.node.logger.forComponent('parley:transfers')
  }

  get store (): ChunkStore {
    return this.#store
  }

  /** Picks up what an earlier run left: outgoing files still being prepared, incoming ones to pull. */
  async start (): Promise<void> {
    for (const row of await unfinishedTransfers(this.#db)) {
      if (row.direction === 'out' && row.state === 'preparing') {
        const blob = await this.#store.source(row.id)
        if (blob == null) {
          await setTransferState(this.#db, row.id, 'failed', { error: t('errors.browserClosedBeforeReady') })
        } else {
          this.#prepare(row.id, row.contactId, blob)
        }
      } else if (row.direction === 'out' && row.state === 'active') {
        // its receiver's stream died with the previous run
        await setTransferState(this.#db, row.id, 'waiting')
      }
    }
    this.schedule()
  }

  stop (): void {
    this.#stopped = true
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
    for (const pull of this.#pulls.values()) pull.controller.abort(new TransferStateError(t('errors.nodeStopping')))
  }

  /**
   * Stores a new outgoing file (message + transfer, state 'preparing'),
   * then hashes it and copies it into the chunk store in the background; the
   * offer goes out once that is done. Resolves with the message id.
   */
  async sendFile (input: OutgoingFile): Promise<MessageId> {
    const size = input.file.size
    if (size > this.#maxFileBytes) {
      throw new FileTooLargeError(t('errors.fileTooLarge', { size: formatBytes(size), max: formatBytes(this.#maxFileBytes) }))
    }
    const waiting = (await unfinishedTransfers(this.#db)).filter(t => t.direction === 'out').length
    if (waiting >= MAX_OUTGOING_TRANSFERS) {
      throw new TooManyTransfersError(t('errors.tooManyTransfers', { count: waiting }))
    }
    const now = Date.now()
    const chunkSize = chunkSizeFor(size)
    const name = sanitizeFileName(input.name)
    const mime = sanitizeMime(input.mime)
    const offer: FileOffer = { sha256: '', size, name, mime, chunkSize, listHash: '', ...input.thumb }
    const message = outgoingFileRow({ contactId: input.contactId, fromPeerId: input.fromPeerId, body: input.caption, file: offer, now })
    const transfer = outgoingTransferRow(message, this.#store.kind, now)
    await storeOutgoingFile(this.#db, message, transfer)
    this.#sources.set(message.id, input.file)
    this.#prepare(message.id, input.contactId, input.file)
    return message.id
  }

  /**
   * Stores a received file offer (sanitised name and type) with its transfer
   * row, once per id. An offer over our size limit is kept, so the user sees
   * what was sent, but its transfer fails at once with the reason.
   */
  async receive (input: IncomingFile): Promise<'stored' | 'duplicate'> {
    const offer = input.file
    const file = { ...offer, name: sanitizeFileName(offer.name), mime: sanitizeMime(offer.mime) }
    const outcome = await storeIncomingFile(this.#db, { ...input, file, store: this.#store.kind })
    if (outcome === 'stored') {
      if (offer.size > this.#maxFileBytes) {
        await setTransferState(this.#db, input.id, 'failed', {
          error: t('errors.fileOverLimit', { size: formatBytes(offer.size), max: formatBytes(this.#maxFileBytes) })
        })
      } else {
        this.schedule()
      }
    }
    return outcome
  }

  /** Hashes the file and keeps a copy, then marks the offer ready and kicks the outbox. Never throws. */
  #prepare (id: MessageId, contactId: ContactId, blob: Blob): void {
    void (async () => {
      const copied = this.#sources.has(id) ? this.#store.putSource(id, blob) : Promise.resolve()
      const hashed = await hashFile(blob, chunkSizeFor(blob.size))
      await copied
      const ready = await offerReady(this.#db, id, {
        sha256: hashed.sha256,
        listHash: hashed.listHash,
        chunkSize: chunkSizeFor(blob.size),
        chunkCount: chunkCountOf(blob.size, chunkSizeFor(blob.size)),
        hashes: hashed.hashes
      })
      if (ready) this.#kickOutbox(contactId)
    })().catch(async (err: unknown) => {
      this.#log.error('preparing file %s failed - %e', id, err)
      // keep nothing for a failed file: a retry needs the copy in the store
      this.#sources.delete(id)
      await setTransferState(this.#db, id, 'failed', { error: t('errors.fileUnreadable', { reason: (err as Error).message }) }).catch(() => {})
    })
  }

  /** Cancels a transfer (either direction) and tells the peer, now or on the next connection. */
  async cancel (id: MessageId): Promise<void> {
    const row = await getTransfer(this.#db, id)
    if (row == null) throw new TransferStateError(t('errors.transferUnknown'))
    if (row.state === 'complete' || row.state === 'cancelled') return
    await setTransferState(this.#db, id, 'cancelled', { cancelledBy: 'me', cancelPending: true })
    this.#pulls.get(id)?.controller.abort(new FileTransferError('cancelled', t('errors.transferCancelledByMe')))
    this.#stopServing(id, new FileTransferError('cancelled', t('errors.transferCancelledBySender')))
    this.#sources.delete(id)
    await this.#store.delete(id).catch((err: unknown) => { this.#log.error('could not delete the bytes of %s - %e', id, err) })
    await this.#tellCancel(row)
  }

  /** Tries a failed transfer again. */
  async retry (id: MessageId): Promise<void> {
    const row = await getTransfer(this.#db, id)
    if (row == null) throw new TransferStateError(t('errors.transferUnknown'))
    if (row.state !== 'failed') throw new TransferStateError(t('errors.transferRetryOnlyFailed'))
    if (row.direction === 'out') {
      const blob = this.#sources.get(id) ?? await this.#store.source(id)
      if (blob == null) throw new TransferStateError(t('errors.fileGoneSendAgain'))
      if (row.sha256 === '') {
        await setTransferState(this.#db, id, 'preparing')
        this.#prepare(id, row.contactId, blob)
      } else {
        await setTransferState(this.#db, id, 'waiting')
      }
      return
    }
    if (row.size > this.#maxFileBytes) {
      throw new FileTooLargeError(t('errors.fileOverLimit', { size: formatBytes(row.size), max: formatBytes(this.#maxFileBytes) }))
    }
    this.#attempts.delete(id)
    await setTransferState(this.#db, id, 'waiting')
    this.schedule()
  }

  /** The file of a transfer: a received one once complete, a sent one while we still have it. */
  async file (id: MessageId): Promise<Blob> {
    const row = await getTransfer(this.#db, id)
    if (row == null) throw new TransferStateError(t('errors.fileNotOnDevice'))
    if (row.direction === 'out') {
      const blob = this.#sources.get(id) ?? await this.#store.source(id)
      if (blob == null) throw new TransferStateError(t('errors.fileGone'))
      return blob
    }
    if (row.state !== 'complete') throw new TransferStateError(t('errors.fileIncomplete'))
    return this.#store.assemble(id, row.chunkCount, row.mime)
  }

  /** Deletes the bytes and the transfer rows of messages that are being deleted. */
  async forget (ids: MessageId[]): Promise<void> {
    for (const id of ids) {
      this.#pulls.get(id)?.controller.abort(new TransferStateError(t('errors.chatDeleted')))
      this.#sources.delete(id)
      await this.#store.delete(id)
      await deleteTransfer(this.#db, id)
    }
  }

  /** A connection to `peerId` opened or closed, or its path changed: pull what can be pulled, send pending cancels. */
  onPeer (peerId: PeerId): void {
    if (this.#stopped) return
    // a new connection (perhaps the direct one) is worth trying at once, whatever the back-off said
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
    this.schedule()
    void this.#flushCancels(peerId.toString())
  }

  /**
   * Starts pulls for waiting incoming transfers while slots are free. Runs
   * one at a time; a call while it runs makes it run once more.
   */
  schedule (): void {
    if (this.#stopped) return
    if (this.#scheduling) {
      this.#again = true
      return
    }
    this.#scheduling = true
    void this.#schedule().catch((err: unknown) => { this.#log.error('scheduling transfers failed - %e', err) })
      .finally(() => {
        this.#scheduling = false
        if (this.#again) {
          this.#again = false
          this.schedule()
        }
      })
  }

  async #schedule (): Promise<void> {
    const rows = (await unfinishedTransfers(this.#db)).filter(r => r.direction === 'in')
    for (const row of rows) {
      if (this.#pulls.size >= MAX_ACTIVE_TRANSFERS) return
      if (this.#pulls.has(row.id) || this.#timers.has(row.id)) continue
      const contact = await getContact(this.#db, row.contactId)
      if (contact == null || contact.blocked) continue
      const connection = bestConnection(this.#node, peerIdFromString(contact.peerId))
      if (connection == null) {
        if (row.state !== 'waiting') await setTransferState(this.#db, row.id, 'waiting')
        continue
      }
      if (isRelayed(connection) && row.size > RELAYED_MAX_FILE_BYTES) {
        if (row.state !== 'waiting-direct') await setTransferState(this.#db, row.id, 'waiting-direct', { path: 'relayed' })
        continue
      }
      this.#startPull(row, connection)
    }
  }

  #startPull (row: TransferRow, connection: Connection): void {
    const controller = new AbortController()
    const done = this.#pull(row, connection, controller.signal)
      .then(() => { this.#attempts.delete(row.id) })
      .catch(async (err: unknown) => { await this.#pullFailed(row, err) })
      .catch((err: unknown) => { this.#log.error('recording the end of %s failed - %e', row.id, err) })
      .finally(() => {
        this.#pulls.delete(row.id)
        this.schedule()
      })
    this.#pulls.set(row.id, { controller, done })
  }

  async #pull (row: TransferRow, connection: Connection, signal: AbortSignal): Promise<void> {
    const id = row.id
    const message = await this.#db.messages.get(id)
    const offer = message?.file
    if (offer == null) throw new TransferStateError(t('errors.offerMissing'))
    if (row.chunksDone > 0) await markResumed(this.#db, id)
    await setTransferState(this.#db, id, 'active', { path: isRelayed(connection) ? 'relayed' : 'direct' })
    const requests = Uint8Array.from(row.requests)
    const hashes = await getHashes(this.#db, id)
    // The whole-file hash, taken as verified chunks arrive in order (they do,
    // unless one is fetched again or the pull resumed mid-file); otherwise
    // verify() reads the stored file back once.
    const whole = sha256.create()
    let hashedChunks = 0
    // Chunk writes overlap (each is its own OPFS file or IndexedDB row) and
    // are recorded once durable; at most STORE_PARALLEL wait at once, which
    // also bounds the chunk bytes held here.
    const storing: Array<Promise<void>> = []
    const record = groupCommit(async (chunks: Array<{ index: number, requests: number }>) => {
      if (await recordChunks(this.#db, id, chunks) == null) throw new FileTransferError('cancelled', t('errors.transferWasCancelled'))
    })
    const store = async (index: number, data: Uint8Array): Promise<void> => {
      await this.#store.putChunk(id, index, data)
      await record({ index, requests: requests[index] ?? 1 })
    }
    await this.#node.services.file.pull(connection, {
      id,
      sha256: fromHex(row.sha256),
      size: row.size,
      chunkSize: row.chunkSize,
      listHash: fromHex(offer.listHash),
      ...(hashes == null ? {} : { hashes }),
      onHashes: async (list) => { await saveHashes(this.#db, id, list) },
      missing: missingChunks(row),
      onRequest: (index) => { requests[index] = Math.min(255, (requests[index] ?? 0) + 1) },
      onChunk: async (index, data) => {
        if (index === hashedChunks) {
          whole.update(data)
          hashedChunks++
        }
        const stored = store(index, data)
        stored.catch(() => {}) // awaited below or in verify()
        storing.push(stored)
        if (storing.length >= STORE_PARALLEL) await storing.shift()
      },
      window: Math.max(2, Math.min(WINDOW_CHUNKS, Math.floor(WINDOW_BYTES / row.chunkSize))),
      verify: async () => {
        await Promise.all(storing.splice(0))
        await setTransferState(this.#db, id, 'verifying')
        const digest = hashedChunks === row.chunkCount
          ? toHex(whole.digest())
          : await hashBlob(await this.#store.assemble(id, row.chunkCount, row.mime), { signal })
        if (digest !== row.sha256) {
          await resetChunks(this.#db, id)
          throw new FileTransferError('corrupt', t('errors.fileDamagedRetry'))
        }
      }
    }, { signal })
    await setTransferState(this.#db, id, 'complete', { completedAt: Date.now() })
  }

  /** What an interrupted or refused pull leaves behind. */
  async #pullFailed (row: TransferRow, err: unknown): Promise<void> {
    const id = row.id
    const current = await getTransfer(this.#db, id)
    if (current == null || current.state === 'cancelled' || current.state === 'complete') return
    const code = err instanceof FileTransferError ? err.code : undefined
    this.#log('pull of %s stopped - %e', id, err)
    if (code !== undefined && code !== 'busy') this.#attempts.delete(id)
    switch (code) {
      case 'cancelled':
        await setTransferState(this.#db, id, 'cancelled', { cancelledBy: 'peer' })
        await this.#store.delete(id)
        return
      case 'needs-direct':
        await setTransferState(this.#db, id, 'waiting-direct')
        return
      case 'unknown-transfer':
      case 'unavailable':
      case 'corrupt':
      case 'mismatch':
      case 'bad-request':
      case 'protocol':
        // interim, until transfer rows hold codes: the protocol's own reason is English, so it is
        // worded here; a reason this app gave (in the user's words already) is kept
        await setTransferState(this.#db, id, 'failed', {
          error: (err as Error).message === new FileTransferError(code).message ? t(`errors.${FILE_ERROR_CODES[code]}`) : (err as Error).message
        })
        return
      default: {
        // connection lost, timeout, busy: wait and try again
        await setTransferState(this.#db, id, 'waiting')
        if (this.#stopped) return
        const attempt = this.#attempts.get(id) ?? 0
        this.#attempts.set(id, attempt + 1)
        this.#timers.set(id, setTimeout(() => {
          this.#timers.delete(id)
          this.schedule()
        }, backoffDelay(attempt, PULL_BACKOFF)))
      }
    }
  }

  /**
   * FileHost: the receiver `from` opens the transfer `id`. Only the contact
   * it was offered to, only while it is not cancelled, and a big file only
   * over a direct connection.
   */
  async open (from: PeerId, id: string, sha256: Uint8Array, connection: Connection): Promise<FileSource> {
    const row = await getTransfer(this.#db, id as MessageId)
    const contact = row == null ? undefined : await getContact(this.#db, row.contactId)
    if (row == null || row.direction !== 'out' || contact?.peerId !== from.toString() || row.sha256 === '' ||
      toHex(sha256) !== row.sha256) {
      throw new FileTransferError('unknown-transfer', t('errors.fileNotOffered'))
    }
    if (row.state === 'cancelled') throw new FileTransferError('cancelled', t('errors.transferCancelledBySender'))
    if (isRelayed(connection) && row.size > RELAYED_MAX_FILE_BYTES) {
      throw new FileTransferError('needs-direct', t('errors.fileOnlyDirect'))
    }
    const blob = this.#sources.get(row.id) ?? await this.#store.source(row.id)
    const hashes = await getHashes(this.#db, row.id)
    if (blob == null || hashes == null) throw new FileTransferError('unavailable', t('errors.fileUnavailable'))
    await setTransferState(this.#db, row.id, 'active', { path: isRelayed(connection) ? 'relayed' : 'direct' })
    return this.#source(row, blob, hashes)
  }

  /** Makes every source of `id` being served refuse its next chunk with `reason` (sent to the receiver as ERROR). */
  #stopServing (id: MessageId, reason: FileTransferError): void {
    for (const served of this.#serving.get(id) ?? []) served.stop(reason)
  }

  #source (row: TransferRow, blob: Blob, hashes: Uint8Array): FileSource {
    const all = this.#serving.get(row.id) ?? new Set<ServedFile>()
    this.#serving.set(row.id, all)
    const served: ServedFile = new ServedFile({
      db: this.#db,
      row,
      blob,
      hashes,
      log: this.#log,
      // from now on the stored copy serves (save, or a later resend); the tab's File can go
      onDone: () => { this.#sources.delete(row.id) },
      onClose: () => {
        all.delete(served)
        if (all.size === 0 && this.#serving.get(row.id) === all) this.#serving.delete(row.id)
      }
    })
    all.add(served)
    return served
  }

  /** FileHost: `from` cancelled transfer `id` (either direction). */
  async cancelled (from: PeerId, id: string): Promise<void> {
    const row = await getTransfer(this.#db, id as MessageId)
    if (row == null) return
    const contact = await getContact(this.#db, row.contactId)
    if (contact?.peerId !== from.toString()) return
    if (row.state === 'complete' || row.state === 'cancelled') return
    await setTransferState(this.#db, row.id, 'cancelled', { cancelledBy: 'peer' })
    this.#pulls.get(row.id)?.controller.abort(new FileTransferError('cancelled', t('errors.transferCancelledBySender')))
    this.#stopServing(row.id, new FileTransferError('cancelled', t('errors.transferCancelledByReceiver')))
    this.#sources.delete(row.id)
    await this.#store.delete(row.id)
  }

  async #flushCancels (peerId: string): Promise<void> {
    const rows = await this.#db.transfers.where('state').equals('cancelled').filter(r => r.cancelPending === true).toArray()
    for (const row of rows) {
      const contact = await getContact(this.#db, row.contactId)
      if (contact?.peerId === peerId) await this.#tellCancel(row)
    }
  }

  /** Sends CANCEL for `row` over an open connection, if there is one; clears cancelPending once the peer has it. */
  async #tellCancel (row: TransferRow): Promise<void> {
    if (row.sha256 === '') {
      // never offered: nobody to tell
      await setTransferState(this.#db, row.id, 'cancelled', { cancelPending: false })
      return
    }
    const contact = await getContact(this.#db, row.contactId)
    if (contact == null) return
    const connection = bestConnection(this.#node, peerIdFromString(contact.peerId))
    if (connection == null) return
    try {
      await this.#node.services.file.cancel(connection, row.id, fromHex(row.sha256), { signal: AbortSignal.timeout(10_000) })
      await setTransferState(this.#db, row.id, 'cancelled', { cancelPending: false })
    } catch (err) {
      this.#log('telling %s about the cancel of %s failed - %e', contact.peerId, row.id, err instanceof TimeoutError ? 'timeout' : err)
    }
  }
}


