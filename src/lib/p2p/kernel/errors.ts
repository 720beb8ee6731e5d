/** Errors more than one feature throws (lib/contract/errors.ts: each a code the tab words). */
import { errorClass } from '../../contract/errors.ts'

/** The node is not running yet (`stillStarting`, `transfersStarting`). */
export const NodeNotReadyError = errorClass('NodeNotReadyError')

/** The message is not here (deleted, disappeared, never was): `messageNotFound`; deleted for everyone: `messageWasDeleted`. */
export const MessageNotFoundError = errorClass('MessageNotFoundError')
