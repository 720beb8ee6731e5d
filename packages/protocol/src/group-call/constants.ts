/**
 * `/parley/group-call/1.0.0` (docs/protocols.md, "Group calls"): the
 * protocol id and every limit and timeout; no code, so the tab may read them
 * too. The fields a call's media needs (session descriptions, candidates)
 * have the limits of 1:1 calls (call/constants.ts).
 */

export const GROUP_CALL_PROTOCOL = '/parley/group-call/1.0.0'

/**
 * People (devices) in one call at once. A mesh: each sends its audio and
 * video to every other and decodes every other's, so each of n sends n − 1
 * streams and decodes n − 1 (docs/protocols.md, "Group calls", Limits).
 */
export const MAX_GROUP_CALL_PARTICIPANTS = 6
/** One frame's JSON, either way (a box's plaintext). */
export const MAX_GROUP_CALL_FRAME_BYTES = 64 * 1024
/** One exchange, request to reply. */
export const GROUP_CALL_EXCHANGE_TIMEOUT_MS = 10_000
/** How long a `ring` rings a member's devices before it is a missed call. */
export const GROUP_RING_TIMEOUT_MS = 45_000
/** A `ring` or `state` whose `sentAt` is further than this from the listener's clock is refused as `stale`. */
export const MAX_GROUP_CALL_SKEW_MS = 60_000
/** Exchanges one peer may start with us per minute: a call's candidates, restarts and states, for each of its pairs. */
export const GROUP_CALL_REQUESTS_PER_MINUTE = 240
/** The longest call a history entry records (a week, as for 1:1 calls). */
export const MAX_GROUP_CALL_MS = 604_800_000
