/**
 * Linked devices (docs/protocols.md, "Linked devices: the device list"): the
 * limits of an account's signed device list and the context its signature
 * is made under. Pure; shared by the app and relay-node.
 */

/** Devices one account may have at once, the account's own first device included (issue 58). */
export const MAX_DEVICES = 5
/** A device's name, in UTF-16 code units after trimming; empty is allowed (the app then says "unnamed"). */
export const MAX_DEVICE_NAME_CHARS = 64
/**
 * The signed body, in UTF-8 bytes. The largest valid body (five devices,
 * each named with 64 characters of three UTF-8 bytes, the biggest numbers)
 * is 1,588 bytes; 2,048 leaves room without letting a list grow past what
 * a peer record or a session frame carries beside it.
 */
export const MAX_DEVICE_LIST_BODY_BYTES = 2048
/** The whole `{"body","sig"}` JSON, in UTF-8 bytes: checked before anything is parsed. Every valid list fits (the body's escapes at most double it). */
export const MAX_DEVICE_LIST_BYTES = 4096
/** The body's format version (`v`). */
export const DEVICE_LIST_FORMAT = 1
/** The highest `version` (and time) a list may carry: JSON numbers stay exact up to 2^53 − 1. */
export const MAX_DEVICE_LIST_VERSION = Number.MAX_SAFE_INTEGER
/** Domain separation of the account's signature (never a group operation's or a message's). */
export const DEVICE_LIST_SIGN_CONTEXT = 'parley/devices/v1\n'
