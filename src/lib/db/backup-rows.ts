/**
 * What an identity backup's plaintext holds (docs/protocols.md, "Identity
 * backup file"), and reading it: the contents' shape and list sizes here,
 * each row through the checks of backup-checker.ts (field by field against
 * backup-row-fields.ts, and the links between rows).
 *
 * Kept apart from the envelope (backup-envelope.ts) and from the database
 * work (backup.ts) because export and import share these checks: export runs
 * each row through them before writing it, import before restoring it.
 */
import { isRecord } from '@parley/protocol/is-record'
import { BackupTooLargeError, checkVersion, CorruptBackupError, exactKeys } from './backup-envelope.ts'
import { readAccount, type BackupAccount } from './backup-account.ts'
import { ContentsChecker, readProfile } from './backup-checker.ts'
import { RowProblem } from './backup-fields.ts'
import { isTime, MAX_BACKUP_CONTACTS, MAX_BACKUP_MESSAGES, MAX_BACKUP_RELAYS, type BackupContact } from './backup-row-fields.ts'
import type { MessageRow, ProfileRow, RelayRow } from './types.ts'

export * from './backup-row-fields.ts'
export { ContentsChecker, readProfile } from './backup-checker.ts'
export { RowProblem }

export interface BackupContents {
  /** When the file was made, ms since the epoch. */
  exportedAt: number
  profile: ProfileRow
  /** Absent in files made before linked devices (issue 58). */
  account?: BackupAccount
  contacts: BackupContact[]
  /** The user's and discovered relays. */
  relays: RelayRow[]
  includesHistory: boolean
  /** Empty when `includesHistory` is false. */
  messages: MessageRow[]
}

/**
 * Checks the decrypted plaintext, `{"v":1,"exportedAt","profile","account"?,"contacts","relays","messages"?}`,
 * and returns it as rows only when every row is valid.
 *
 * @throws CorruptBackupError, BackupTooLargeError
 */
export function readContents (value: unknown): BackupContents {
  // the problem itself names the contents' JSON fields and rows: technical detail, left in English
  const damaged = (problem: string): never => { throw new CorruptBackupError('backupDamaged', { problem }) }
  if (!isRecord(value)) return damaged('its contents are not an object')
  checkVersion(value.v, 'contents')
  exactKeys(value, ['v', 'exportedAt', 'profile', 'contacts', 'relays'], 'the contents', damaged, ['account', 'messages'])
  const lists = { contacts: MAX_BACKUP_CONTACTS, relays: MAX_BACKUP_RELAYS, messages: MAX_BACKUP_MESSAGES }
  const tooMany = { contacts: 'backupHoldsTooManyContacts', relays: 'backupHoldsTooManyRelays', messages: 'backupHoldsTooManyMessages' } as const
  for (const key of ['contacts', 'relays', 'messages'] as const) {
    const max = lists[key]
    const list = value[key]
    if (key === 'messages' && list === undefined) continue
    if (!Array.isArray(list)) return damaged(`"${key}" is not a list`)
    if (list.length > max) throw new BackupTooLargeError(tooMany[key], { count: list.length, max })
  }
  try {
    const exportedAt = value.exportedAt
    if (!isTime(exportedAt)) throw new RowProblem('"exportedAt" is not a time in ms')
    const checker = new ContentsChecker(readProfile(value.profile))
    const messages = value.messages as unknown[] | undefined
    return {
      exportedAt,
      profile: checker.profile,
      ...(value.account === undefined ? {} : { account: readAccount(value.account) }),
      contacts: (value.contacts as unknown[]).map((row, i) => checker.contact(row, i)),
      relays: (value.relays as unknown[]).map((row, i) => checker.relay(row, i)),
      includesHistory: messages !== undefined,
      messages: (messages ?? []).map((row, i) => checker.message(row, i))
    }
  } catch (err) {
    if (err instanceof RowProblem) return damaged(err.message)
    throw err
  }
}
