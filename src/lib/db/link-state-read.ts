/**
 * The new device's side of the state file (link-state.ts writes it): read
 * line by line from the pulled file, every line checked (the backup's row
 * checks for contacts and one-to-one messages, the shape of the rest), and
 * written in one transaction with this device's profile and account row,
 * so that a link that fails anywhere leaves the database as it was.
 */
import { isRecord } from '@parley/protocol/is-record'
import { fromBase64 } from './backup-envelope.ts'
import { ContentsChecker, MAX_BACKUP_CONTACTS, MAX_BACKUP_MESSAGES, RowProblem, type BackupContact } from './backup-rows.ts'
import { GROUP_CONTACT_ID } from './groups.ts'
import { LINK_STATE_SETTINGS, LINK_STATE_VERSION } from './link-state.ts'
import { ProfileExistsError } from './errors.ts'
import type { AccountRow } from './account.ts'
import type { ParleyDb } from './db.ts'
import type { GroupOpRow, GroupRow } from './group-types.ts'
import type { ContactRow, MessageRow, ProfileRow, SettingRow } from './types.ts'

/** The state file breaks a rule (the message says which). Nothing was stored; the link ends as `failed` (the worker's only word for it). */
export class LinkStateError extends Error {
  override name = 'LinkStateError'
}

/** One line, in UTF-8 bytes, at most (a message with the largest thumbnail and reactions fits). */
export const MAX_LINK_STATE_LINE_BYTES = 1024 * 1024
export const MAX_LINK_STATE_GROUPS = 10_000
export const MAX_LINK_STATE_GROUP_OPS = 1_000_000

export interface LinkStateRows {
  account: string
  profile: { username: string, createdAt: number }
  contacts: BackupContact[]
  messages: MessageRow[]
  groups: GroupRow[]
  groupOps: GroupOpRow[]
  groupMessages: MessageRow[]
  settings: SettingRow[]
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/
/** An outgoing message in one of these states still waits for its outbox. */
const UNDELIVERED: ReadonlySet<MessageRow['state']> = new Set(['queued', 'sent', 'stored'])
/** The keys of each kind of line (the rest: `t` and `row`). */
const LINE_KEYS: Readonly<Record<string, readonly string[]>> = {
  head: ['t', 'v', 'account', 'exportedAt'],
  profile: ['t', 'username', 'createdAt'],
  end: ['t', 'lines']
}
const GROUP_ID = /^[0-9a-f]{32}$/

function damaged (problem: string): never {
  throw new LinkStateError(`The link's state file is damaged: ${problem}`)
}

/** JSON with `{"$bytes": base64}` turned back into bytes. */
function parseTagged (text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (isRecord(v) && Object.keys(v).length === 1 && typeof v.$bytes === 'string') return fromBase64(v.$bytes)
    return v
  })
}

/** The lines of `blob`, each at most MAX_LINK_STATE_LINE_BYTES, read a chunk at a time. */
async function * linesOf (blob: Blob): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const reader = blob.stream().getReader()
  let pending = ''
  for (;;) {
    const { done, value } = await reader.read()
    pending += done ? decoder.decode() : decoder.decode(value, { stream: true })
    let cut = pending.indexOf('\n')
    while (cut >= 0) {
      yield pending.slice(0, cut)
      pending = pending.slice(cut + 1)
      cut = pending.indexOf('\n')
    }
    if (pending.length > MAX_LINK_STATE_LINE_BYTES) damaged(`a line is longer than ${MAX_LINK_STATE_LINE_BYTES} bytes`)
    if (done) break
  }
  if (pending !== '') damaged('the last line does not end')
}

/**
 * Reads and checks the state file for `account`; throws LinkStateError
 * saying what is wrong. Touches no database.
 */
export async function readLinkState (blob: Blob, account: string): Promise<LinkStateRows> {
  try {
    return await read(blob, account)
  } catch (err) {
    if (err instanceof RowProblem) damaged(err.message)
    if (err instanceof SyntaxError || err instanceof TypeError) damaged(err.message)
    throw err
  }
}

async function read (blob: Blob, account: string): Promise<LinkStateRows> {
  const rows: LinkStateRows = { account, profile: { username: '', createdAt: 0 }, contacts: [], messages: [], groups: [], groupOps: [], groupMessages: [], settings: [] }
  let checker: ContentsChecker | undefined
  let lines = 0
  let ended = false
  for await (const text of linesOf(blob)) {
    if (ended) damaged('a line after "end"')
    const line = parseTagged(text)
    if (!isRecord(line) || typeof line.t !== 'string') damaged(`line ${lines + 1} is not an object with "t"`)
    const at = `line ${lines + 1}`
    if (lines === 0 && line.t !== 'head') damaged('the first line is not "head"')
    const keys = LINE_KEYS[line.t] ?? ['t', 'row']
    if (Object.keys(line).length !== keys.length || !keys.every(k => Object.hasOwn(line, k))) damaged(`${at}: a "${line.t.slice(0, 20)}" line has exactly ${keys.join(', ')}`)
    switch (line.t) {
      case 'head':
        if (lines !== 0) damaged(`${at}: a second "head"`)
        if (line.v !== LINK_STATE_VERSION) damaged(`${at}: "v" is not ${LINK_STATE_VERSION}`)
        if (line.account !== account) damaged(`${at}: the state is of another account`)
        break
      case 'profile': {
        if (lines !== 1) damaged(`${at}: "profile" is the second line`)
        const { username, createdAt } = line
        if (typeof username !== 'string' || username.length === 0 || username.length > 256) damaged(`${at}: "username" is not a name`)
        if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || createdAt < 0) damaged(`${at}: "createdAt" is not a time`)
        rows.profile = { username, createdAt }
        // the backup's checks; "own PeerID" is the account's (its key is not here: a placeholder fills the row's type)
        checker = new ContentsChecker({ id: 1, peerId: account, privateKey: new Uint8Array(0), username, createdAt })
        break
      }
      case 'contact':
        if (rows.contacts.length >= MAX_BACKUP_CONTACTS) damaged(`more than ${MAX_BACKUP_CONTACTS} contacts`)
        rows.contacts.push(need(checker, at).contact(line.row, rows.contacts.length))
        break
      case 'message':
        if (rows.messages.length >= MAX_BACKUP_MESSAGES) damaged(`more than ${MAX_BACKUP_MESSAGES} messages`)
        rows.messages.push(need(checker, at).message(line.row, rows.messages.length))
        break
      case 'group':
        if (rows.groups.length >= MAX_LINK_STATE_GROUPS) damaged(`more than ${MAX_LINK_STATE_GROUPS} groups`)
        rows.groups.push(groupRow(line.row, at))
        break
      case 'groupOp':
        if (rows.groupOps.length >= MAX_LINK_STATE_GROUP_OPS) damaged(`more than ${MAX_LINK_STATE_GROUP_OPS} group operations`)
        rows.groupOps.push(groupOpRow(line.row, at))
        break
      case 'groupMessage':
        if (rows.groupMessages.length >= MAX_BACKUP_MESSAGES) damaged(`more than ${MAX_BACKUP_MESSAGES} group messages`)
        rows.groupMessages.push(groupMessageRow(line.row, at))
        break
      case 'setting': {
        const row = line.row
        if (!isRecord(row) || !(LINK_STATE_SETTINGS as readonly unknown[]).includes(row.key)) damaged(`${at}: not a setting that moves`)
        // the person's settings rows, as the other device wrote them
        rows.settings.push(row as unknown as SettingRow)
        break
      }
      case 'end':
        if (line.lines !== lines) damaged(`${at}: "end" counts ${String(line.lines)} lines, not ${lines}`)
        ended = true
        break
      default:
        damaged(`${at}: unknown kind "${line.t.slice(0, 20)}"`)
    }
    lines++
  }
  if (!ended) damaged('no "end": the file is cut short')
  const groups = new Set(rows.groups.map(g => g.id))
  for (const m of rows.groupMessages) if (!groups.has(m.groupId ?? '')) damaged(`group message ${m.id}: its group is not in the file`)
  for (const op of rows.groupOps) if (!groups.has(op.group)) damaged(`group operation ${op.id}: its group is not in the file`)
  return rows
}

function need (checker: ContentsChecker | undefined, at: string): ContentsChecker {
  if (checker === undefined) damaged(`${at}: before "profile"`)
  return checker
}

function groupRow (value: unknown, at: string): GroupRow {
  if (!isRecord(value) || typeof value.id !== 'string' || !GROUP_ID.test(value.id)) damaged(`${at}: a group without a group id`)
  if (typeof value.name !== 'string' || typeof value.state !== 'string' || !Array.isArray(value.members) || !Array.isArray(value.heads)) damaged(`${at}: group ${value.id} is not a group row`)
  return value as unknown as GroupRow
}

function groupOpRow (value: unknown, at: string): GroupOpRow {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.group !== 'string' || typeof value.lamport !== 'number') damaged(`${at}: not a group operation row`)
  const signed = value.signed
  if (!isRecord(signed) || typeof signed.body !== 'string' || typeof signed.sig !== 'string') damaged(`${at}: operation ${value.id} is not signed`)
  return value as unknown as GroupOpRow
}

function groupMessageRow (value: unknown, at: string): MessageRow {
  if (!isRecord(value) || typeof value.id !== 'string' || !ULID.test(value.id)) damaged(`${at}: a group message without a ULID`)
  if (value.contactId !== GROUP_CONTACT_ID || typeof value.groupId !== 'string' || typeof value.lamport !== 'number' || typeof value.fromPeerId !== 'string') {
    damaged(`${at}: message ${value.id} is not a group message row`)
  }
  if (value.expiresAt !== undefined) damaged(`${at}: a disappearing message does not move`)
  return value as unknown as MessageRow
}

/**
 * Writes this device's identity and the account's state in one transaction
 * into a database that has none: `profile` (this device's key, the
 * account's name), `account` (not the holder; the list), and the rows. Any
 * failure leaves the database as it was. What the other device still owes
 * contacts stays its to send (until the fan-out of issue 58): contacts come
 * without their hello state, our undelivered messages as failed.
 *
 * @throws ProfileExistsError when this database has a profile, a contact or a message
 */
export async function importLinkState (db: ParleyDb, rows: LinkStateRows, profile: ProfileRow, account: AccountRow): Promise<void> {
  await db.transaction('rw', [db.profile, db.account, db.contacts, db.messages, db.groups, db.groupOps, db.settings], async () => {
    if (await db.profile.get(1) !== undefined) throw new ProfileExistsError('profileExists')
    if (await db.contacts.count() > 0 || await db.messages.count() > 0) throw new ProfileExistsError('backupHasData')
    await db.profile.add(profile)
    await db.account.put(account)
    // the hellos we owe are the other device's to send: from here they would come from this device's PeerID
    await db.contacts.bulkAdd(rows.contacts.map(({ helloPending: _p, helloSince: _s, helloStored: _t, ...contact }): ContactRow => ({ ...contact, status: 'offline' })))
    // so are our messages not yet delivered (and a file's bytes stay there): this device does not send them
    await db.messages.bulkAdd(rows.messages.map((m): MessageRow => m.direction === 'out' && UNDELIVERED.has(m.state) ? { ...m, state: 'failed' } : m))
    await db.groups.bulkPut(rows.groups)
    await db.groupOps.bulkPut(rows.groupOps)
    await db.messages.bulkAdd(rows.groupMessages)
    // the settings table's rows are a union by key; these are the person's (LINK_STATE_SETTINGS)
    await db.settings.bulkPut(rows.settings)
  })
}
