/**
 * Codes of file transfers. The first nine are the file protocol's own reasons
 * (@parley/protocol/file/errors FileErrorCode, worded for the user: see
 * FILE_ERROR_CODES in lib/p2p/transfers/errors.ts); the rest are the
 * transfers feature's own, thrown to the tab or kept in a transfer row's
 * `problem`.
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
  fileMismatch: {},
  /** sending: the file is over the limit (the served config's maxFileBytes) */
  fileTooLarge: { size: 'bytes', max: 'bytes' },
  /** receiving: an offer over our limit is kept, and fails at once */
  fileOverLimit: { size: 'bytes', max: 'bytes' },
  tooManyTransfers: { count: 'count' },
  transferUnknown: {},
  transferRetryOnlyFailed: {},
  fileGoneSendAgain: {},
  fileNotOnDevice: {},
  fileGone: {},
  fileIncomplete: {},
  /** the worker stopped while the file was being prepared, and its copy is gone */
  browserClosedBeforeReady: {},
  /** this device could not keep the file's bytes (storage full, not allowed, refused): `reason` is the storage's */
  fileNotStored: { reason: 'text' },
  /** receiving, in a browser that keeps files only in memory (files/memory-store.ts): no room for more now (`max`: the bound) */
  fileMemoryFull: { max: 'bytes' },
  /** a file kept only in memory (this browser keeps none on the device) is gone: the app was closed since */
  fileNotKept: {},
  /** receiving: the file is bigger than the relay carries (`max`: its allowance for one connection); it waits for a direct connection */
  fileTooBigForRelay: { size: 'bytes', max: 'bytes' },
  /** the tab's File could not be read while preparing it */
  fileUnreadable: { reason: 'text' },
  /** every chunk verified, the whole file did not: a retry fetches it again */
  fileDamagedRetry: {},
  /** the local copy lost its chunks (lib/files/chunk-store.ts) */
  chunksMissing: { transferId: 'text' },
  chunkMissing: { index: 'number', transferId: 'text' },
  /** a reason stored as words before rows held codes (database v6): the words as they were */
  fileFailedEarlier: { reason: 'text' },
  /** sending a voice message: its length is not 1 ms .. `minutes` minutes (MAX_VOICE_MS) */
  voiceLengthInvalid: { minutes: 'count' },
  /** sending a voice message: its waveform is not 1..`count` samples (MAX_WAVEFORM_BYTES) */
  voiceWaveformInvalid: { count: 'count' },
  /** sending a voice message: its file is not audio (`mime`: the type it came with) */
  voiceNotAudio: { mime: 'text' }
} as const
