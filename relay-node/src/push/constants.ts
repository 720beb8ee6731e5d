/**
 * Web Push on relay-node (README.md, "Web Push"; docs/protocols.md, "Web
 * Push"): every limit and time, named. Those marked (flag) are defaults an
 * operator (or a test) can change.
 */

/** The VAPID key pair: `<data-dir>/push-vapid.json`, made on the first start. */
export const VAPID_FILE = 'push-vapid.json'
/** The subscriptions: a LevelDB under `<data-dir>/push`. */
export const PUSH_DIR = 'push'

/** Subscriptions one PeerID may hold on a relay; a new one past it replaces the least recently registered. */
export const PUSH_SUBSCRIPTIONS_PER_PEER = 4
/** (flag) Subscriptions held in all; past it a registration of a new one is refused (`full`). */
export const DEFAULT_PUSH_MAX_SUBSCRIPTIONS = 100_000
/** (flag) A subscription not registered again within this many days is forgotten. */
export const DEFAULT_PUSH_SUBSCRIPTION_DAYS = 30
export const DAY_MS = 86_400_000

/** (flag) Items stored for one recipient within this window of the first are said in one push. */
export const DEFAULT_PUSH_COALESCE_MS = 2_000
/** (flag) Pushes to one subscription per minute, at most; items past it wait for the next push. */
export const DEFAULT_PUSH_PER_MINUTE = 6
/** RFC 8030 TTL: a push service keeps a push this long for a browser that is away (the items wait 14 days anyway). */
export const PUSH_TTL_S = 12 * 3600
/** RFC 8030 Urgency: a message for a person, delivered even when the device saves power. */
export const PUSH_URGENCY = 'high'
/** RFC 8030 Topic: a newer push replaces one the push service still holds for the browser. */
export const PUSH_TOPIC = 'parley'
/** A POST to a push service (connection, request, answer) gives up after this long. */
export const PUSH_TIMEOUT_MS = 10_000
/** After a failed POST (timeout, 429, 5xx) the next waits this long, doubling for each failure in a row… */
export const PUSH_BACKOFF_INITIAL_MS = 5_000
/** …up to this long (a 429's Retry-After is honoured up to it too). */
export const PUSH_BACKOFF_MAX_MS = 10 * 60_000
/** POSTs of one push tried at most; then the push is given up (the items still wait in the mailbox). */
export const PUSH_MAX_ATTEMPTS = 6
/** POSTs in flight at once, to all push services together. */
export const PUSH_MAX_IN_FLIGHT = 32
/** Bytes of a push service's answer read at most (and thrown away). */
export const PUSH_MAX_ANSWER_BYTES = 4096

/** Registrations and removals one PeerID may make per minute (bursts of this many). */
export const PUSH_REQUESTS_PER_MINUTE = 30
/** A request must arrive and be answered within this time. */
export const PUSH_REQUEST_TIMEOUT_MS = 10_000
/** Nonces remembered at once (each for twice the clock skew allowed); past it, requests are refused `rate-limited`. */
export const PUSH_MAX_NONCES = 65_536
/** Forgotten subscriptions are looked for this often. */
export const PUSH_SWEEP_INTERVAL_MS = 3_600_000
/** (flag) The VAPID contact (RFC 8292 `sub`) unless the operator gives one. */
export const DEFAULT_PUSH_CONTACT = 'mailto:relay-operator@parley.invalid'
