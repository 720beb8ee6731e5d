/**
 * `/parley/link/1.0.0` (docs/protocols.md, "Linking a device"): the protocol
 * id, the QR text's form, and every limit and timeout. Everything here is
 * part of the wire contract: change it there too. No code, so the tab may
 * read them.
 */

export const LINK_PROTOCOL = '/parley/link/1.0.0'

/** What the QR text starts with; base64url (no padding) of the QR's JSON follows. */
export const LINK_QR_PREFIX = 'parley-link:'

/** The QR JSON's `v`. */
export const LINK_QR_VERSION = 1

/** The `v` of A's `hello`. */
export const LINK_HELLO_VERSION = 1

/** How long a QR code is good for, from when the new device made it. The new device enforces it. */
export const LINK_QR_TTL_MS = 10 * 60_000

/** The QR's secret `k`, in bytes. */
export const LINK_SECRET_BYTES = 16

/** A `hello`'s nonce, in bytes. */
export const LINK_NONCE_BYTES = 16

/** A `hello`'s proof (HMAC-SHA-256), in bytes. */
export const LINK_PROOF_BYTES = 32

/** Circuit addresses of the new device in a QR code, at most (0 is allowed: A then looks it up by PeerID). */
export const MAX_LINK_ADDRESSES = 4

/** One address in a QR code, in characters. */
export const MAX_LINK_ADDRESS_CHARS = 512

/** The whole QR text, in characters: longer text is refused before it is decoded. */
export const MAX_LINK_QR_CHARS = 4096

/** The account's display name in A's `hello`, in Unicode code points (0 allowed). */
export const MAX_LINK_NAME_CHARS = 64

/** A PeerID on this protocol: an Ed25519 PeerID in its canonical base58btc form is this many characters. */
export const LINK_PEER_ID_CHARS = 52

/** The signed device list in `granted` (`{"body","sig"}` as JSON.stringify writes it), in UTF-8 bytes. */
export const MAX_LINK_LIST_BYTES = 4096

/** The account's state a `granted` offers, in bytes, at most (the file protocol's default limit). */
export const MAX_LINK_STATE_BYTES = 4 * 1024 ** 3

/** One frame's body, either way, in bytes (a `granted` with the largest list fits with room). */
export const MAX_LINK_FRAME_BYTES = 8 * 1024

/** A length prefix of a frame that size: 2 varint bytes. */
export const MAX_LINK_PREFIX_BYTES = 2

/** Bytes a side reads ahead and has not consumed: more means the peer writes more than the protocol lets it. */
export const MAX_LINK_BUFFER_BYTES = 2 * (MAX_LINK_FRAME_BYTES + MAX_LINK_PREFIX_BYTES)

/** Each wait for the peer's next protocol step (the new device's `hello`, A's first frame after opening). */
export const LINK_FRAME_TIMEOUT_MS = 10_000

/** From both `hello`s to A's `granted` or `cancel`: the person compares the codes and confirms on A. */
export const LINK_CONFIRM_TIMEOUT_MS = 3 * 60_000

/** From `granted` to the new device's `done` or `cancel`: it checks the list and pulls the state. */
export const LINK_STATE_TIMEOUT_MS = 30 * 60_000

/**
 * `hello`s with a wrong proof the new device answers for one QR code; the
 * next one voids the code (the new device shows a new one). A wrong proof
 * alone changes nothing else.
 */
export const MAX_LINK_BAD_HELLOS = 3

/** Link streams a new device accepts at once per connection, and opens; A opens one. */
export const MAX_LINK_STREAMS = 2

/** Digits of the confirmation code. */
export const LINK_CODE_DIGITS = 6

/** Bytes of the HKDF output the code is taken from (as an unsigned big-endian integer, mod 10^6). */
export const LINK_CODE_SOURCE_BYTES = 8

/** The state file's key (a keyed file of `/parley/file/1.1.0`), in bytes. */
export const LINK_STATE_KEY_BYTES = 32
