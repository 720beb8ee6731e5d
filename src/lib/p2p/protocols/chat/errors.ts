import { MAX_TEXT_BYTES } from './constants.ts'
import { t } from '../../../i18n/index.ts'

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
    super(t('errors.messageTooLong', { bytes: String(bytes), limit: String(limit) }))
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

  constructor (message = t('errors.messageEmpty')) {
    super(message)
  }
}
