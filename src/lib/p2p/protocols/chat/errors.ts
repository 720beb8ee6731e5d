import { MAX_TEXT_BYTES } from './constants.ts'

/**
 * The text of a message is over {@link MAX_TEXT_BYTES} UTF-8 bytes, so it
 * cannot be sent. Thrown on the sender's side, before anything goes on the
 * wire; `message` is a sentence the UI can show as is, `bytes` and `limit`
 * let it say the same thing in another language.
 */
export class MessageTooLargeError extends Error {
  static readonly NAME = 'MessageTooLargeError'
  override readonly name = MessageTooLargeError.NAME
  readonly bytes: number
  readonly limit: number

  constructor (bytes: number, limit: number = MAX_TEXT_BYTES) {
    super(`This message is too long to send: it is ${bytes} bytes and the limit is ${limit} bytes. Shorten it or send it as a file.`)
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

  constructor (message = 'This message is empty, so there is nothing to send.') {
    super(message)
  }
}
