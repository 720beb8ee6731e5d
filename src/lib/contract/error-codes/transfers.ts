/**
 * Codes of file transfers. The first nine are the file protocol's own reasons
 * (@parley/protocol/file/errors FileErrorCode, worded for the user: see
 * FILE_ERROR_CODES in lib/node/transfers/transfers.ts).
 */
export const TRANSFER_ERRORS = {
  fileUnknownTransfer: {},
  fileCancelled: {},
  fileUnavailable: {},
  fileNeedsDirect: {},
  fileBusy: {},
  fileBadRequest: {},
  fileProtocol: {},
  fileCorrupt: {},
  fileMismatch: {}
} as const
