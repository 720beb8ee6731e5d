/**
 * Why a file transfer failed or was refused. The first six are also sent on
 * the wire, as the code of an ERROR frame (see codec.ts); the last three are
 * found by the receiver itself.
 */
export type FileErrorCode =
  /** the sender offers no such file to this peer */
  | 'unknown-transfer'
  /** either side cancelled the transfer */
  | 'cancelled'
  /** the sender no longer has the file */
  | 'unavailable'
  /** the file is too big for a relayed connection: wait for a direct one */
  | 'needs-direct'
  /** the sender is serving as many transfers as it will; try again later */
  | 'busy'
  /** the sender refused a request that breaks the protocol */
  | 'bad-request'
  /** the sender's reply broke the protocol (receiver side) */
  | 'protocol'
  /** a chunk failed verification MAX_CHUNK_ATTEMPTS times, or the whole file failed its check */
  | 'corrupt'
  /** the sender's file differs from the offer (size, chunk size, chunk count or chunk hash list) */
  | 'mismatch'

/** The codes an ERROR frame carries. */
export type FileWireErrorCode = Extract<FileErrorCode, 'unknown-transfer' | 'cancelled' | 'unavailable' | 'needs-direct' | 'busy' | 'bad-request'>

/**
 * The default reason of each code, in English: what an ERROR frame carries
 * when the sender gives no other. The app words each code for its user.
 */
const MESSAGES: Record<FileErrorCode, string> = {
  'unknown-transfer': 'The sender does not offer this file to you.',
  cancelled: 'The file transfer was cancelled.',
  unavailable: 'The sender no longer has this file.',
  'needs-direct': 'This file is too big for a relayed connection; it can move once there is a direct connection.',
  busy: 'The sender is busy with other file transfers right now.',
  'bad-request': 'The sender refused a request of this transfer as invalid.',
  protocol: 'The other side broke the file transfer protocol.',
  corrupt: 'The received file is damaged: its content does not match its checksum.',
  mismatch: 'The file the sender has does not match the one it offered.'
}

export interface FileTransferErrorOptions {
  /**
   * The text an ERROR frame carried (on the receiver), or extra detail for
   * the logs. It may come from the peer, so it is not for the UI.
   */
  reason?: string
  cause?: unknown
}

/**
 * A file transfer failed or was refused. `code` says why (see
 * {@link FileErrorCode}); `message` is an English sentence for the logs and
 * the wire (by default one per code): the app words `code` for its user. Thrown by a {@link FileHost} or FileSource on the
 * sender, it goes out as an ERROR frame whose reason is `message`. Match it
 * by `name` (structured clone drops prototypes) or with
 * {@link isFileTransferError}.
 */
export class FileTransferError extends Error {
  static readonly NAME = 'FileTransferError'
  override readonly name = FileTransferError.NAME
  readonly code: FileErrorCode
  readonly reason: string

  constructor (code: FileErrorCode, message: string = MESSAGES[code], options: FileTransferErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.reason = options.reason ?? ''
  }
}

/** Whether `err` is a {@link FileTransferError}, also after a structured clone (matched by name). */
export function isFileTransferError (err: unknown): err is FileTransferError {
  return err instanceof Error && err.name === FileTransferError.NAME && typeof (err as { code?: unknown }).code === 'string'
}
