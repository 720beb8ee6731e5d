/**
 * The errors a backup file can fail with before or while it is decrypted
 * (db/backup-envelope.ts, db/backup-kdf.ts) or as its rows are read
 * (db/backup-rows.ts); each carries a code the tab words.
 */
import { errorClass } from '../contract/errors.ts'

/** The passphrase is wrong, or the file was changed (AES-GCM cannot tell which). */
export const WrongPassphraseError = errorClass('WrongPassphraseError')

/** Not a Parley backup, damaged, truncated or of an unsupported version; the code says which. */
export const CorruptBackupError = errorClass('CorruptBackupError')

/**
 * Over MAX_BACKUP_BYTES or one of the row limits, on export or import; or a
 * file whose key derivation asks for more memory or work than a reader gives.
 */
export const BackupTooLargeError = errorClass('BackupTooLargeError')

/** The passphrase is empty, or too short or long for a new backup. */
export const InvalidPassphraseError = errorClass('InvalidPassphraseError')
