/**
 * Constants of the `/parley/file/1.0.0` protocol. Everything here is part of
 * the wire contract documented in docs/protocols.md ("Files"): change it
 * there too.
 */

export const FILE_PROTOCOL = '/parley/file/1.0.0'

/**
 * The keyed version (docs/protocols.md, "Keyed files"): the frames of
 * 1.0.0, with the hash list and every chunk encrypted under the file's key
 * from the offer, and OPEN and CANCEL naming the file by a tag derived from
 * that key in place of its SHA-256.
 */
export const FILE_PROTOCOL_KEYED = '/parley/file/1.1.0'

/** The protocol versions, the last part of each id. */
export type FileVersion = '1.0.0' | '1.1.0'

/** A file key (the offer's `key`), in bytes. */
export const FILE_KEY_BYTES = 32

/** What encryption adds to a HASHES or CHUNK reply's payload in 1.1.0: the AES-GCM tag, in bytes. */
export const SEAL_OVERHEAD_BYTES = 16

/** Smallest and largest chunk a receiver accepts, in bytes (powers of two only). */
export const MIN_CHUNK_BYTES = 16 * 1024
export const MAX_CHUNK_BYTES = 1024 * 1024

/**
 * The chunk size a sender picks: 512 KiB, doubled until the file has at most
 * TARGET_CHUNKS chunks (capped at MAX_CHUNK_BYTES). 512 KiB rather than less:
 * each chunk costs the receiver a file write and a record, and at 256 KiB
 * those, not the link, bounded a direct transfer here (~74 vs ~87 Mbit/s).
 */
export const DEFAULT_CHUNK_BYTES = 512 * 1024
export const TARGET_CHUNKS = 4096

/** Most chunk hashes one HASHES reply carries (32 bytes each: 128 KiB). */
export const MAX_HASHES_PER_FRAME = 4096

/** SHA-256 digest length. */
export const HASH_BYTES = 32

/** Default largest file a peer sends or accepts (configurable in config.json as `maxFileBytes`). */
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 ** 3

/** Chunk requests a receiver keeps in flight on one stream (receiver-driven flow control), at most. */
export const WINDOW_CHUNKS = 8

/**
 * Parley's receiver also keeps the chunks in flight under this many bytes:
 * 8 chunks of 512 KiB, 4 of 1 MiB. With the chunks being written, this is
 * what one pull holds in memory, whatever the size of the file.
 */
export const WINDOW_BYTES = 4 * 1024 * 1024

/** How often a receiver asks for a chunk whose bytes fail verification before it gives up. */
export const MAX_CHUNK_ATTEMPTS = 3

/** Incoming transfers active at once; the others wait for a slot. */
export const MAX_ACTIVE_TRANSFERS = 3

/** Concurrent file streams per connection and direction. */
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8

/** How long either side waits for the next frame before it gives up on a stream, in ms. */
export const FRAME_TIMEOUT_MS = 30_000

/** Longest error reason in an ERROR frame, in UTF-8 bytes. */
export const MAX_REASON_BYTES = 256

/**
 * Largest frame body (without its varint length prefix), in bytes: a CHUNK
 * reply, 1 type byte + 4 index bytes + at most MAX_CHUNK_BYTES of data.
 */
export const MAX_FRAME_BYTES = 5 + MAX_CHUNK_BYTES

/** Largest frame body of each version: in 1.1.0 a CHUNK reply also carries its seal's tag. */
export const MAX_FRAME_BYTES_OF: Readonly<Record<FileVersion, number>> = {
  '1.0.0': MAX_FRAME_BYTES,
  '1.1.0': MAX_FRAME_BYTES + SEAL_OVERHEAD_BYTES
}

/**
 * Largest body of a frame the dialer writes (OPEN or CANCEL: 1 + 26 + 32
 * bytes). The listener refuses a longer announced length before reading the
 * body, so a junk request never makes it buffer a megabyte.
 */
export const MAX_REQUEST_FRAME_BYTES = 59

/**
 * Longest varint length prefix, in bytes: 3 bytes carry 21 bits, enough for
 * {@link MAX_FRAME_BYTES}. A longer prefix is refused before it is decoded.
 */
export const MAX_LENGTH_PREFIX_BYTES = 3

/**
 * Largest flow-control window a receiver may choose (`PullRequest.window`).
 * Its read buffer holds up to window + 1 full CHUNK frames, so this also
 * bounds the memory one pull can take (about 65 MiB at the limit).
 */
export const MAX_WINDOW_CHUNKS = 64

/**
 * Request bytes a sender buffers ahead of answering them. A receiver within
 * its window has at most MAX_WINDOW_CHUNKS 6-byte CHUNK requests (with
 * prefix) plus a DONE in flight, well under this; more unread data aborts
 * the stream.
 */
export const MAX_REQUEST_BUFFER_BYTES = 16 * 1024
