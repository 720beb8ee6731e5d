/**
 * @packageDocumentation
 *
 * The `/parley/file/1.0.0` and `1.1.0` service. The receiver of a file pulls it from the
 * sender: it dials, names the transfer (OPEN) and asks for the chunk hashes
 * and then for chunks, keeping a window of requests in flight; the sender
 * answers each request in order from a {@link FileSource} its
 * {@link FileHost} gives it. Either side tells the other of a cancel on a
 * stream of its own. A file whose offer carries a key moves over 1.1.0,
 * sealed with it. Wire format and behaviour: docs/protocols.md ("Files").
 *
 * @example
 *
 * ```ts
 * const node = await createLibp2p({ services: { file: file({ host }) } })
 * await node.services.file.pull(connection, {
 *   id, sha256, size, chunkSize, listHash, missing,
 *   onHashes: async (hashes) => { await storeHashes(id, hashes) },
 *   onChunk: async (index, data) => { await storeChunk(id, index, data.slice()) },
 *   verify: async () => { await checkWholeFile(id) }
 * }, { signal })
 * ```
 */
import { AbortError, InvalidMessageError, InvalidParametersError, ProtocolError } from '@libp2p/interface'
import { chunkCountOf, chunkLengthOf, ERROR_CODES, frameName, isValidChunkSize, truncateReason } from '@parley/protocol/file/codec'
import {
  FILE_PROTOCOL, FILE_PROTOCOL_KEYED, FRAME_TIMEOUT_MS, HASH_BYTES, MAX_FRAME_BYTES_OF, MAX_INBOUND_STREAMS, MAX_LENGTH_PREFIX_BYTES,
  MAX_OUTBOUND_STREAMS, MAX_REQUEST_BUFFER_BYTES, MAX_REQUEST_FRAME_BYTES
} from '@parley/protocol/file/constants'
import { FileCipher } from '@parley/protocol/file/keyed'
import type { FileVersion } from '@parley/protocol/file/constants'
import { FileTransferError, isFileTransferError } from '@parley/protocol/file/errors'
import { raceSignal, toError } from '@parley/protocol/abort'
import { FileFrames, Watchdog } from '@parley/protocol/file/frames'
import type { FileDialerFrame, FileListenerFrame } from '@parley/protocol/file/codec'
import type { FileWireErrorCode } from '@parley/protocol/file/errors'
import { checkPullRequest, checkReady, checkTransfer, fetchChunks, fetchHashes, keyedName, readReply } from './file-pull.ts'
import type { FileName, KeyedName, PullRequest } from './file-pull.ts'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable, Stream, StreamCloseEvent } from '@libp2p/interface'

/** The sender's side of one transfer, opened for one OPEN; the app provides it. */
export interface FileSource {
  /** bytes of the file, 0 ≤ size < 2^53 */
  size: number
  /** a power of two in MIN_CHUNK_BYTES..MAX_CHUNK_BYTES */
  chunkSize: number
  /** ceil(size / chunkSize) */
  chunkCount: number
  /** The SHA-256 of chunks `from` .. `from + count - 1`, concatenated: exactly count × 32 bytes. */
  hashes(from: number, count: number, options: AbortOptions): Promise<Uint8Array>
  /**
   * The bytes of chunk `index`: chunkSize bytes, the last chunk the rest. May
   * throw FileTransferError('unavailable' | 'cancelled'), which is sent as
   * ERROR; any other error resets the stream.
   */
  chunk(index: number, options: AbortOptions): Promise<Uint8Array>
  /** The receiver sent DONE: it has the whole file and verified it. OK is sent once this resolves. */
  done(): Promise<void>
  /** The stream ended, for any reason (after done(), an error, a cancel or a reset). */
  close?(): void
  /** The file's key (the offer's), which a 1.1.0 stream seals the hashes and chunks with. */
  key?: Uint8Array
}


/** The app, on the sender's side and for cancels from either side. */
export interface FileHost {
  /**
   * The receiver `from` opens transfer `id` (the id of the chat message that
   * offered the file, named by `name`: its whole-file hash, or over 1.1.0 its
   * key's tag). Resolve a FileSource (over 1.1.0, one with the file's key),
   * or throw FileTransferError('unknown-transfer' | 'cancelled' |
   * 'unavailable' | 'needs-direct' | 'busy'), which is sent as ERROR. Any
   * other error resets the stream. `connection` tells a relayed (limited)
   * connection from a direct one.
   */
  open(from: PeerId, id: string, name: FileName, connection: Connection): Promise<FileSource>
  /** `from` says transfer `id` is cancelled (whichever way the file was going). OK is sent once this resolves. */
  cancelled(from: PeerId, id: string, name: FileName): Promise<void>
}

export type { FileName, PullRequest }

export interface FileServiceComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  logger: ComponentLogger
}

export interface FileServiceInit {
  host: FileHost
  /** How long either side waits without a frame read or written before it gives up on a stream, in ms (tests shorten it). @default FRAME_TIMEOUT_MS */
  frameTimeoutMs?: number
}

/**
 * Read buffer of a stream that expects only short replies (READY, OK, or an
 * ERROR of at most 2 + MAX_REASON_BYTES bytes), in bytes.
 */
const SMALL_REPLIES_BUFFER_BYTES = 4096

/** A request the sender has read, with its reply's source read already started. */
interface Job {
  request: FileDialerFrame
  reply?: Promise<FileListenerFrame>
}

export class FileService implements Startable {
  readonly protocol = FILE_PROTOCOL
  readonly protocols = { '1.0.0': FILE_PROTOCOL, '1.1.0': FILE_PROTOCOL_KEYED } as const satisfies Record<FileVersion, string>
  readonly [Symbol.toStringTag] = '@parley/file'
  private readonly components: FileServiceComponents
  private readonly host: FileHost
  private readonly log: Logger
  private readonly frameTimeoutMs: number
  /** Aborted by stop(): ends every stream in flight, both ways. */
  private shutdown = new AbortController()
  private started = false

  constructor (components: FileServiceComponents, init: FileServiceInit) {
    this.components = components
    this.host = init.host
    this.log = components.logger.forComponent('parley:file')
    this.frameTimeoutMs = init.frameTimeoutMs ?? FRAME_TIMEOUT_MS
    this.handleFile = this.handleFile.bind(this)
  }

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    for (const [version, protocol] of Object.entries(this.protocols) as Array<[FileVersion, string]>) {
      await this.components.registrar.handle(protocol, async (stream, connection) => { await this.handleFile(stream, connection, version) }, {
        runOnLimitedConnection: true,
        maxInboundStreams: MAX_INBOUND_STREAMS,
        maxOutboundStreams: MAX_OUTBOUND_STREAMS
      })
    }
    this.started = true
  }

  async stop (): Promise<void> {
    this.shutdown.abort(new AbortError('The file service was stopped'))
    for (const protocol of Object.values(this.protocols)) await this.components.registrar.unhandle(protocol)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /**
   * Inbound stream handler: serves one OPEN (as the sender) or answers one
   * CANCEL. Never throws: a refusal from the host goes out as ERROR and the
   * stream is closed; a request breaking the protocol gets ERROR bad-request
   * and the stream is aborted (InvalidMessageError); anything else aborts it.
   */
  async handleFile (stream: Stream, connection: Connection, version: FileVersion = '1.0.0'): Promise<void> {
    const from = connection.remotePeer
    const watchdog = new Watchdog(this.frameTimeoutMs, `The file stream from ${from} made no progress within ${this.frameTimeoutMs} ms`, [this.shutdown.signal])
    // a reset must also end a pending source read, which knows nothing of the stream
    const onClose = (evt: StreamCloseEvent): void => {
      if (evt.error != null) watchdog.abort(evt.error)
    }
    stream.addEventListener('close', onClose)
    const frames = new FileFrames(stream, MAX_REQUEST_FRAME_BYTES, MAX_REQUEST_BUFFER_BYTES, watchdog, version)
    let source: FileSource | undefined
    try {
      const first = await frames.read('dialer')
      if (first == null) {
        throw new InvalidMessageError('Invalid file frame: the stream ended before its first frame')
      }
      if (first.type === 'cancel') {
        await watchdog.race(this.host.cancelled(from, first.id, { version, proof: first.sha256 }))
        await frames.write({ type: 'ok' })
        this.log('transfer %s cancelled by %p', first.id, from)
      } else if (first.type === 'open') {
        const opening = this.host.open(from, first.id, { version, proof: first.sha256 }, connection)
        source = await watchdog.race(opening).catch((err: unknown) => {
          // a source that arrives after we gave up must still be let go of
          opening.then(late => { late.close?.() }, () => {})
          throw err
        })
        if (version === '1.1.0') {
          if (source.key === undefined) throw new Error(`The file source of ${first.id} has no key to serve it over ${version}`)
          frames.cipher = await watchdog.race(FileCipher.create(source.key))
        }
        await this.serve(frames, source, watchdog.signal)
        this.log('transfer %s served to %p', first.id, from)
      } else {
        throw new InvalidMessageError(`Invalid file frame: the first frame must be OPEN or CANCEL, got ${frameName(first.type)}`)
      }
      await stream.close({ signal: watchdog.signal })
    } catch (err) {
      await this.refuse(stream, frames, from, err)
    } finally {
      stream.removeEventListener('close', onClose)
      watchdog.dispose()
      try {
        source?.close?.()
      } catch (err) {
        this.log.error('closing the file source failed - %e', err)
      }
    }
  }

  /**
   * Pulls the chunks in `request.missing` from the sender over a new stream:
   * OPEN, READY, HASHES (unless `hashes` is given), a window of CHUNK
   * requests, then verify() and DONE. Resolves once the sender answered OK.
   * Throws FileTransferError (a code from the sender's ERROR, or 'protocol',
   * 'corrupt', 'mismatch'), `TimeoutError` when the sender stalls for
   * frameTimeoutMs, `FileStreamEndedError` when the stream ends before an
   * answer, the signal's reason when aborted (an `AbortError`), or a stream
   * error such as `StreamResetError`; the stream is aborted then.
   */
  async pull (connection: Connection, request: PullRequest, options: AbortOptions = {}): Promise<void> {
    const window = checkPullRequest(request)
    const chunkCount = chunkCountOf(request.size, request.chunkSize)
    const keyed = await keyedName(request.key, request.sha256)
    const maxBuffer = (window + 1) * (MAX_FRAME_BYTES_OF[keyed.version] + MAX_LENGTH_PREFIX_BYTES)
    await this.dial(connection, maxBuffer, `pulling ${request.id}`, options, keyed, async (frames, watchdog, stream) => {
      await frames.write({ type: 'open', id: request.id, sha256: keyed.proof })
      checkReady(await readReply(frames, 'ready'), request)
      let hashes = request.hashes
      if (hashes == null) {
        hashes = await fetchHashes(frames, chunkCount, request.listHash)
        const fetched = hashes
        await watchdog.suspend(async () => request.onHashes?.(fetched))
      }
      await fetchChunks(frames, watchdog, request, hashes, window, this.log)
      await watchdog.suspend(async () => request.verify())
      if (stream.status !== 'open' || stream.writeStatus !== 'writable') {
        // the sender gave up on this stream while we verified a big file:
        // say DONE on a new one (OPEN and DONE together, then READY and OK)
        this.log('stream for %s ended during verification, sending DONE on a new stream', request.id)
        await this.dial(connection, SMALL_REPLIES_BUFFER_BYTES, `finishing ${request.id}`, options, keyed, async (again) => {
          await again.write({ type: 'open', id: request.id, sha256: keyed.proof })
          await again.write({ type: 'done' })
          checkReady(await readReply(again, 'ready'), request)
          await readReply(again, 'ok')
        })
        return
      }
      await frames.write({ type: 'done' })
      await readReply(frames, 'ok')
    })
  }

  /**
   * Tells the peer that transfer `id` is cancelled (CANCEL on a new stream)
   * and waits for its OK, which it sends whether or not it knows the
   * transfer. A keyed file (`key`) is named by its tag over 1.1.0. Throws
   * like {@link pull}.
   */
  async cancel (connection: Connection, id: string, sha256: Uint8Array, options: AbortOptions & { key?: Uint8Array } = {}): Promise<void> {
    checkTransfer(id, sha256)
    const keyed = await keyedName(options.key, sha256)
    await this.dial(connection, SMALL_REPLIES_BUFFER_BYTES, `cancelling ${id}`, options, keyed, async (frames) => {
      await frames.write({ type: 'cancel', id, sha256: keyed.proof })
      await readReply(frames, 'ok')
    })
  }

  /**
   * The sender's loop after OPEN: READY, then one reply per request, strictly
   * in order, until DONE (answered OK) or the receiver closes its side. The
   * next request is read, and its source read started, while the current
   * reply is written, so the disk and the network overlap.
   */
  private async serve (frames: FileFrames, source: FileSource, signal: AbortSignal): Promise<void> {
    const { size, chunkSize, chunkCount } = source
    if (!Number.isSafeInteger(size) || size < 0 || !isValidChunkSize(chunkSize) || chunkCount !== chunkCountOf(size, chunkSize)) {
      throw new InvalidParametersError(`The file source is inconsistent: size ${size}, chunkSize ${chunkSize}, chunkCount ${chunkCount}`)
    }
    await frames.write({ type: 'ready', size, chunkSize, chunkCount })
    let next = this.nextJob(frames, source, signal)
    for (;;) {
      const job = await next
      if (job == null) {
        // the receiver closed its side without DONE: it stopped, nothing more to answer
        return
      }
      if (job.reply == null) {
        // DONE: every earlier reply is written
        await raceSignal(source.done(), signal)
        await frames.write({ type: 'ok' })
        return
      }
      next = this.nextJob(frames, source, signal)
      // awaited in the next round; until then a failure must not count as unhandled
      next.catch(() => {})
      await frames.write(await job.reply)
    }
  }

  /** Reads the next request, checks it against the file and starts reading its answer from the source. */
  private async nextJob (frames: FileFrames, source: FileSource, signal: AbortSignal): Promise<Job | null> {
    const request = await frames.read('dialer')
    if (request == null) {
      return null
    }
    let reply: Promise<FileListenerFrame>
    switch (request.type) {
      case 'hashes-request': {
        const { from, count } = request
        if (from + count > source.chunkCount) {
          throw new InvalidMessageError(`Invalid file frame: HASHES ${from}..${from + count - 1} is beyond the ${source.chunkCount} chunks`)
        }
        reply = raceSignal(source.hashes(from, count, { signal }), signal).then((hashes): FileListenerFrame => {
          if (hashes.byteLength !== count * HASH_BYTES) throw new Error(`The file source returned ${hashes.byteLength} bytes for ${count} hashes`)
          return { type: 'hashes', from, hashes }
        })
        break
      }
      case 'chunk-request': {
        const { index } = request
        if (index >= source.chunkCount) {
          throw new InvalidMessageError(`Invalid file frame: CHUNK ${index} is beyond the ${source.chunkCount} chunks`)
        }
        reply = raceSignal(source.chunk(index, { signal }), signal).then((data): FileListenerFrame => {
          const length = chunkLengthOf(index, source.size, source.chunkSize)
          if (data.byteLength !== length) throw new Error(`The file source returned ${data.byteLength} bytes for chunk ${index}, not ${length}`)
          return { type: 'chunk', index, data }
        })
        break
      }
      case 'done':
        return { request }
      default:
        throw new InvalidMessageError(`Invalid file frame: only the first frame may be OPEN or CANCEL, got another ${frameName(request.type)}`)
    }
    // awaited when its turn comes; until then a failure must not count as unhandled
    reply.catch(() => {})
    return { request, reply }
  }

  /**
   * The sender's side of a failed stream: a host or source refusal goes out
   * as ERROR and the stream is closed; a bad request gets ERROR bad-request,
   * then the stream is aborted; anything else just aborts it.
   */
  private async refuse (stream: Stream, frames: FileFrames, from: PeerId, err: unknown): Promise<void> {
    const error = toError(err)
    const refusal = isFileTransferError(error) && Object.hasOwn(ERROR_CODES, error.code) ? error.code as FileWireErrorCode : undefined
    const code = refusal ?? (error.name === InvalidMessageError.name ? 'bad-request' : undefined)
    if (code != null) {
      try {
        await frames.write({ type: 'error', code, reason: truncateReason(error.message) })
        if (refusal != null) {
          this.log('refused a file stream from %p: %s', from, code)
          await stream.close({ signal: frames.watchdog.signal })
          return
        }
      } catch (writeErr) {
        this.log.error('writing ERROR %s to %p failed - %e', code, from, writeErr)
      }
    }
    this.log.error('inbound file stream %s from %p failed - %e', stream.id, from, error)
    stream.abort(error)
  }

  /**
   * Opens a stream to `connection` in the version of `keyed` and runs `fn`
   * on it under a watchdog. On failure, logs, aborts the stream and throws (a
   * malformed reply becomes FileTransferError('protocol')); on success,
   * closes the stream.
   */
  private async dial (connection: Connection, maxBufferSize: number, what: string, options: AbortOptions, keyed: KeyedName,
    fn: (frames: FileFrames, watchdog: Watchdog, stream: Stream) => Promise<void>): Promise<void> {
    const watchdog = new Watchdog(this.frameTimeoutMs, `No file frame from ${connection.remotePeer} within ${this.frameTimeoutMs} ms`, [options.signal, this.shutdown.signal])
    let stream: Stream | undefined
    try {
      // negotiateFully: false sends the protocol id together with the first
      // frame, saving a round trip; a peer without the protocol still refuses
      // it, which surfaces when we read its answer
      stream = await connection.newStream(this.protocols[keyed.version], { runOnLimitedConnection: true, negotiateFully: false, signal: watchdog.signal })
      watchdog.touch()
      await fn(new FileFrames(stream, MAX_FRAME_BYTES_OF[keyed.version], maxBufferSize, watchdog, keyed.version, keyed.cipher), watchdog, stream)
      await stream.close({ signal: watchdog.signal })
    } catch (err) {
      const error = toError(err)
      this.log.error('%s from %p failed - %e', what, connection.remotePeer, error)
      stream?.abort(error)
      if (error.name === InvalidMessageError.name || error.name === ProtocolError.name) {
        throw new FileTransferError('protocol', undefined, { reason: error.message, cause: error })
      }
      throw error
    } finally {
      watchdog.dispose()
    }
  }
}

export function file (init: FileServiceInit): (components: FileServiceComponents) => FileService {
  return (components) => new FileService(components, init)
}
