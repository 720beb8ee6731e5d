/**
 * The sender's side of `/parley/file/1.0.0` and `1.1.0` (file-service.ts
 * registers it): what the app gives it (a FileHost that opens a FileSource
 * per OPEN and hears cancels), one inbound stream served (OPEN, READY, then
 * one reply per request in order until DONE; or a CANCEL answered OK), and
 * the ERROR a refusal or a bad request gets. The receiver's side is
 * file-pull.ts. Wire format and behaviour: docs/protocols.md ("Files").
 */
import { InvalidMessageError, InvalidParametersError } from '@libp2p/interface'
import { chunkCountOf, chunkLengthOf, ERROR_CODES, frameName, isValidChunkSize, truncateReason } from '@parley/protocol/file/codec'
import { HASH_BYTES, MAX_REQUEST_BUFFER_BYTES, MAX_REQUEST_FRAME_BYTES } from '@parley/protocol/file/constants'
import { FileCipher } from '@parley/protocol/file/keyed'
import { isFileTransferError } from '@parley/protocol/file/errors'
import { raceSignal, toError } from '@parley/protocol/abort'
import { FileFrames, Watchdog } from '@parley/protocol/file/frames'
import type { FileVersion } from '@parley/protocol/file/constants'
import type { FileDialerFrame, FileListenerFrame } from '@parley/protocol/file/codec'
import type { FileWireErrorCode } from '@parley/protocol/file/errors'
import type { FileName } from './file-pull.ts'
import type { AbortOptions, Connection, Logger, PeerId, Stream, StreamCloseEvent } from '@libp2p/interface'

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

/** A request the sender has read, with its reply's source read already started. */
interface Job {
  request: FileDialerFrame
  reply?: Promise<FileListenerFrame>
}

/** What serving a stream needs of the service. */
export interface ServeContext {
  host: FileHost
  log: Logger
  /** how long the stream may go without a frame read or written, in ms */
  frameTimeoutMs: number
  /** aborted when the service stops */
  shutdown: AbortSignal
}

/**
 * Inbound stream handler: serves one OPEN (as the sender) or answers one
 * CANCEL. Never throws: a refusal from the host goes out as ERROR and the
 * stream is closed; a request breaking the protocol gets ERROR bad-request
 * and the stream is aborted (InvalidMessageError); anything else aborts it.
 */
export async function serveStream ({ host, log, frameTimeoutMs, shutdown }: ServeContext, stream: Stream, connection: Connection, version: FileVersion): Promise<void> {
  const from = connection.remotePeer
  const watchdog = new Watchdog(frameTimeoutMs, `The file stream from ${from} made no progress within ${frameTimeoutMs} ms`, [shutdown])
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
      await watchdog.race(host.cancelled(from, first.id, { version, proof: first.sha256 }))
      await frames.write({ type: 'ok' })
      log('transfer %s cancelled by %p', first.id, from)
    } else if (first.type === 'open') {
      const opening = host.open(from, first.id, { version, proof: first.sha256 }, connection)
      source = await watchdog.race(opening).catch((err: unknown) => {
        // a source that arrives after we gave up must still be let go of
        opening.then(late => { late.close?.() }, () => {})
        throw err
      })
      if (version === '1.1.0') {
        if (source.key === undefined) throw new Error(`The file source of ${first.id} has no key to serve it over ${version}`)
        frames.cipher = await watchdog.race(FileCipher.create(source.key))
      }
      await serve(frames, source, watchdog.signal)
      log('transfer %s served to %p', first.id, from)
    } else {
      throw new InvalidMessageError(`Invalid file frame: the first frame must be OPEN or CANCEL, got ${frameName(first.type)}`)
    }
    await stream.close({ signal: watchdog.signal })
  } catch (err) {
    await refuse(stream, frames, from, err, log)
  } finally {
    stream.removeEventListener('close', onClose)
    watchdog.dispose()
    try {
      source?.close?.()
    } catch (err) {
      log.error('closing the file source failed - %e', err)
    }
  }
}

/**
 * The sender's loop after OPEN: READY, then one reply per request, strictly
 * in order, until DONE (answered OK) or the receiver closes its side. The
 * next request is read, and its source read started, while the current
 * reply is written, so the disk and the network overlap.
 */
async function serve (frames: FileFrames, source: FileSource, signal: AbortSignal): Promise<void> {
  const { size, chunkSize, chunkCount } = source
  if (!Number.isSafeInteger(size) || size < 0 || !isValidChunkSize(chunkSize) || chunkCount !== chunkCountOf(size, chunkSize)) {
    throw new InvalidParametersError(`The file source is inconsistent: size ${size}, chunkSize ${chunkSize}, chunkCount ${chunkCount}`)
  }
  await frames.write({ type: 'ready', size, chunkSize, chunkCount })
  let next = nextJob(frames, source, signal)
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
    next = nextJob(frames, source, signal)
    // awaited in the next round; until then a failure must not count as unhandled
    next.catch(() => {})
    await frames.write(await job.reply)
  }
}

/** Reads the next request, checks it against the file and starts reading its answer from the source. */
async function nextJob (frames: FileFrames, source: FileSource, signal: AbortSignal): Promise<Job | null> {
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
async function refuse (stream: Stream, frames: FileFrames, from: PeerId, err: unknown, log: Logger): Promise<void> {
  const error = toError(err)
  const refusal = isFileTransferError(error) && Object.hasOwn(ERROR_CODES, error.code) ? error.code as FileWireErrorCode : undefined
  const code = refusal ?? (error.name === InvalidMessageError.name ? 'bad-request' : undefined)
  if (code != null) {
    try {
      await frames.write({ type: 'error', code, reason: truncateReason(error.message) })
      if (refusal != null) {
        log('refused a file stream from %p: %s', from, code)
        await stream.close({ signal: frames.watchdog.signal })
        return
      }
    } catch (writeErr) {
      log.error('writing ERROR %s to %p failed - %e', code, from, writeErr)
    }
  }
  log.error('inbound file stream %s from %p failed - %e', stream.id, from, error)
  stream.abort(error)
}
