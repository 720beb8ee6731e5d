/**
 * Encrypted identity backup (docs/protocols.md, "Identity backup file"): the
 * profile with its private key, the contacts, the user's relays and, when
 * asked, the message history, as one passphrase-encrypted file. Importing it
 * in another browser restores the same PeerID. Disappearing messages and the
 * message events (pending reactions, edits, deletes, read receipts, timer
 * changes) are never in it (backup-actions.ts says why).
 *
 * This module is the public API and the database work: it reads the rows out
 * of Dexie for an export and writes them back on a restore. The file format
 * and its crypto are in backup-envelope.ts, the plaintext's rows and their
 * checks in backup-rows.ts; the names they export for callers are re-exported
 * here, so callers import from this module only.
 *
 * Every file this module writes, it can read: export runs each row through
 * the same checks as import (as the chat codec round-trips its frames), so a
 * row a backup could not carry fails the export, not a later restore.
 */
import Dexie from 'dexie'
import { deviceIndexOf } from './contact-devices.ts'
import { withPendingDevices } from './pending-rows.ts'
import {
  BACKUP_VERSION, BackupTooLargeError, checkCost, InvalidPassphraseError, MAX_PLAINTEXT_BYTES, newPassphrase, openEnvelope,
  sealEnvelope, tooLarge, type Argon2idCost
} from './backup-envelope.ts'
import type { Argon2idRunner } from './backup-kdf.ts'
import {
  CONTACT_FIELDS, ContentsChecker, EXPORTED_RELAY_SOURCES, isTime, MAX_BACKUP_CONTACTS, MAX_BACKUP_MESSAGES,
  MAX_BACKUP_RELAYS, MESSAGE_FIELDS, PROFILE_FIELDS, readContents, readProfile, RELAY_FIELDS, RowProblem, rowToJson,
  type BackupContents
} from './backup-rows.ts'
import { leftOutOfBackups } from './backup-actions.ts'
import { accountToBackup, readAccount } from './backup-account.ts'
import { accountOfProfile } from './account.ts'
import { GROUP_ORDER } from './groups.ts'
import { errorClass } from '../contract/errors.ts'
import { NoProfileError, ProfileExistsError } from './errors.ts'
import type { ParleyDb } from './db.ts'
import type { ContactRow, MessageRow, RestoredSettingRow } from './types.ts'

export {
  ARGON2ID_COST, BACKUP_FILE_VERSION, BACKUP_FORMAT, BACKUP_VERSION, BackupTooLargeError, CorruptBackupError,
  InvalidPassphraseError, IV_BYTES, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PARALLELISM, MAX_ARGON2_WORK_KIB,
  MAX_BACKUP_BYTES, MAX_PASSPHRASE_CHARS, MAX_PBKDF2_ITERATIONS, MIN_PASSPHRASE_CHARS, PBKDF2_ITERATIONS, SALT_BYTES,
  WrongPassphraseError, type Argon2idCost
} from './backup-envelope.ts'
export {
  MAX_BACKUP_ADDRESS_CHARS, MAX_BACKUP_ADDRESSES, MAX_BACKUP_BODY_CHARS, MAX_BACKUP_CONTACTS, MAX_BACKUP_MESSAGES,
  MAX_BACKUP_NAME_CHARS, MAX_BACKUP_NOTES_CHARS, MAX_BACKUP_PEER_ID_CHARS, MAX_BACKUP_PUBLIC_KEY_BYTES, MAX_BACKUP_RELAYS,
  type BackupContact, type BackupContents
} from './backup-rows.ts'
export type { BackupAccount } from './backup-account.ts'

/** Messages are read in pages so an oversized history fails early instead of filling memory. */
const EXPORT_PAGE_ROWS = 1_000

/** The database holds a row a backup cannot carry; the `problem` param names it. */
export const BackupExportError = errorClass('BackupExportError')

export { NoProfileError, ProfileExistsError }

export interface ExportOptions {
  includeHistory: boolean
  /** Argon2id's cost; only tests pass less than ARGON2ID_COST, to stay fast. */
  cost?: Argon2idCost
  /** @internal the Argon2id implementation (tests) */
  argon2id?: Argon2idRunner
  /** Clock for `exportedAt`. */
  now?: number
}

const encoder = new TextEncoder()

/**
 * Writes an encrypted backup of this browser's identity.
 *
 * @throws InvalidPassphraseError, NoProfileError, BackupTooLargeError, BackupExportError
 */
export async function exportBackup (db: ParleyDb, passphrase: string, options: ExportOptions): Promise<Uint8Array> {
  const secret = newPassphrase(passphrase)
  if (options.cost !== undefined) checkCost(options.cost)
  const exportedAt = options.now ?? Date.now()
  if (!isTime(exportedAt)) throw new RangeError(`now must be a time in ms, not ${exportedAt}`)
  const plaintext = await writeContents(db, options.includeHistory, exportedAt)
  return sealEnvelope(plaintext, secret, options)
}

/**
 * Checks, decrypts and checks again: returns the contents only when the file
 * is intact and every row is valid. Touches no database. Reads both file
 * versions: 2 (Argon2id) and 1 (PBKDF2, written before).
 *
 * @throws InvalidPassphraseError, WrongPassphraseError, CorruptBackupError, BackupTooLargeError
 */
export async function readBackup (bytes: Uint8Array, passphrase: string, argon2id?: Argon2idRunner): Promise<BackupContents> {
  if (passphrase.length === 0) throw new InvalidPassphraseError('backupEnterPassphrase')
  return readContents(await openEnvelope(bytes, passphrase, argon2id))
}

/**
 * Writes contents as {@link readBackup} returned them (checked, so messages
 * point at contacts) into a database that has no identity yet, in one
 * transaction: any failure leaves the database as it was. Contacts keep their
 * ids (messages refer to them) and start offline. Restored relays replace
 * rows with the same address. The identity is its account's first device
 * again (db/account.ts), with the device name and the list version the
 * file carried: the node signs a list past that version at start.
 *
 * @throws ProfileExistsError when this database has a profile or any contact or message
 */
export async function restoreBackup (db: ParleyDb, contents: BackupContents, now: number = Date.now()): Promise<void> {
  await db.transaction('rw', [db.profile, db.account, db.contacts, db.messages, db.relays, db.settings], async () => {
    const existing = await db.profile.get(1)
    if (existing !== undefined) {
      throw existing.peerId === contents.profile.peerId
        ? new ProfileExistsError('backupSameIdentity')
        : new ProfileExistsError('backupOtherIdentity', { peerId: existing.peerId })
    }
    if (await db.contacts.count() > 0 || await db.messages.count() > 0) {
      throw new ProfileExistsError('backupHasData')
    }
    await db.profile.add(contents.profile)
    await db.account.put(accountOfProfile(contents.profile, { deviceName: contents.account?.deviceName, version: contents.account?.listVersion }))
    // a device list as received; its version and PeerIDs derived again (the reader opened it)
    const contacts = contents.contacts.map((contact): ContactRow =>
      ({ ...contact, ...(contact.devices === undefined ? {} : deviceIndexOf(contact.devices)), status: 'offline' }))
    await db.contacts.bulkAdd(contacts)
    await db.relays.bulkPut(contents.relays)
    // a file's bytes are not in the backup: an offer not yet delivered cannot be served any more;
    // what waits for acks waits for the contact's devices as restored (pending-rows.ts: this device's own, not in the file)
    const byId = new Map(contacts.map(c => [c.id, c]))
    await db.messages.bulkAdd(contents.messages.map((m): MessageRow => {
      if (m.kind === 'file' && m.direction === 'out' && (m.state === 'queued' || m.state === 'sent' || m.state === 'stored')) return { ...m, state: 'failed' }
      const contact = byId.get(m.contactId)
      return contact === undefined ? m : withPendingDevices(m, contact)
    }))
    // this copy came from a file: while the account runs elsewhere too, it is the one offered to link instead
    const restored: RestoredSettingRow = { key: 'restored', at: now }
    await db.settings.put(restored)
  })
}

/**
 * Plaintext: `{"v":1,"exportedAt","profile","account","contacts","relays","messages"?}`,
 * where messages is present only with history. Built piece by piece so an
 * oversized history stops at {@link MAX_PLAINTEXT_BYTES}, not at an out-of-memory.
 */
async function writeContents (db: ParleyDb, includeHistory: boolean, exportedAt: number): Promise<Uint8Array<ArrayBuffer>> {
  const parts: string[] = []
  let chars = 0
  const push = (part: string): void => {
    chars += part.length
    // A UTF-16 code unit is at least one UTF-8 byte, so this stops only past the real limit.
    if (chars > MAX_PLAINTEXT_BYTES) throw tooLarge('backupWouldBeTooLarge')
    parts.push(part)
  }
  const unexportable = (err: unknown): never => {
    if (err instanceof RowProblem) throw new BackupExportError('backupUnexportable', { problem: err.message })
    throw err
  }
  await db.transaction('r', [db.profile, db.account, db.contacts, db.relays, db.messages], async () => {
    const profileRow = await db.profile.get(1)
    if (profileRow === undefined) throw new NoProfileError('backupNoProfile')
    const accountRow = await db.account.get(1)
    const contacts = await db.contacts.orderBy('id').toArray()
    if (contacts.length > MAX_BACKUP_CONTACTS) throw new BackupTooLargeError('backupTooManyContacts', { count: contacts.length, max: MAX_BACKUP_CONTACTS })
    const relays = await db.relays.where('source').anyOf(EXPORTED_RELAY_SOURCES).sortBy('multiaddr')
    if (relays.length > MAX_BACKUP_RELAYS) throw new BackupTooLargeError('backupTooManyRelays', { count: relays.length, max: MAX_BACKUP_RELAYS })
    // disappearing messages and group messages are left out (backup-actions.ts); only they have `expiresAt`, `groupId`
    const messageCount = includeHistory
      ? await db.messages.count() - await db.messages.where('expiresAt').above(-Infinity).count() -
        await db.messages.where(GROUP_ORDER).between([Dexie.minKey], [Dexie.maxKey]).count()
      : 0
    if (messageCount > MAX_BACKUP_MESSAGES) throw new BackupTooLargeError('backupTooManyMessages', { count: messageCount, max: MAX_BACKUP_MESSAGES })

    try {
      // Each row goes out as JSON and comes back through the import checks.
      const profileJson = JSON.stringify(rowToJson(profileRow, PROFILE_FIELDS))
      const checker = new ContentsChecker(readProfile(JSON.parse(profileJson)))
      push(`{"v":${BACKUP_VERSION},"exportedAt":${JSON.stringify(exportedAt)},"profile":${profileJson}`)
      if (accountRow !== undefined) {
        const accountJson = JSON.stringify(accountToBackup(accountRow))
        readAccount(JSON.parse(accountJson))
        push(`,"account":${accountJson}`)
      }
      push(',"contacts":[')
      contacts.forEach((row, i) => {
        const json = JSON.stringify(rowToJson(row, CONTACT_FIELDS))
        checker.contact(JSON.parse(json), i)
        push(i === 0 ? json : `,${json}`)
      })
      push('],"relays":[')
      relays.forEach((row, i) => {
        const json = JSON.stringify(rowToJson(row, RELAY_FIELDS))
        checker.relay(JSON.parse(json), i)
        push(i === 0 ? json : `,${json}`)
      })
      push(']')
      if (includeHistory) {
        push(',"messages":[')
        let i = 0
        let page = await db.messages.orderBy('id').limit(EXPORT_PAGE_ROWS).toArray()
        while (page.length > 0) {
          for (const row of page) {
            if (leftOutOfBackups(row)) continue
            const json = JSON.stringify(rowToJson(row, MESSAGE_FIELDS))
            checker.message(JSON.parse(json), i)
            push(i === 0 ? json : `,${json}`)
            i++
          }
          const last = page[page.length - 1]?.id ?? ''
          page = await db.messages.where('id').above(last).limit(EXPORT_PAGE_ROWS).toArray()
        }
        push(']')
      }
      push('}')
    } catch (err) {
      unexportable(err)
    }
  })
  const plaintext = encoder.encode(parts.join(''))
  if (plaintext.byteLength > MAX_PLAINTEXT_BYTES) throw tooLarge('backupWouldBeTooLarge')
  return plaintext
}
