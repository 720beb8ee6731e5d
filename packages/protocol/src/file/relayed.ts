/**
 * How big a file may go over a relayed (limited) connection: part of the
 * `/parley/file/1.0.0` contract (docs/protocols.md, "Files over a relay").
 * Both sides apply it: the receiver before it pulls, the sender before it
 * serves (it answers `needs-direct` to a pull that does not fit).
 */

/** Bytes left free on a relayed connection for chat, receipts and signalling while a file uses the rest. */
export const RELAYED_RESERVE_BYTES = 1024 * 1024

/**
 * What a file costs on the wire besides its bytes, as a fraction of them: the
 * chunk hash list (32 bytes per chunk of at least 16 KiB) and the frames'
 * headers, with room to spare.
 */
export const RELAYED_OVERHEAD = 0.02

/**
 * Files this small move over a relayed connection at once (if they fit);
 * bigger ones wait a while for a direct connection first, which is faster
 * and costs the relay nothing.
 */
export const RELAYED_AT_ONCE_BYTES = 256 * 1024

/**
 * The largest file (in bytes) that fits a relayed connection whose relay
 * still allows `limits.bytes` (both directions counted together, as circuit
 * relay v2 counts them), when `committed` bytes of other files already use
 * it. A connection without a data limit allows any size.
 */
export function relayedFileAllowance (limits: { bytes?: bigint } | undefined, committed = 0): number {
  if (limits?.bytes == null) return Number.MAX_SAFE_INTEGER
  const free = Number(limits.bytes) - RELAYED_RESERVE_BYTES - committed * (1 + RELAYED_OVERHEAD)
  return Math.max(0, Math.floor(free / (1 + RELAYED_OVERHEAD)))
}
