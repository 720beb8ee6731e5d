/**
 * `/parley/call/1.0.0` (docs/protocols.md, "Calls"): the protocol id and
 * every limit and timeout; no code, so the tab may read them too.
 */

export const CALL_PROTOCOL = '/parley/call/1.0.0'

/** One frame, either way. */
export const MAX_CALL_FRAME_BYTES = 64 * 1024
/** A length prefix of a frame that size: 3 varint bytes. */
export const MAX_CALL_PREFIX_BYTES = 3
/** A session description (offer or answer), in UTF-16 code units. */
export const MAX_SDP_CHARS = 32 * 1024
/** ICE candidates in one `ice` frame (a sender gathers them for a moment and sends them together). */
export const MAX_CANDIDATES_PER_FRAME = 32
/** One candidate line, in UTF-16 code units. */
export const MAX_CANDIDATE_CHARS = 1024
/** A candidate's `sdpMid` and `usernameFragment`. */
export const MAX_MID_CHARS = 64
/** Highest media section index a candidate may name. */
export const MAX_MLINE_INDEX = 63
/** One exchange, request to reply. */
export const CALL_EXCHANGE_TIMEOUT_MS = 10_000
/** How long an invite rings before it is a missed call (the caller gives up then too). */
export const RING_TIMEOUT_MS = 45_000
/** An invite whose `sentAt` is further than this from the callee's clock is refused as `stale` (a retry long after, or a wrong clock). */
export const MAX_INVITE_SKEW_MS = 60_000
/** Exchanges one peer may start with us per minute (a call's trickled candidates and a restart fit). */
export const CALL_REQUESTS_PER_MINUTE = 240

/** 32 lowercase hex digits: 16 random bytes. */
export const CALL_ID_PATTERN = /^[0-9a-f]{32}$/
