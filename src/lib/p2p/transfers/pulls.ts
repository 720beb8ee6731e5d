import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_ACTIVE_TRANSFERS, WINDOW_BYTES, WINDOW_CHUNKS } from '@parley/protocol/file/constants'
import { RELAYED_AT_ONCE_BYTES } from '@parley/protocol/file/relayed'
import { FileTransferError } from '@parley/protocol/file/errors'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { getContact } from '../../db/contacts.ts'
import { devicePeersOf } from '../../db/pending-rows.ts'
import { getHashes, getTransfer, setTransferState, unfinishedTransfers } from '../../db/transfers.ts'
import { markResumed, recordChunks, resetChunks, saveHashes } from '../../db/transfers-incoming.ts'
import { missingChunks } from '../../db/transfer-rows.ts'
import { bytesToHex } from '@noble/hashes/utils.js'
import { fromHex, hashBlob } from '../../files/hashing.ts'
import { createSha256 } from '../../files/sha256-stream.ts'
import { bestConnection, isRelayed } from '../kernel/connections.ts'
import { MemoryFullError } from '../../files/store-common.ts'
import { FILE_ERROR_CODES, storageProblem, storageWrite } from './errors.ts'
import { ChunkKeeper } from './chunk-keeper.ts'
import { GroupSources } from './group-sources.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { MessageId, StoredProblem, TransferRow } from '../../db/types.ts'
import type { DirectOutlook } from '../../contract/index.ts'
import type { ChunkStore } from '../../files/chunk-store.ts'
import type { FileService } from './file-service.ts'
import type { RelayBudget } from './relay-budget.ts'
import type { Connection, Libp2p, Logger } from '@libp2p/interface'

/** Re-try an interrupted pull after ~2 s, doubling up to 60 s. */
const PULL_BACKOFF = { initialMs: 2000, maxMs: 60_000 }
/** Interrupted pulls whose back-off is remembered, at most (the oldest forgotten: it is tried on the next connection). */
const MAX_PULL_RETRIES = 1000
/** Chunk writes of one pull that may be under way at once. */
const STORE_PARALLEL = 4
/**
 * Least time between two progress records of one pull, in ms (as the
 * sender's served-file flushes): every record is a database write that each
 * open tab re-reads and re-renders, which at one per chunk cost the receiving
 * tab about a quarter of a core during a fast transfer.
 */
const RECORD_INTERVAL_MS = 250
/** Chunks of one pull stored but not yet recorded, at most. */
const MAX_UNRECORDED_CHUNKS = 64
/**
 * How long a file bigger than RELAYED_AT_ONCE_BYTES waits for a direct
 * connection that is being tried, before it goes over the relay (if it fits).
 */
export const DIRECT_WAIT_MS = 20_000
/** Why a pull whose chunks all verified failed its whole-file check (the reason of its FileTransferError). */
const WHOLE_FILE_DAMAGED = 'every chunk verified, the whole file did not'

export interface PullsInit {
  db: ParleyDb
  log: Logger
  libp2p(): Pick<Libp2p, 'getConnections'> & { services: { file: Pick<FileService, 'pull'> } }
  store(): ChunkStore
  /** what the relayed connections carry of files now */
  budget: RelayBudget
  /** why `peerId` is not reached directly (presence's outlook), and whether this browser has WebRTC */
  direct(peerId: string): { outlook?: DirectOutlook, webrtcHere: boolean }
  /** a group's members now, without us (who else may hold a group's file) */
  groupMembers(groupId: string): Promise<readonly string[]>
  /** connects to `peer` if it can (a group file's author, or a member that may hold it); never throws */
  reach(peer: string): void
}

/** Errors from a member that is not the file's author which say only that this member cannot serve it (ask another). */
const NOT_FROM_THIS_MEMBER: ReadonlySet<string> = new Set(['unknown-transfer', 'unavailable', 'needs-direct', 'cancelled', 'corrupt', 'mismatch', 'bad-request', 'protocol'])

interface Pull {
  controller: AbortController
  done: Promise<void>
}

/**
 * The receiving side of transfers: at most MAX_ACTIVE_TRANSFERS pull at once;
 * a transfer pulls only while its sender is connected. Over a relayed
 * connection only a file that fits what the relay allows ({@link RelayBudget};
 * a bigger one is 'waiting-direct' with the reason), and one over
 * RELAYED_AT_ONCE_BYTES only once no direct connection is coming: none can be
 * made (either browser lacks WebRTC, or every attempt failed) or none came
 * within DIRECT_WAIT_MS. Each verified chunk is written to disk and then
 * recorded (a few times a second), so an interruption of any kind resumes
 * from the chunks still missing; the whole file is checked at the end. An
 * interrupted pull is tried again with back-off, or at once when a
 * connection changes.
 */
export class Pulls {
  readonly #init: PullsInit
  /** running pulls by transfer id, at most MAX_ACTIVE_TRANSFERS */
  readonly #pulls = new Map<MessageId, Pull>()
  readonly #retries: KeyedRetry<MessageId>
  readonly #scheduler: SingleFlight
  /** when each transfer began waiting for a direct connection, at most MAX_PULL_RETRIES */
  readonly #waitingSince = new Map<MessageId, number>()
  /** where a group's files come from: the author, or a member holding a copy */
  readonly #groupSources: GroupSources
  #stopped = false

  constructor (init: PullsInit) {
    this.#init = init
    this.#groupSources = new GroupSources({ libp2p: init.libp2p, members: init.groupMembers, reach: init.reach, maxFiles: MAX_PULL_RETRIES })
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
    this.#groupSources.forget(id)
  }

  async #schedule (): Promise<void> {
    const { db } = this.#init
    const rows = (await unfinishedTransfers(db)).filter(r => r.direction === 'in')
    for (const row of rows) {
      if (this.#pulls.size >= MAX_ACTIVE_TRANSFERS) return
      if (this.#pulls.has(row.id) || this.#retries.planned(row.id)) continue
      const source = await this.#source(row)
      if (source === null) continue
      if (source === undefined) {
        if (row.state !== 'waiting') await setTransferState(db, row.id, 'waiting')
        continue
      }
      const { peer, connection } = source
      if (isRelayed(connection) && !await this.#mayPullRelayed(row, connection, peer)) continue
      this.#waitingSince.delete(row.id)
      this.#start(row, connection, peer)
    }
  }

  /**
   * Where `row` comes from now: a chat's file from the contact's device that offered it, a group's from
   * its author or a member holding a copy (GroupSources); undefined when none
   * is connected, null when it is not pulled at all (a blocked or gone contact).
   */
  async #source (row: TransferRow): Promise<{ peer: string, connection: Connection } | undefined | null> {
    if (row.groupId !== undefined) return this.#groupSources.find({ ...row, groupId: row.groupId })
    const contact = await getContact(this.#init.db, row.contactId)
    if (contact == null || contact.blocked) return null
    // the device that offered it, while the contact's list still names it; else the contact's own PeerID
    const peer = row.peer !== undefined && devicePeersOf(contact).includes(row.peer) ? row.peer : contact.peerId
    const connection = bestConnection(this.#init.libp2p(), peerIdFromString(peer))
    return connection == null ? undefined : { peer, connection }
  }

  /**
   * Whether `row` may be pulled over the relayed `connection` now; if not,
   * its state says why it waits, and a re-check is planned when time alone
   * can change the answer.
   */
  async #mayPullRelayed (row: TransferRow, connection: Connection, peerId: string): Promise<boolean> {
    const { budget } = this.#init
    const capacity = budget.capacity(connection)
    if (row.size > capacity) {
      // this relay never carries it: say so, and what would help
      await this.#waitDirect(row, { code: 'fileTooBigForRelay', params: { size: row.size, max: capacity } })
      return false
    }
    if (!budget.fits(connection, row.size)) {
      // other files use the connection's allowance now: after them
      if (row.state !== 'waiting') await setTransferState(this.#init.db, row.id, 'waiting')
      return false
    }
    if (row.size <= RELAYED_AT_ONCE_BYTES) return true
    const { outlook, webrtcHere } = this.#init.direct(peerId)
    const hopeless = !webrtcHere || outlook?.state === 'unsupportedHere' || outlook?.state === 'unsupportedThere' || outlook?.state === 'failed'
    if (hopeless) return true
    const since = this.#waitingSince.get(row.id) ?? Date.now()
    const left = since + DIRECT_WAIT_MS - Date.now()
    if (left <= 0) return true
    if (!this.#waitingSince.has(row.id)) {
      if (this.#waitingSince.size >= MAX_PULL_RETRIES) this.#waitingSince.delete(this.#waitingSince.keys().next().value as MessageId)
      this.#waitingSince.set(row.id, since)
    }
    await this.#waitDirect(row)
    this.#retries.plan(row.id, left)
    return false
  }

  /** `row` waits for a direct connection; `problem` says why it cannot go over the relay (none: a direct one is expected). */
  async #waitDirect (row: TransferRow, problem?: StoredProblem): Promise<void> {
    const same = row.state === 'waiting-direct' && row.problem?.code === problem?.code && row.problem?.params['max'] === problem?.params['max']
    if (!same) await setTransferState(this.#init.db, row.id, 'waiting-direct', problem === undefined ? { path: 'relayed' } : { path: 'relayed', problem })
  }

  /** Pulls `row` from `peer` over `connection`. */
  #start (row: TransferRow, connection: Connection, peer: string): void {
    const controller = new AbortController()
    const release = this.#init.budget.commit(connection, row.size)
    let moved = 0
    const done = this.#pull(row, connection, controller.signal, (bytes) => { moved += bytes })
      .then(() => {
        this.#retries.succeeded(row.id)
        this.#groupSources.forget(row.id)
      })
      .catch(async (err: unknown) => { await this.#failed(row, err, peer) })
      .catch((err: unknown) => { this.#init.log.error('recording the end of %s failed - %e', row.id, err) })
      .finally(() => {
        release(moved)
        this.#pulls.delete(row.id)
        this.schedule()
      })
    this.#pulls.set(row.id, { controller, done })
  }

  /** Pulls `row` over `connection`; `received` hears the bytes of each chunk that arrives. */
  async #pull (row: TransferRow, connection: Connection, signal: AbortSignal, received: (bytes: number) => void): Promise<void> {
    const { db } = this.#init
    const store = this.#init.store()
    const id = row.id
    const offer = (await db.messages.get(id))?.file
    if (offer == null) throw new Error(`the message offering ${id} is missing`)
    // a store that can never hold it: say so now rather than when it is full
    if (store.maxBytes !== undefined && row.size > store.maxBytes) throw new MemoryFullError('fileMemoryFull', { max: store.maxBytes })
    if (row.chunksDone > 0) await markResumed(db, id)
    await setTransferState(db, id, 'active', { path: isRelayed(connection) ? 'relayed' : 'direct' })
    const requests = Uint8Array.from(row.requests)
    const hashes = await getHashes(db, id)
    // The whole-file hash, taken as verified chunks arrive in order (they do,
    // unless one is fetched again or the pull resumed mid-file); otherwise
    // verify() reads the stored file back once.
    const whole = await createSha256()
    let hashedChunks = 0
    // Chunk writes overlap (each is its own OPFS file or IndexedDB row) and
    // are recorded once durable, a few times a second
    const keeper = new ChunkKeeper({
      write: async (index, data) => { await storageWrite(store.putChunk(id, index, data)) },
      record: async (indices) => {
        const chunks = indices.map(index => ({ index, requests: requests[index] ?? 1 }))
        if (await recordChunks(db, id, chunks) == null) throw new FileTransferError('cancelled')
      },
      parallel: STORE_PARALLEL,
      recordIntervalMs: RECORD_INTERVAL_MS,
      maxUnrecorded: MAX_UNRECORDED_CHUNKS
    })
    await this.#init.libp2p().services.file.pull(connection, {
      id,
      sha256: fromHex(row.sha256),
      size: row.size,
      chunkSize: row.chunkSize,
      listHash: fromHex(offer.listHash),
      ...(row.key === undefined ? {} : { key: row.key }),
      ...(hashes == null ? {} : { hashes }),
      onHashes: async (list) => { await saveHashes(db, id, list) },
      missing: missingChunks(row),
      onRequest: (index) => { requests[index] = Math.min(255, (requests[index] ?? 0) + 1) },
      onChunk: async (index, data) => {
        received(data.byteLength)
        if (index === hashedChunks) {
          whole.update(data)
          hashedChunks++
        }
        await keeper.keep(index, data)
      },
      window: Math.max(2, Math.min(WINDOW_CHUNKS, Math.floor(WINDOW_BYTES / row.chunkSize))),
      verify: async () => {
        await keeper.settle()
        await setTransferState(db, id, 'verifying')
        const digest = hashedChunks === row.chunkCount
          ? bytesToHex(whole.digest())
          : await hashBlob(await store.assemble(id, row.chunkCount, row.mime), { signal })
        if (digest !== row.sha256) {
          await resetChunks(db, id)
          throw new FileTransferError('corrupt', undefined, { reason: WHOLE_FILE_DAMAGED })
        }
      }
    }, { signal })
    await setTransferState(db, id, 'complete', { completedAt: Date.now() })
  }

  /** What an interrupted or refused pull from `peer` leaves behind. */
  async #failed (row: TransferRow, err: unknown, peer: string): Promise<void> {
    const { db, log } = this.#init
    const id = row.id
    const current = await getTransfer(db, id)
    if (current == null || current.state === 'cancelled' || current.state === 'complete') return
    const code = err instanceof FileTransferError ? err.code : undefined
    log('pull of %s from %s stopped - %e', id, peer, err)
    if (row.groupId !== undefined && peer !== row.peer && code !== undefined && NOT_FROM_THIS_MEMBER.has(code) && !this.#stopped) {
      // a member that holds no whole copy (or a bad one): what it sent verified is kept; another is asked
      this.#groupSources.declined(id, peer)
      await setTransferState(db, id, 'waiting')
      return
    }
    const notStored = storageProblem(err)
    if (notStored !== undefined && !this.#stopped) {
      // this will not work by trying again: stop, and say why
      this.#retries.forget(id)
      if (notStored.code === 'fileMemoryFull') {
        // half a file in memory would only crowd out the others: a retry starts again
        await this.#init.store().delete(id)
        await resetChunks(db, id)
      }
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
