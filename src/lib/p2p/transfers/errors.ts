/** The transfers feature's errors, as coded errors (lib/contract/error-codes/transfers.ts). */
import { errorClass } from '../../contract/errors.ts'
import { MemoryFullError } from '../../files/store-common.ts'
import type { CodedError, ErrorCode } from '../../contract/errors.ts'
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

/**
 * This device could not keep the file's bytes (`fileNotStored`, with the
 * storage's own reason): storage full, not allowed, or a browser whose
 * storage refuses them. Trying again as they are would fail again, so the
 * transfer stops with this reason; the user may retry once that changed.
 */
export const FileStorageError = errorClass('FileStorageError')

/**
 * Runs a write to this device's storage; whatever it throws becomes a
 * {@link FileStorageError}, except the memory store's MemoryFullError
 * (files/store-common.ts), which already says what happened.
 */
export async function storageWrite<T> (write: Promise<T>): Promise<T> {
  try {
    return await write
  } catch (err) {
    if (err instanceof Error && (err.name === FileStorageError.NAME || err.name === MemoryFullError.NAME)) throw err
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    throw new FileStorageError('fileNotStored', { reason }, { cause: err })
  }
}

/** What a transfer row keeps when storage refused its bytes. */
export type StorageProblem =
  | { code: 'fileNotStored', params: { reason: string } }
  | { code: 'fileMemoryFull', params: { max: number } }

/** The problem a transfer row keeps for a {@link FileStorageError} or a full memory store; undefined for any other error. */
export function storageProblem (err: unknown): StorageProblem | undefined {
  if (!(err instanceof Error)) return undefined
  if (err.name === FileStorageError.NAME) return { code: 'fileNotStored', params: { reason: (err as CodedError<'fileNotStored'>).params.reason } }
  if (err.name === MemoryFullError.NAME) return { code: 'fileMemoryFull', params: { max: (err as CodedError<'fileMemoryFull'>).params.max } }
  return undefined
}
