/** The transfers feature's errors, as coded errors (lib/contract/error-codes/transfers.ts). */
import { errorClass } from '../../contract/errors.ts'
import type { ErrorCode } from '../../contract/errors.ts'
import type { FileErrorCode } from '@parley/protocol/file/errors'

/** The catalog code of each of the file protocol's reasons: what a transfer row keeps, and the tab words. */
export const FILE_ERROR_CODES = {
  'unknown-transfer': 'fileUnknownTransfer',
  cancelled: 'fileCancelled',
  unavailable: 'fileUnavailable',
  'needs-direct': 'fileNeedsDirect',
  busy: 'fileBusy',
  'bad-request': 'fileBadRequest',
  protocol: 'fileProtocol',
  corrupt: 'fileCorrupt',
  mismatch: 'fileMismatch'
} as const satisfies Record<FileErrorCode, ErrorCode>

/** The file is over the size limit: `fileTooLarge` (sending), `fileOverLimit` (a retry of an offer over it). */
export const FileTooLargeError = errorClass('FileTooLargeError')

/** Too many outgoing files are still waiting to be sent (`tooManyTransfers`). */
export const TooManyTransfersError = errorClass('TooManyTransfersError')

/**
 * The transfer does not exist, or is not in a state that allows the action:
 * `transferUnknown`, `transferRetryOnlyFailed`, `fileGoneSendAgain`,
 * `fileNotOnDevice`, `fileGone`, `fileIncomplete`.
 */
export const TransferStateError = errorClass('TransferStateError')
