/**
 * Hashing of offered and received files (docs/protocols.md, "Files"): the
 * chunk size policy, the per-chunk SHA-256 list and its `listHash`, and the
 * whole-file SHA-256. Files are read one slice at a time, so memory does not
 * grow with the file: WebCrypto hashes each chunk, and the whole-file hash is
 * kept incrementally (sha256-stream.ts: WebCrypto has no streaming digest).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { createSha256 } from './sha256-stream.ts'
import { chunkCountOf } from '../db/transfer-rows.ts'
import { DEFAULT_CHUNK_BYTES, HASH_BYTES, MAX_CHUNK_BYTES, TARGET_CHUNKS } from '@parley/protocol/file/constants'

export { chunkCountOf }

/** Slice size when hashing an assembled file as a whole (`hashBlob`). */
export const WHOLE_FILE_SLICE_BYTES = 1024 * 1024

export interface HashOptions {
  /** Called after each slice with the bytes hashed so far. */
  onProgress?: (bytes: number) => void
  /** Stops hashing between slices; the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

export interface FileHashes {
  /** SHA-256 of the whole file, 64 lowercase hex digits. */
  sha256: string
  /** SHA-256 of each chunk, 32 bytes each, in index order. */
  hashes: Uint8Array
  /** SHA-256 of `hashes`, 64 lowercase hex digits. */
  listHash: string
}

/**
 * The chunk size a sender picks for a file of `size` bytes:
 * DEFAULT_CHUNK_BYTES, doubled until the file has at most TARGET_CHUNKS
 * chunks, but never more than MAX_CHUNK_BYTES (bigger files get more chunks).
 *
 * @throws RangeError when size is not a whole number ≥ 0
 */
export function chunkSizeFor (size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a whole number ≥ 0, not ${size}`)
  let chunk = DEFAULT_CHUNK_BYTES
  while (chunk < MAX_CHUNK_BYTES && Math.ceil(size / chunk) > TARGET_CHUNKS) chunk *= 2
  return Math.min(chunk, MAX_CHUNK_BYTES)
}

/**
 * Hashes a file chunk by chunk: each chunk's SHA-256 (the hash list), the
 * list's SHA-256 and the whole file's SHA-256. Reads one chunk at a time.
 *
 * @throws RangeError for a chunk size that is not a whole number ≥ 1; the
 *   signal's reason when aborted; the blob's read error (e.g. NotReadableError
 *   when the user's file changed or vanished)
 */
export async function hashFile (blob: Blob, chunkSize: number, options: HashOptions = {}): Promise<FileHashes> {
  const { onProgress, signal } = options
  const count = chunkCountOf(blob.size, chunkSize)
  const hashes = new Uint8Array(count * HASH_BYTES)
  const whole = await createSha256()
  for (let i = 0; i < count; i++) {
    signal?.throwIfAborted()
    const start = i * chunkSize
    const chunk = new Uint8Array(await blob.slice(start, start + chunkSize).arrayBuffer())
    // WebCrypto copies the bytes and hashes them on a thread of its own while the whole-file hash runs here.
    const digest = crypto.subtle.digest('SHA-256', chunk)
    whole.update(chunk)
    hashes.set(new Uint8Array(await digest), i * HASH_BYTES)
    onProgress?.(start + chunk.byteLength)
  }
  signal?.throwIfAborted()
  return { sha256: bytesToHex(whole.digest()), hashes, listHash: listHashOf(hashes) }
}

/**
 * SHA-256 of a whole blob (a received file assembled from its chunks), read
 * in WHOLE_FILE_SLICE_BYTES slices.
 *
 * @returns 64 lowercase hex digits
 * @throws the signal's reason when aborted; the blob's read error
 */
export async function hashBlob (blob: Blob, options: HashOptions = {}): Promise<string> {
  const { onProgress, signal } = options
  const whole = await createSha256()
  for (let start = 0; start < blob.size; start += WHOLE_FILE_SLICE_BYTES) {
    signal?.throwIfAborted()
    const slice = new Uint8Array(await blob.slice(start, start + WHOLE_FILE_SLICE_BYTES).arrayBuffer())
    whole.update(slice)
    onProgress?.(start + slice.byteLength)
  }
  signal?.throwIfAborted()
  return bytesToHex(whole.digest())
}

/**
 * The `listHash` of a chunk hash list: SHA-256 of the concatenated hashes.
 *
 * @throws RangeError when the list is not a whole number of 32-byte hashes
 */
export function listHashOf (hashes: Uint8Array): string {
  if (hashes.byteLength % HASH_BYTES !== 0) throw new RangeError(`a hash list is a multiple of ${HASH_BYTES} bytes, not ${hashes.byteLength}`)
  return bytesToHex(sha256(hashes))
}

const LOWER_HEX = /^(?:[0-9a-f]{2})*$/

/**
 * Lowercase hex back to bytes. Strict: an odd length, uppercase digits, a
 * prefix or whitespace are refused, so one value has one spelling
 * (`hexToBytes` alone takes uppercase too).
 *
 * @throws RangeError when `hex` is not lowercase hex of whole bytes
 */
export function fromHex (hex: string): Uint8Array<ArrayBuffer> {
  if (!LOWER_HEX.test(hex)) throw new RangeError('not lowercase hex of whole bytes')
  return hexToBytes(hex)
}
