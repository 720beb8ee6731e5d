/**
 * @packageDocumentation
 *
 * The `/parley/file/1.0.0` and `1.1.0` service. The receiver of a file pulls it from the
 * sender: it dials, names the transfer (OPEN) and asks for the chunk hashes
 * and then for chunks, keeping a window of requests in flight (file-pull.ts);
 * the sender answers each request in order from a FileSource its FileHost
 * gives it (file-serve.ts). Either side tells the other of a cancel on a
 * stream of its own. A file whose offer carries a key moves over 1.1.0,
 * sealed with it. This module is the libp2p service that holds them: the
 * protocols registered, the streams dialled, stopped together. Wire format
 * and behaviour: docs/protocols.md ("Files").
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
import { AbortError, InvalidMessageError, ProtocolError } from '@libp2p/interface'
import { chunkCountOf } from '@parley/protocol/file/codec'
import {
  FILE_PROTOCOL, FILE_PROTOCOL_KEYED, FRAME_TIMEOUT_MS, MAX_FRAME_BYTES_OF, MAX_INBOUND_STREAMS, MAX_LENGTH_PREFIX_BYTES, MAX_OUTBOUND_STREAMS
} from '@parley/protocol/file/constants'
import type { FileVersion } from '@parley/protocol/file/constants'
import { FileTransferError } from '@parley/protocol/file/errors'
import { toError } from '@parley/protocol/abort'
import { FileFrames, Watchdog } from '@parley/protocol/file/frames'
import { checkPullRequest, checkReady, checkTransfer, fetchChunks, fetchHashes, keyedName, readReply } from './file-pull.ts'
import { serveStream } from './file-serve.ts'
import type { FileName, KeyedName, PullRequest } from './file-pull.ts'
import type { FileHost } from './file-serve.ts'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, Startable, Stream } from '@libp2p/interface'

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
   * CANCEL (file-serve.ts). Never throws.
   */
  async handleFile (stream: Stream, connection: Connection, version: FileVersion = '1.0.0'): Promise<void> {
    await serveStream({ host: this.host, log: this.log, frameTimeoutMs: this.frameTimeoutMs, shutdown: this.shutdown.signal }, stream, connection, version)
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
