/**
 * The limits of an identity backup (docs/protocols.md, "Identity backup
 * file") both sides know: the node checks them (db/backup-envelope.ts), the
 * tab says them before it asks (Settings, Onboarding).
 */

/**
 * A backup's passphrase, in characters after NFC. The node's last check: the
 * tab offers a generated passphrase and holds one of the user's own to a
 * strength floor first (lib/model/passphrase-strength.ts).
 */
export const MIN_PASSPHRASE_CHARS = 12
export const MAX_PASSPHRASE_CHARS = 1024
/** A whole backup file. Large enough for years of chat; small enough to decrypt in one piece in a tab. */
export const MAX_BACKUP_BYTES = 256 * 1024 * 1024
