/**
 * Constants of the session suite "parley-session-v1" (issue 26): PQXDH with
 * X25519 and ML-KEM-768 to agree on a first secret, then a Double Ratchet
 * whose every DH step also carries an ML-KEM-768 encapsulation (SimpleX's
 * PQDR). Everything here is part of the wire contract: a second client must
 * use the same labels, sizes and limits, and any change is a new suite.
 *
 * Specifications followed: signal.org/docs/specifications/pqxdh (rev. 2),
 * signal.org/docs/specifications/doubleratchet, simplex-chat/simplexmq
 * protocol/pqdr.md (v1).
 */

/** The suite's name, for logs and the frozen transcript. */
export const SESSION_SUITE = 'parley-session-v1'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** PQXDH's `info` (PQXDH §2.1: protocol name, curve, hash, KEM, version). */
export const PQXDH_INFO = text('Parley_PQXDH_X25519_SHA-256_ML-KEM-768_v1')
/** HKDF info of KDF_RK, the root-key step of the ratchet (DR §5.2). */
export const RATCHET_INFO = text('Parley_Ratchet_v1')
/** HKDF info that turns a chain's message key into the AEAD key of one message. */
export const MESSAGE_INFO = text('Parley_Message_v1')
/** Domain separation of prekey signatures (records.ts). */
export const PREKEY_SIGN_CONTEXT = text('parley/prekey/v1')

/** X25519 keys and shared secrets, root, chain and message keys, in bytes. */
export const KEY_BYTES = 32
/** XChaCha20-Poly1305 nonce, in bytes: random per message, carried in the box. */
export const NONCE_BYTES = 24
/** Poly1305 tag, in bytes. */
export const TAG_BYTES = 16
/** Ed25519 signature, in bytes. */
export const SIGNATURE_BYTES = 64
/** An ML-KEM-768 encapsulation (public) key, in bytes (FIPS 203 Table 3). */
export const KEM_PUBLIC_BYTES = 1184
/** An ML-KEM-768 ciphertext, in bytes (FIPS 203 Table 3). */
export const KEM_CIPHERTEXT_BYTES = 1088
/** An ML-KEM-768 key pair is kept as its 64-byte seed (d ‖ z); keygen from it is deterministic. */
export const KEM_SEED_BYTES = 64
/** An ML-KEM shared secret, in bytes. */
export const KEM_SECRET_BYTES = 32
/** The id of the item a box carries (a ULID's 16 bytes), in clear and bound into the AEAD. */
export const ITEM_ID_BYTES = 16

/**
 * PQXDH's EncodeEC prefix (PQXDH §2.5). EncodeKEM is not needed on its own:
 * a prekey signature covers the record's kind byte, which keeps EC and KEM
 * encodings disjoint.
 */
export const ENCODE_EC_PREFIX = 0x01

/** The first byte of a box; the JSON payloads of older versions start with `{` (0x7b). */
export const BOX_VERSION = 0x02
/** Box flag: a PQXDH init follows the flags. */
export const FLAG_INIT = 0x01
/** Box flag: the header carries the sender's ML-KEM public key. */
export const FLAG_KEM_PUBLIC = 0x02
/** Box flag: the header carries an ML-KEM ciphertext. */
export const FLAG_KEM_CIPHERTEXT = 0x04
/** Box flag: the plaintext ends in padding (padding.ts), which the receiver takes off after opening. */
export const FLAG_PADDED = 0x08
/** Every flag a box may set; any other bit is refused. */
export const KNOWN_FLAGS = FLAG_INIT | FLAG_KEM_PUBLIC | FLAG_KEM_CIPHERTEXT | FLAG_PADDED

/** Prekey kinds (records.ts); the PQ kinds are also the init's `pqKind`. */
export const PREKEY_SIGNED_EC = 1
export const PREKEY_PQ_LAST_RESORT = 2
export const PREKEY_PQ_ONE_TIME = 3
export const PREKEY_EC_ONE_TIME = 4

/** A header without its KEM fields: dh (32) · pn (u32) · n (u32). */
export const HEADER_BASE_BYTES = KEY_BYTES + 4 + 4
/** Largest header: both KEM fields. */
export const MAX_HEADER_BYTES = HEADER_BASE_BYTES + KEM_PUBLIC_BYTES + KEM_CIPHERTEXT_BYTES
/** An init: ekA (32) · spkId (u32) · pqKind (u8) · pqId (u32) · opkId (u32, 0 = none) · pqxdhCt (1088). */
export const INIT_BYTES = KEY_BYTES + 4 + 1 + 4 + 4 + KEM_CIPHERTEXT_BYTES

/**
 * Largest plaintext a box carries, in bytes: a whole chat frame (chat/1.x
 * MAX_FRAME_BYTES, 144 KiB), so any frame of today fits in one box.
 */
export const MAX_PLAINTEXT_BYTES = 147_456
/** What a box adds at most: version, item id, flags, init, largest header, nonce, tag (3 503 B). */
export const MAX_BOX_OVERHEAD_BYTES = 1 + ITEM_ID_BYTES + 1 + INIT_BYTES + MAX_HEADER_BYTES + NONCE_BYTES + TAG_BYTES
/**
 * Largest box, in bytes: the largest plaintext and the largest overhead,
 * 147 456 + 3 503 = 150 959 (no valid box is longer: a longer one has a
 * ciphertext over the largest plaintext). Sealed for a mailbox (+137 B, or
 * +169 B in seal version 1) it stays under the mailbox's item limit of
 * 160 KiB. (Before 2026-11-29 this was the plaintext plus 4 KiB, 151 552,
 * which no box could reach; a box between the two was refused all the same,
 * by its ciphertext's length.)
 */
export const MAX_BOX_BYTES = MAX_PLAINTEXT_BYTES + MAX_BOX_OVERHEAD_BYTES
/** Smallest box: no init, no KEM fields, an empty plaintext. */
export const MIN_BOX_BYTES = 1 + ITEM_ID_BYTES + 1 + HEADER_BASE_BYTES + NONCE_BYTES + TAG_BYTES

/** Largest message number and previous-chain length: they travel as u32. */
export const MAX_COUNTER = 0xffff_ffff

/**
 * Most message keys one received header may make us skip (DR §3.5
 * MAX_SKIP), counting the rest of the current receiving chain and the start
 * of the new one. A Parley sender puts at most 1000 items in a stream batch
 * and a mailbox holds at most 1000 per recipient, so 2000 covers every
 * honest gap; libsignal allows 25 000. Beyond it the message is refused and
 * the state is left as it was (TooManySkippedError): the session is reset.
 */
export const MAX_SKIP = 2000
/**
 * Most message keys a box that starts a session (one with an init no
 * session of ours was started from) may make us skip. Such a box is the
 * first its sender sent on the new session, or one of the first few when an
 * earlier one was lost: a mailbox is drained oldest first, a stream sends in
 * order. Anyone can send one (the seal says who, not that we know them),
 * and before this bound a stranger's could cost 2,000 chain steps and as
 * many stored keys; past it the box is refused (`too-far-ahead`) before any
 * key agreement, the state unchanged, and a contact's session is reset.
 */
export const MAX_INIT_SKIP = 64
/** Most skipped-message keys one session keeps; past this the oldest go. */
export const MAX_SKIPPED_KEYS = 2000
/**
 * How long a skipped-message key is kept, in ms: 14 days, the mailbox's
 * item lifetime, after which the message it would open cannot arrive.
 */
export const SKIPPED_KEY_TTL_MS = 14 * 24 * 60 * 60 * 1000
/**
 * Receiving chains a session remembers (the current one and the previous
 * ones, libsignal's MAX_RECEIVER_CHAINS): a late message on a remembered
 * chain is opened with its skipped key or refused as a replay, never taken
 * for a new ratchet step.
 */
export const MAX_RECEIVING_CHAINS = 5
