/**
 * The receiver's side of `/parley/file/1.0.0` and `1.1.0` (file-service.ts
 * drives it; the sender's side is file-serve.ts): what a pull asks for, the
 * checks on a request and on the sender's replies, and the HASHES and CHUNK
 * exchanges with their window and verification.
 * Wire format and behaviour: docs/protocols.md ("Files").
 */
import { InvalidMessageError, InvalidParametersError } from '@libp2p/interface'
import { chunkCountOf, chunkLengthOf, frameName, isValidChunkSize, ULID_PATTERN } from '@parley/protocol/file/codec'
import { isTruncatedFrame } from '@parley/protocol/framing'
import { HASH_BYTES, MAX_CHUNK_ATTEMPTS, MAX_HASHES_PER_FRAME, MAX_WINDOW_CHUNKS, WINDOW_CHUNKS } from '@parley/protocol/file/constants'
import { FileTransferError } from '@parley/protocol/file/errors'
import { FileCipher, fileTag } from '@parley/protocol/file/keyed'
import { toError } from '@parley/protocol/abort'
import type { FileVersion } from '@parley/protocol/file/constants'
import type { FileFrames, Watchdog } from '@parley/protocol/file/frames'
import type { FileListenerFrame } from '@parley/protocol/file/codec'
import type { Logger } from '@libp2p/interface'

/** What the receiver asks for in `FileService.pull` (file-service.ts): the offer, and what it still lacks. */
export interface PullRequest {
  /** the transfer id: the ULID of the chat message that offered the file */
  id: string
  /** SHA-256 of the whole file (32 bytes), from the offer */
  sha256: Uint8Array
  /** from the offer; READY must announce the same */
  size: number
  /** from the offer; READY must announce the same */
  chunkSize: number
  /** SHA-256 of the chunk hash list (32 bytes), from the offer */
  listHash: Uint8Array
  /** the file's key (32 bytes), from an offer that came in a session box: the pull goes over 1.1.0, sealed with it */
  key?: Uint8Array
  /**
   * The chunk hash list (chunkCount × 32 bytes) when already known, on a
   * resume; trusted as is. Without it, pull fetches it in HASHES frames,
   * checks SHA-256(list) == listHash, then calls onHashes.
   */
  hashes?: Uint8Array
  /** Stores a freshly fetched and checked hash list (not called when `hashes` was given). */
  onHashes?(hashes: Uint8Array): Promise<void>
  /** Chunk indices still needed, ascending, each below chunkCount; [] when only verify and DONE remain. */
  missing: number[]
  /** Called just before each CHUNK request is written (a chunk failing verification is requested again). */
  onRequest?(index: number): void
  /**
   * A verified chunk. Calls are awaited one at a time, in the order the
   * chunks arrive (the order of `missing`, retries later); while one is
   * pending, at most `window` requests stay outstanding, so slow storage
   * slows the sender down. `data` may be a view into a larger buffer: copy it
   * (`data.slice()`) or wrap it in a Blob before storing it in IndexedDB,
   * which would otherwise store the whole underlying buffer.
   */
  onChunk(index: number, data: Uint8Array): Promise<void>
  /**
   * Called once every chunk is stored: check the whole file against
   * `sha256`. Throw FileTransferError('corrupt') if it fails; then no DONE
   * is sent and pull throws that error.
   */
  verify(): Promise<void>
  /** CHUNK requests kept in flight, 1..MAX_WINDOW_CHUNKS. @default WINDOW_CHUNKS */
  window?: number
}

/**
 * How a receiver names a file in OPEN and CANCEL: by its SHA-256 over
 * 1.0.0, by the tag of its key (keyed.ts `fileTag`) over 1.1.0.
 */
export interface FileName {
  version: FileVersion
  /** the 32 bytes of OPEN or CANCEL after the id */
  proof: Uint8Array
}

/** A file's name with, over 1.1.0, the cipher its payloads are sealed with. */
export type KeyedName = FileName & { cipher?: FileCipher }

/** How a transfer is named and sealed: over 1.1.0 by its key's tag and with its cipher when it has a key, else over 1.0.0 by `sha256`. */
export async function keyedName (key: Uint8Array | undefined, sha256: Uint8Array): Promise<KeyedName> {
  if (key === undefined) return { version: '1.0.0', proof: sha256 }
  try {
    return { version: '1.1.0', proof: fileTag(key), cipher: await FileCipher.create(key) }
  } catch (err) {
    throw new InvalidParametersError(`Cannot use the file's key: ${toError(err).message}`)
  }
}

/** HASHES requests, one at a time, for the whole list; checks it against listHash. */
export async function fetchHashes (frames: FileFrames, chunkCount: number, listHash: Uint8Array): Promise<Uint8Array> {
  const list = new Uint8Array(chunkCount * HASH_BYTES)
  for (let from = 0; from < chunkCount; from += MAX_HASHES_PER_FRAME) {
    const count = Math.min(MAX_HASHES_PER_FRAME, chunkCount - from)
    await frames.write({ type: 'hashes-request', from, count })
    const reply = await readReply(frames, 'hashes')
    if (reply.from !== from || reply.hashes.byteLength !== count * HASH_BYTES) {
      throw new InvalidMessageError(`Invalid file frame: HASHES for ${reply.from} (${reply.hashes.byteLength / HASH_BYTES}) while waiting for ${from} (${count})`)
    }
    list.set(reply.hashes, from * HASH_BYTES)
  }
  if (!equal(await sha256(list), listHash)) {
    throw new FileTransferError('mismatch', undefined, { reason: 'the chunk hash list does not match listHash' })
  }
  return list
}

/**
 * CHUNK requests for `request.missing`, at most `window` outstanding.
 * Replies come in request order; each is checked (index, exact length,
 * SHA-256 against its listed hash) and handed to onChunk. A chunk that
 * fails its hash is requested again, up to MAX_CHUNK_ATTEMPTS in all.
 */
export async function fetchChunks (frames: FileFrames, watchdog: Watchdog, request: PullRequest, hashes: Uint8Array, window: number, log: Logger): Promise<void> {
  const { missing, size, chunkSize } = request
  const outstanding: number[] = []
  const retries: number[] = []
  const attempts = new Map<number, number>()
  let next = 0
  const topUp = async (): Promise<void> => {
    while (outstanding.length < window) {
      const index = retries.shift() ?? missing[next++]
      if (index === undefined) return
      attempts.set(index, (attempts.get(index) ?? 0) + 1)
      outstanding.push(index)
      request.onRequest?.(index)
      await frames.write({ type: 'chunk-request', index })
    }
  }
  await topUp()
  for (let index = outstanding.shift(); index !== undefined; index = outstanding.shift()) {
    const reply = await readReply(frames, 'chunk')
    if (reply.index !== index) {
      throw new InvalidMessageError(`Invalid file frame: CHUNK ${reply.index} while waiting for chunk ${index}`)
    }
    const length = chunkLengthOf(index, size, chunkSize)
    if (reply.data.byteLength !== length) {
      throw new InvalidMessageError(`Invalid file frame: chunk ${index} must be ${length} bytes, got ${reply.data.byteLength}`)
    }
    if (!equal(await sha256(reply.data), hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES))) {
      const tries = attempts.get(index) ?? 0
      log('chunk %d of %s failed verification (attempt %d of %d)', index, request.id, tries, MAX_CHUNK_ATTEMPTS)
      if (tries >= MAX_CHUNK_ATTEMPTS) {
        throw new FileTransferError('corrupt', undefined, { reason: `chunk ${index} failed verification ${tries} times` })
      }
      retries.push(index)
      await topUp()
      continue
    }
    const { data } = reply
    // onChunk starts before the top-up, so requests minus stored chunks never exceed the window
    await Promise.all([watchdog.suspend(async () => request.onChunk(index, data)), topUp()])
  }
}

/** Checks a pull request's own consistency (InvalidParametersError); returns its window. */
export function checkPullRequest (request: PullRequest): number {
  checkTransfer(request.id, request.sha256)
  const { size, chunkSize, listHash, hashes, missing } = request
  const window = request.window ?? WINDOW_CHUNKS
  const bad = (what: string): InvalidParametersError => new InvalidParametersError(`Cannot pull ${request.id}: ${what}`)
  if (!Number.isSafeInteger(size) || size < 0) throw bad(`size must be an integer 0..2^53-1, got ${size}`)
  if (!isValidChunkSize(chunkSize)) throw bad(`chunkSize ${chunkSize} is not a valid chunk size`)
  if (listHash.byteLength !== HASH_BYTES) throw bad(`listHash must be ${HASH_BYTES} bytes`)
  const chunkCount = chunkCountOf(size, chunkSize)
  if (hashes != null && hashes.byteLength !== chunkCount * HASH_BYTES) throw bad(`hashes must be ${chunkCount} × ${HASH_BYTES} bytes`)
  if (!missing.every((index, i) => Number.isInteger(index) && index >= 0 && index < chunkCount && (i === 0 || index > (missing[i - 1] ?? 0)))) {
    throw bad(`missing must list distinct chunk indices below ${chunkCount}, ascending`)
  }
  if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW_CHUNKS) throw bad(`window must be 1..${MAX_WINDOW_CHUNKS}, got ${window}`)
  return window
}

export function checkTransfer (id: string, sha256: Uint8Array): void {
  if (!ULID_PATTERN.test(id)) throw new InvalidParametersError(`A transfer id is a ULID, got ${JSON.stringify(id)}`)
  if (sha256.byteLength !== HASH_BYTES) throw new InvalidParametersError(`A file's sha256 is ${HASH_BYTES} bytes, got ${sha256.byteLength}`)
}

/** READY must announce the offered size and chunk size (the codec checked its chunk count against them). */
export function checkReady (ready: { size: number, chunkSize: number }, request: PullRequest): void {
  if (ready.size !== request.size || ready.chunkSize !== request.chunkSize) {
    throw new FileTransferError('mismatch', undefined, {
      reason: `READY announces ${ready.size} bytes in chunks of ${ready.chunkSize}, the offer ${request.size} in chunks of ${request.chunkSize}`
    })
  }
}

/**
 * The sender's side of the stream ended before the answer came, between
 * frames or inside one. Not a reply that breaks the protocol: the sender went
 * away (its tab closed, the connection dropped; a data channel whose peer
 * connection goes can read as a clean end before libp2p sees the connection
 * close), so the pull is tried again later, as after any lost connection.
 */
export class FileStreamEndedError extends Error {
  static readonly NAME = 'FileStreamEndedError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = FileStreamEndedError.NAME
  }
}

/**
 * Reads the sender's next reply, which must be of `type`. An ERROR becomes
 * the FileTransferError of its code; the end of the stream (or a frame it
 * cut off) a FileStreamEndedError; any other frame an InvalidMessageError.
 */
export async function readReply<T extends FileListenerFrame['type']> (frames: FileFrames, type: T): Promise<Extract<FileListenerFrame, { type: T }>> {
  let frame
  try {
    frame = await frames.read('listener')
  } catch (err) {
    if (isTruncatedFrame(err)) throw new FileStreamEndedError(`The file stream ended inside a frame while waiting for ${frameName(type)}`, { cause: err })
    throw err
  }
  if (frame == null) {
    throw new FileStreamEndedError(`The file stream ended while waiting for ${frameName(type)}`)
  }
  if (frame.type === 'error') {
    throw new FileTransferError(frame.code, undefined, { reason: frame.reason })
  }
  if (frame.type !== type) {
    throw new InvalidMessageError(`Invalid file frame: expected ${frameName(type)}, got ${frameName(frame.type)}`)
  }
  return frame as Extract<FileListenerFrame, { type: T }>
}

async function sha256 (data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
