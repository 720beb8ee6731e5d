/** `/parley/speedtest/1.0.0`: measures bulk throughput over a direct connection. */
export const SPEEDTEST_PROTOCOL = '/parley/speedtest/1.0.0'

/** The largest test one peer may ask another to receive (a test costs the receiver nothing but bandwidth). */
export const MAX_SPEEDTEST_BYTES = 64 * 1024 * 1024

/** The dialer's header: the byte count as an 8-byte big-endian unsigned integer. */
export const HEADER_BYTES = 8

/** The whole test, both sides, must finish within this time. */
export const SPEEDTEST_TIMEOUT_MS = 120_000

/** One test at a time per connection each way: it saturates the link anyway. */
export const MAX_SPEEDTEST_STREAMS = 1

/** Bytes per write on the sender side. */
export const WRITE_CHUNK_BYTES = 64 * 1024
