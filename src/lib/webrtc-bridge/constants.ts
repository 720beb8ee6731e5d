/**
 * Limits and timeouts of the WebRTC bridge (see docs/webrtc-bridge.md).
 * Every map and every in-flight quantity on both sides of the port is bounded
 * by one of these.
 */

/** Peer connections one bridge (worker) or one host (tab) keeps at once. Chromium refuses at 500. */
export const MAX_PEER_CONNECTIONS = 256
/** Data channels per peer connection (the SCTP stream id space is 65535; libp2p opens one per stream). */
export const MAX_CHANNELS_PER_PEER_CONNECTION = 1024
/** Tabs registered as hosts at once (one per open tab; more than this is not a real session). */
export const MAX_HOSTS = 64
/** Requests awaiting a reply per host (each peer connection has at most a handful in flight). */
export const MAX_PENDING_REQUESTS = 4096
/** A request without a reply after this long is rejected with a `TimeoutError`. */
export const REQUEST_TIMEOUT_MS = 30_000
/**
 * Bytes a proxy channel accepts before `send()` throws `OperationError`, like a
 * browser whose send buffer is full (Chromium: 16 MiB). Counts bytes in flight
 * over the port plus the host channel's own `bufferedAmount`.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024
/** Unacknowledged `send()` calls per channel (bounds the count when messages are tiny). */
export const MAX_SENDS_IN_FLIGHT = 65_536
/**
 * Messages one `dc.sendMany` carries at most: a proxy channel posts the binary
 * messages sent in one task together (libp2p sends a length prefix and a body
 * per message, and a whole frame at once), each still its own message on the
 * real channel.
 */
export const MAX_MESSAGES_PER_SEND = 256
/**
 * A channel closed on this side is reported closed (state and `close`
 * event) after this long even if the real one is still 'closing'. A real
 * channel closes once the remote resets its end of the SCTP stream, and a
 * remote that never saw the channel open never does: measured in the NAT lab
 * in about 1 of 20 upgrades (Chromium–Chromium and Chromium–Firefox), when
 * @libp2p/webrtc closes its `init` channel the moment ICE connects and waits
 * for its close event; the dial then hung until its 6 s timeout. The real
 * channel keeps flushing what it holds; only the worker stops waiting.
 */
export const CLOSE_ACK_TIMEOUT_MS = 1000
/**
 * A binary send of at most this many bytes followed, in the same task, by a
 * larger binary send is joined to it: the two go as one message on the real
 * channel (smaller sends in a row stay apart).
 * libp2p sends each frame as a varint length prefix (1–10 bytes) and then its
 * body, as two `send()` calls; every data-channel message costs a
 * postMessage on the receiving side and an event for its libp2p stream,
 * whose reader takes the channel's messages as one byte stream, so the
 * boundary between the two carries nothing. (The libp2p WebRTC
 * specification speaks of a message "including its length prefix".)
 */
export const JOIN_SENDS_UP_TO_BYTES = 16
/** Certificates a host keeps for `generateCertificate` (oldest evicted first). */
export const MAX_CERTIFICATES = 64
/** Longest SDP accepted on the wire (real ones are a few KiB). */
export const MAX_SDP_CHARS = 256 * 1024
/** Longest short string (labels, ICE candidate lines, URLs, error names) accepted on the wire. */
export const MAX_SHORT_STRING_CHARS = 65_535
/** Longest error message accepted on the wire; longer ones are truncated before sending. */
export const MAX_ERROR_MESSAGE_CHARS = 4096
/** ICE servers accepted in one configuration. */
export const MAX_ICE_SERVERS = 32

// The channel pump (pump.ts)
/**
 * Notices the pump keeps per channel whose `dc.create` is on the way to the host. The
 * proxy sends at most a threshold and a close before the channel opens.
 */
export const MAX_NOTICES_PER_CREATING_CHANNEL = 64
/**
 * Events kept per channel until the worker has heard of it. The host announces
 * a channel in the task that transferred it, so only a handful can pile up.
 */
export const MAX_HELD_EVENTS_PER_CHANNEL = 1024
