/** A command-line flag or environment variable has an invalid value. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The identity key file exists but cannot be used. */
export class IdentityError extends Error {
  override name = 'IdentityError'
}

/** The WebRTC-Direct certificate file exists but cannot be used. */
export class CertificateError extends Error {
  override name = 'CertificateError'
}

/** A database of the relay's (the mailbox's, the prekeys') cannot be opened (locked by another process, damaged). */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError'

  /** The error of opening `what` (e.g. "the mailbox database") in `dir`, in words; LevelDB's lock error names its likely cause. */
  static from (what: string, dir: string, err: unknown): DatabaseOpenError {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message
    // LevelDB's words for a lock another process holds (not any error on the file named LOCK)
    const locked = /: lock .*(Resource temporarily unavailable|already held)/i.test(cause)
    return new DatabaseOpenError(`cannot open ${what} ${dir}: ${cause}${locked ? ' (is another relay-node using this data directory?)' : ''}`)
  }
}

/** The data directory cannot be used: it is a file, cannot be created, or cannot be written where the relay must write. */
export class DataDirError extends Error {
  override name = 'DataDirError'
}
