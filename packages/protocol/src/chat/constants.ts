/**
 * Constants of the `/parley/chat/1.1.0` protocol and of 1.0.0, which it
 * extends. Everything here is part of the wire contract documented in
 * docs/protocols.md: change it there too, and bump the version for anything
 * a deployed peer would notice.
 */

import type { FrameLimits } from '../framing.ts'

export const PROTOCOL_PREFIX = 'parley'
export const PROTOCOL_NAME = 'chat'
/** The first version: text and file messages. */
export const CHAT_PROTOCOL_V1_0 = `/${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/1.0.0`
/**
 * 1.1.0: everything of 1.0.0 unchanged, plus replies, disappearing messages,
 * voice notes, and the message actions (reaction, edit, delete, read, timer,
 * typing). A dialer offers 1.1.0 first and falls back to 1.0.0.
 */
export const CHAT_PROTOCOL_V1_1 = `/${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/1.1.0`
/**
 * 2.0.0: the frames of 1.1.0, each dialer frame inside a session box
 * (docs/protocols.md, "Sessions"); the listener answers with 1.1.0's ack and
 * reject, plus the reject reason "session" (the box did not open: start a
 * new session). Spoken by nodes that have sessions, proposed before 1.1.0.
 */
export const CHAT_PROTOCOL_V2_0 = `/${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/2.0.0`
/** The newest version without sessions. */
export const CHAT_PROTOCOL = CHAT_PROTOCOL_V1_1
/** Every version a node without sessions speaks, the preferred first (what a dialer proposes, in order). */
export const CHAT_PROTOCOLS = [CHAT_PROTOCOL_V1_1, CHAT_PROTOCOL_V1_0] as const
/** Every version a node with sessions speaks, the preferred first. */
export const CHAT_PROTOCOLS_WITH_SESSIONS = [CHAT_PROTOCOL_V2_0, CHAT_PROTOCOL_V1_1, CHAT_PROTOCOL_V1_0] as const
export type ChatVersion = '1.0.0' | '1.1.0' | '2.0.0'
/** The version of a negotiated chat protocol id. */
export function chatVersionOf (protocol: string): ChatVersion {
  return protocol === CHAT_PROTOCOL_V1_0 ? '1.0.0' : protocol === CHAT_PROTOCOL_V2_0 ? '2.0.0' : '1.1.0'
}

/**
 * Largest text of one message, in UTF-8 bytes. 16 KiB is several pages of
 * prose; anything longer is a document and goes through the file protocol.
 */
export const MAX_TEXT_BYTES = 16_384

/**
 * Longest file name in an offer, in UTF-8 bytes. The receiver sanitises the
 * name (files/names.ts) and bounds it further for display and saving.
 */
export const MAX_NAME_BYTES = 1024

/** Longest declared media type in an offer, in characters. */
export const MAX_MIME_CHARS = 255

/**
 * Largest frame body (the JSON, without its varint length prefix), in bytes.
 * Why 144 KiB: JSON escaping grows a text by at most 6x (a control character
 * becomes `\u0000`), so any valid message frame, however its JSON was
 * written, fits: 6 * 16 KiB of text, a file offer with a 24 KiB thumbnail
 * (32 KiB of base64), a 1 KiB name and a 255-character type escaped 6x
 * (7.5 KiB), and the envelope come to under 137 KiB.
 */
export const MAX_FRAME_BYTES = 147_456

/**
 * Longest varint length prefix, in bytes: 3 bytes carry 21 bits, enough for
 * {@link MAX_FRAME_BYTES}. A longer prefix is refused before it is decoded.
 */
export const MAX_LENGTH_PREFIX_BYTES = 3

/**
 * How many bytes a chat stream buffers ahead of the reader. A compliant peer
 * has at most one frame in flight (the dialer waits for each ack), so two
 * frames' worth is already generous; more means a misbehaving peer.
 */
export const MAX_READ_BUFFER_BYTES = 2 * MAX_FRAME_BYTES

/**
 * How long the dialer waits for the ack or reject of one message frame,
 * counted from when it starts writing the frame, in ms. The listener applies
 * the same bound to storing a message and writing its ack, since a later ack
 * would reach nobody.
 */
export const ACK_TIMEOUT_MS = 10_000

/**
 * How long the listener waits for the next frame (or the end of the stream)
 * before it gives up on an idle stream, in ms. Long enough for a slow relayed
 * path, short enough that an idle stream does not hold one of the few
 * inbound stream slots for long.
 */
export const READ_TIMEOUT_MS = 30_000

/**
 * Most message frames the listener accepts on one stream; the next one aborts
 * the stream. Bounds the work one stream can cause; an outbox with more
 * messages opens another stream.
 */
export const MAX_MESSAGES_PER_STREAM = 1000

/**
 * Concurrent chat streams per connection and direction. The dialer opens one
 * stream per delivery batch, so a few cover retries overlapping a new batch.
 */
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8

/**
 * How long the dialer may keep an idle outbound chat stream open for the next
 * batch. Opening a stream costs at least a round trip, and on a WebRTC
 * connection a new data channel (tens of ms); keeping it saves that for every
 * message after the first. Well below READ_TIMEOUT_MS, so the dialer always
 * closes an idle stream before the listener would abort it.
 */
export const OUTBOUND_IDLE_MS = 15_000

/** Idle outbound streams kept at once (one per connection at most). */
export const MAX_IDLE_OUTBOUND_STREAMS = 256

/** The frame limits of a chat stream (framing.ts FrameStream). */
export const CHAT_FRAME_LIMITS: FrameLimits = {
  protocol: 'chat',
  maxDataLength: MAX_FRAME_BYTES,
  maxLengthLength: MAX_LENGTH_PREFIX_BYTES,
  maxBufferSize: MAX_READ_BUFFER_BYTES
}

/**
 * Largest 2.0.0 dialer frame: a box (session/constants.ts MAX_BOX_BYTES, a
 * 1.1.0 frame of MAX_FRAME_BYTES and the box's overhead), written out here so
 * that the tab's code, which reads these constants, does not load the
 * session's (a test checks the two agree).
 */
export const MAX_BOX_FRAME_BYTES = 150_959

/** The frame limits of a 2.0.0 chat stream; 3 bytes of length prefix still carry a box. */
export const CHAT_FRAME_LIMITS_V2: FrameLimits = {
  protocol: 'chat',
  maxDataLength: MAX_BOX_FRAME_BYTES,
  maxLengthLength: MAX_LENGTH_PREFIX_BYTES,
  maxBufferSize: 2 * MAX_BOX_FRAME_BYTES
}

/** Largest thumbnail a sender makes and a receiver accepts in a file offer, in bytes. */
export const THUMB_MAX_BYTES = 24 * 1024

/** Most distinct message ids in one `read` frame. */
export const MAX_READ_TARGETS = 64
/** Largest emoji of a reaction, in UTF-8 bytes (a family or a flag with modifiers fits). */
export const MAX_EMOJI_BYTES = 32
/** An author may edit a text message this long after sending it (both times by the author's clock), in ms. */
export const EDIT_WINDOW_MS = 24 * 3600_000
/** An author may delete a message for everyone this long after sending it (both times by the author's clock), in ms. */
export const DELETE_WINDOW_MS = 24 * 3600_000
/** The disappearing-message timers a `message` (ttl) or `timer` frame may carry, in seconds; a timer frame may also say 0 (off). */
export const MESSAGE_TTLS: readonly number[] = [300, 3600, 86_400, 604_800]
/** Longest voice message an offer may describe, in ms (15 minutes). */
export const MAX_VOICE_MS = 15 * 60_000
/** Most waveform samples (bytes, 0..255 each) an offer's voice note carries. */
export const MAX_WAVEFORM_BYTES = 100
