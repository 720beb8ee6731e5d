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

/** The mailbox database cannot be opened (locked by another process, damaged). */
export class MailboxOpenError extends Error {
  override name = 'MailboxOpenError'
}

/** The data directory cannot be used: it is a file, cannot be created, or cannot be written where the relay must write. */
export class DataDirError extends Error {
  override name = 'DataDirError'
}
