/**
 * Errors of the session primitives. Each says in words what is wrong; the
 * app matches them by `name` (structured clone drops prototypes) and answers
 * every one of them, on the receiving side, by resetting the session
 * (docs/security.md). None of them leaves a state changed: the ratchet
 * decrypts on a copy and returns a new state only on success.
 */

/** Bytes that are not a valid box, header, init or prekey record (too short, too long, unknown version or flag, bad field). */
export class SessionFrameError extends Error {
  static readonly NAME = 'SessionFrameError'
  override readonly name = SessionFrameError.NAME
}

/**
 * Opening the message would mean deriving more than MAX_SKIP skipped keys:
 * the message is refused and the state is unchanged.
 */
export class TooManySkippedError extends Error {
  static readonly NAME = 'TooManySkippedError'
  override readonly name = TooManySkippedError.NAME
  /** how many keys the message would have made us skip */
  readonly skip: number
  readonly limit: number

  constructor (skip: number, limit: number) {
    super(`the message would skip ${skip} message keys; at most ${limit} may be skipped at once`)
    this.skip = skip
    this.limit = limit
  }
}

/** The message was already opened (a replay), or its key expired or was dropped. */
export class DuplicateMessageError extends Error {
  static readonly NAME = 'DuplicateMessageError'
  override readonly name = DuplicateMessageError.NAME
}

/** The message does not open: altered, from another session, or a KEM ciphertext that does not fit our key. */
export class SessionDecryptError extends Error {
  static readonly NAME = 'SessionDecryptError'
  override readonly name = SessionDecryptError.NAME
}

/** A prekey bundle or record that does not hold: a bad signature, a key of the wrong size or kind. */
export class PrekeyError extends Error {
  static readonly NAME = 'PrekeyError'
  override readonly name = PrekeyError.NAME
}

/** The state cannot do what was asked: a responder that has received nothing cannot send yet, or a counter ran out. */
export class SessionStateError extends Error {
  static readonly NAME = 'SessionStateError'
  override readonly name = SessionStateError.NAME
}
