/**
 * The text of a message (or a file's caption) the user sends, checked by the
 * chat protocol's rules (@parley/protocol/chat/codec validateText) and refused
 * with a coded error the tab words (messageTooLong, messageEmpty,
 * messageBrokenChars): the protocol package says what is wrong in data, the
 * app says it to the user.
 */
import { validateText } from '@parley/protocol/chat/codec'
import { errorClass } from '../../contract/errors.ts'

/** The text is over the protocol's limit: `messageTooLong` with its size and the limit, in bytes. */
export const MessageTooLargeError = errorClass('MessageTooLargeError')
/** The text is empty: `messageEmpty`. */
export const EmptyMessageError = errorClass('EmptyMessageError')
/** The text has unpaired UTF-16 surrogates, which UTF-8 cannot carry: `messageBrokenChars`. */
export const BrokenTextError = errorClass('BrokenTextError')

/** Checks `text` before it is sent; throws one of the errors above, changing nothing. */
export function checkText (text: string): void {
  try {
    validateText(text)
  } catch (err) {
    const { name, bytes, limit } = err as { name?: unknown, bytes?: unknown, limit?: unknown }
    if (name === 'MessageTooLargeError' && typeof bytes === 'number' && typeof limit === 'number') {
      throw new MessageTooLargeError('messageTooLong', { bytes, limit }, { cause: err })
    }
    if (name === 'EmptyMessageError') throw new EmptyMessageError('messageEmpty', {}, { cause: err })
    if (name === 'InvalidParametersError') throw new BrokenTextError('messageBrokenChars', {}, { cause: err })
    throw err
  }
}
