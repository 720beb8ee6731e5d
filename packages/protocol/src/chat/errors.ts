import { MAX_TEXT_BYTES } from './constants.ts'

/**
 * The text of a message is over {@link MAX_TEXT_BYTES} UTF-8 bytes, so it
 * cannot be sent. Thrown on the sender's side, before anything goes on the
 * wire; `bytes` and `limit` let the app say so in the user's words.
 */
export class MessageTooLargeError extends Error {
  static readonly NAME = 'MessageTooLargeError'
  override readonly name = MessageTooLargeError.NAME
  readonly bytes: number
  readonly limit: number

  constructor (bytes: number, limit: number = MAX_TEXT_BYTES) {
    super(`The message is ${bytes} bytes long; at most ${limit} fit in one`)
    this.bytes = bytes
    this.limit = limit
  }
}

/**
 * The text of a message is empty; there is nothing to send.
 */
export class EmptyMessageError extends Error {
  static readonly NAME = 'EmptyMessageError'
  override readonly name = EmptyMessageError.NAME

  constructor (message = 'The message is empty') {
    super(message)
  }
}
