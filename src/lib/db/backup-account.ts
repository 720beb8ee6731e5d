/**
 * The account's part of an identity backup (docs/protocols.md, "Identity
 * backup file"; db/account.ts): the exporting device's name and the version
 * of the account's last signed device list, so that a restore keeps the
 * name and signs lists newer than any before. Files made before linked
 * devices have none; they open as ever.
 */
import { MAX_DEVICE_LIST_VERSION, MAX_DEVICE_NAME_CHARS } from '@parley/protocol/devices/constants'
import { deviceNameProblem } from '@parley/protocol/devices/name'
import { Fields } from './backup-fields.ts'
import type { AccountRow } from './account.ts'

/** What a backup carries of the account. */
export interface BackupAccount {
  /** the exporting device's name (as a device list takes it) */
  deviceName: string
  /** the version of the account's last signed list (0: none yet): the restored device signs past it */
  listVersion: number
}

export const ACCOUNT_FIELDS = { deviceName: false, listVersion: false } as const satisfies Record<keyof BackupAccount, boolean>

/** The account's part as a file writes it. */
export function accountToBackup (row: Pick<AccountRow, 'deviceName' | 'version'>): BackupAccount {
  return { deviceName: row.deviceName, listVersion: row.version }
}

/** Reads the `account` object of a backup's contents; fails (RowProblem) naming the field. */
export function readAccount (value: unknown): BackupAccount {
  const row = new Fields(value, 'the account', ACCOUNT_FIELDS)
  const deviceName = row.text('deviceName', 0, MAX_DEVICE_NAME_CHARS)
  const problem = deviceNameProblem(deviceName)
  if (problem !== undefined) row.fail(`"deviceName": ${problem}`)
  return { deviceName, listVersion: row.int('listVersion', 0, MAX_DEVICE_LIST_VERSION) }
}
