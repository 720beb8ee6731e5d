import { peerIdFromString } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { MAX_ACTIVE_TRANSFERS, RELAYED_MAX_FILE_BYTES, WINDOW_BYTES, WINDOW_CHUNKS } from '@parley/protocol/file/constants'
import { FileTransferError } from '@parley/protocol/file/errors'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { getContact } from '../../db/contacts.ts'
import { getHashes, getTransfer, markResumed, recordChunks, resetChunks, saveHashes, setTransferState, unfinishedTransfers } from '../../db/transfers.ts'
import { missingChunks } from '../../db/transfer-rows.ts'
import { fromHex, hashBlob, toHex } from '../../files/hashing.ts'
import { bestConnection, isRelayed } from '../kernel/connections.ts'
import { FILE_ERROR_CODES, storageProblem, storageWrite } from './errors.ts'
import { groupCommit } from './group-commit.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { MessageId, TransferRow } from '../../db/types.ts'
import type { ChunkStore } from '../../files/chunk-store.ts'
import type { FileService } from './file-service.ts'
import type { Connection, Libp2p, Logger } from '@libp2p/interface'

/** Re-try an interrupted pull after ~2 s, doubling up to 60 s. */
const PULL_BACKOFF = { initialMs: 2000, maxMs: 60_000 }
/** Interrupted pulls whose back-off is remembered, at most (the oldest forgotten: it is tried on the next connection). */
const MAX_PULL_RETRIES = 1000
/** Chunk writes of one pull that may be under way at once. */
const STORE_PARALLEL = 4
/** Why a pull whose chunks all verified failed its whole-file check (the reason of its FileTransferError). */
const WHOLE_FILE_DAMAGED = 'every chunk verified, the whole file did not'

export interface PullsInit {
  db: ParleyDb
  log: Logger
  libp2p(): Pick<Libp2p, 'getConnections'> & { services: { file: Pick<FileService, 'pull'> } }
  store(): ChunkStore
}

interface Pull {
  controller: AbortController
  done: Promise<void>
}

/**
 * The receiving side of transfers: at most MAX_ACTIVE_TRANSFERS pull at once;
 * a transfer pulls only while its sender is connected, and a file over
 * RELAYED_MAX_FILE_BYTES only over a direct connection ('waiting-direct'
 * until one exists). Each verified chunk is written to disk and then
 * recorded, so an interruption of any kind resumes from the chunks still
 * missing; the whole file is checked at the end. An interrupted pull is
 * tried again with back-off, or at once when a connection changes.
 */
export class Pulls {
  readonly #init: PullsInit
  /** running pulls by transfer id, at most MAX_ACTIVE_TRANSFERS */
  readonly #pulls = new Map<MessageId, Pull>()
  readonly #retries: KeyedRetry<MessageId>
  readonly #scheduler: SingleFlight
  #stopped = false

  constructor (init: PullsInit) {
    this.#init = init
    this.#retries = new KeyedRetry<MessageId>({ backoff: PULL_BACKOFF, maxKeys: MAX_PULL_RETRIES, onDue: () => { this.schedule() } })
    this.#scheduler = new SingleFlight(async () => this.#schedule(), (err) => { init.log.error('scheduling transfers failed - %e', err) })
  }

  /** Ends every pull (they resume on the next start) and plans nothing more. */
  stop (): void {
    this.#stopped = true
    this.#scheduler.stop()
    this.#retries.stop()
    for (const pull of this.#pulls.values()) pull.controller.abort(new Error('the node is stopping'))
  }

  /**
   * Starts pulls for waiting incoming transfers while slots are free. Runs
   * one at a time; a call while it runs makes it run once more.
   */
  schedule (): void {
    if (!this.#stopped) void this.#scheduler.request()
  }

  /** A connection changed: it is worth trying at once, whatever the back-off said. */
  retryNow (): void {
    for (const id of this.#retries.plannedKeys) this.#retries.cancel(id)
    this.schedule()
  }

  /** Stops the pull of `id`, if one runs (a cancel, a deleted chat). */
  abort (id: MessageId, reason: Error): void {
    this.#pulls.get(id)?.controller.abort(reason)
  }

  /** `id` may be pulled again from scratch (the user retries it): its back-off is forgotten. */
  forget (id: MessageId): void {
    this.#retries.forget(id)
  }

  async #schedule (): Promise<void> {
    const { db } = this.#init
    const rows = (await unfinishedTransfers(db)).filter(r => r.direction === 'in')
    for (const row of rows) {
      if (this.#pulls.size >= MAX_ACTIVE_TRANSFERS) return
      if (this.#pulls.has(row.id) || this.#retries.planned(row.id)) continue
      const contact = await getContact(db, row.contactId)
      if (contact == null || contact.blocked) continue
      const connection = bestConnection(this.#init.libp2p(), peerIdFromString(contact.peerId))
      if (connection == null) {
        if (row.state !== 'waiting') await setTransferState(db, row.id, 'waiting')
        continue
      }
      if (isRelayed(connection) && row.size > RELAYED_MAX_FILE_BYTES) {
        if (row.state !== 'waiting-direct') await setTransferState(db, row.id, 'waiting-direct', { path: 'relayed' })
        continue
      }
      this.#start(row, connection)
    }
  }

  #start (row: TransferRow, connection: Connection): void {
    const controller = new AbortController()
    const done = this.#pull(row, connection, controller.signal)
      .then(() => { this.#retries.succeeded(row.id) })
      .catch(async (err: unknown) => { await this.#failed(row, err) })
      .catch((err: unknown) => { this.#init.log.error('recording the end of %s failed - %e', row.id, err) })
      .finally(() => {
        this.#pulls.delete(row.id)
        this.schedule()
      })
    this.#pulls.set(row.id, { controller, done })
  }

  async #pull (row: TransferRow, connection: Connection, signal: AbortSignal): Promise<void> {
    const { db } = this.#init
    const store = this.#init.store()
    const id = row.id
    const offer = (await db.messages.get(id))?.file
    if (offer == null) throw new Error(`the message offering ${id} is missing`)
    if (row.chunksDone > 0) await markResumed(db, id)
    await setTransferState(db, id, 'active', { path: isRelayed(connection) ? 'relayed' : 'direct' })
    const requests = Uint8Array.from(row.requests)
    const hashes = await getHashes(db, id)
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
      if (await recordChunks(db, id, chunks) == null) throw new FileTransferError('cancelled')
    })
    const keep = async (index: number, data: Uint8Array): Promise<void> => {
      await storageWrite(store.putChunk(id, index, data))
      await record({ index, requests: requests[index] ?? 1 })
    }
    await this.#init.libp2p().services.file.pull(connection, {
      id,
      sha256: fromHex(row.sha256),
      size: row.size,
      chunkSize: row.chunkSize,
      listHash: fromHex(offer.listHash),
      ...(hashes == null ? {} : { hashes }),
      onHashes: async (list) => { await saveHashes(db, id, list) },
      missing: missingChunks(row),
      onRequest: (index) => { requests[index] = Math.min(255, (requests[index] ?? 0) + 1) },
      onChunk: async (index, data) => {
        if (index === hashedChunks) {
          whole.update(data)
          hashedChunks++
        }
        const stored = keep(index, data)
        stored.catch(() => {}) // awaited below or in verify()
        storing.push(stored)
        if (storing.length >= STORE_PARALLEL) await storing.shift()
      },
      window: Math.max(2, Math.min(WINDOW_CHUNKS, Math.floor(WINDOW_BYTES / row.chunkSize))),
      verify: async () => {
        await Promise.all(storing.splice(0))
        await setTransferState(db, id, 'verifying')
        const digest = hashedChunks === row.chunkCount
          ? toHex(whole.digest())
          : await hashBlob(await store.assemble(id, row.chunkCount, row.mime), { signal })
        if (digest !== row.sha256) {
          await resetChunks(db, id)
          throw new FileTransferError('corrupt', undefined, { reason: WHOLE_FILE_DAMAGED })
        }
      }
    }, { signal })
    await setTransferState(db, id, 'complete', { completedAt: Date.now() })
  }

  /** What an interrupted or refused pull leaves behind. */
  async #failed (row: TransferRow, err: unknown): Promise<void> {
    const { db, log } = this.#init
    const id = row.id
    const current = await getTransfer(db, id)
    if (current == null || current.state === 'cancelled' || current.state === 'complete') return
    const code = err instanceof FileTransferError ? err.code : undefined
    log('pull of %s stopped - %e', id, err)
    const notStored = storageProblem(err)
    if (notStored !== undefined && !this.#stopped) {
      // this will not work by trying again: stop, and say why
      this.#retries.forget(id)
      await setTransferState(db, id, 'failed', { problem: notStored })
      return
    }
    if (code !== undefined && code !== 'busy') this.#retries.forget(id)
    switch (code) {
      case 'cancelled':
        await setTransferState(db, id, 'cancelled', { cancelledBy: 'peer' })
        await this.#init.store().delete(id)
        return
      case 'needs-direct':
        await setTransferState(db, id, 'waiting-direct')
        return
      case 'unknown-transfer':
      case 'unavailable':
      case 'corrupt':
      case 'mismatch':
      case 'bad-request':
      case 'protocol': {
        const damaged = code === 'corrupt' && (err as FileTransferError).reason === WHOLE_FILE_DAMAGED
        await setTransferState(db, id, 'failed', { problem: { code: damaged ? 'fileDamagedRetry' : FILE_ERROR_CODES[code], params: {} } })
        return
      }
      default:
        // connection lost, timeout, busy: wait and try again
        await setTransferState(db, id, 'waiting')
        if (!this.#stopped) this.#retries.failed(id)
    }
  }
}
