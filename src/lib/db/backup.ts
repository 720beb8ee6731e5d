/**
 * Encrypted identity backup (docs/protocols.md, "Identity backup file"): the
 * profile with its private key, the contacts, the user's relays and, when
 * asked, the message history, as one passphrase-encrypted file. Importing it
 * in another browser restores the same PeerID.
 *
 * Pure WebCrypto (`crypto.subtle`: browsers, workers, Node 20) over the
 * database; no libp2p, so the key/PeerID check below reads libp2p's Ed25519
 * encodings by hand.
 *
 * Every file this module writes, it can read: export runs each row through
 * the same checks as import (as the chat codec round-trips its frames), so a
 * row a backup could not carry fails the export, not a later restore.
 */
import type { ParleyDb } from './db.ts'
import { relayPeerId } from './relays.ts'
import type {
  ContactId, ContactRow, ContactState, MessageDirection, MessageId, MessageRow, MessageState,
  ProfileRow, RelayRow, RelaySource
} from './types.ts'

/** `format` of every backup file: tells a backup from any other JSON. */
export const BACKUP_FORMAT = 'parley-backup'
/** Version of the envelope and of the plaintext contents it carries. */
export const BACKUP_VERSION = 1
/** PBKDF2-HMAC-SHA-256 rounds for a new file: OWASP's 2023 figure for this hash. */
export const PBKDF2_ITERATIONS = 600_000
/** Most rounds a file may ask for: bounds the work a crafted file can make us do (a few seconds). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000
export const SALT_BYTES = 16
/** 96-bit IV, the size AES-GCM is specified for. */
export const IV_BYTES = 12
export const MIN_PASSPHRASE_CHARS = 8
export const MAX_PASSPHRASE_CHARS = 1024
/** Whole file. Large enough for years of chat; small enough to decrypt in one piece in a tab. */
export const MAX_BACKUP_BYTES = 256 * 1024 * 1024
export const MAX_BACKUP_CONTACTS = 10_000
export const MAX_BACKUP_RELAYS = 1_000
export const MAX_BACKUP_MESSAGES = 1_000_000
/** Field bounds, in UTF-16 code units; generous, since they only keep a row from being absurd. */
export const MAX_BACKUP_NAME_CHARS = 256
export const MAX_BACKUP_NOTES_CHARS = 10_000
export const MAX_BACKUP_ADDRESSES = 64
export const MAX_BACKUP_ADDRESS_CHARS = 1024
export const MAX_BACKUP_PEER_ID_CHARS = 128
export const MAX_BACKUP_PUBLIC_KEY_BYTES = 1024
/** A chat text is at most 16 384 UTF-8 bytes, which is never more UTF-16 code units. */
export const MAX_BACKUP_BODY_CHARS = 16_384

const KDF_NAME = 'PBKDF2'
const KDF_HASH = 'SHA-256'
const CIPHER_NAME = 'AES-GCM'
const KEY_BITS = 256
const GCM_TAG_BYTES = 16
/** Shipped defaults come from the importing app's own `/config.json`, so they are not carried. */
const EXPORTED_RELAY_SOURCES = ['user', 'discovered'] as const satisfies readonly RelaySource[]
/** Room for the envelope around the ciphertext; the real header is about 250 bytes. */
const ENVELOPE_OVERHEAD_BYTES = 1024
const MAX_PLAINTEXT_BYTES = Math.floor((MAX_BACKUP_BYTES - ENVELOPE_OVERHEAD_BYTES) / 4) * 3 - GCM_TAG_BYTES
/** Messages are read in pages so an oversized history fails early instead of filling memory. */
const EXPORT_PAGE_ROWS = 1_000

export class WrongPassphraseError extends Error {
  constructor (message = 'The passphrase is wrong, or the file was changed.') {
    super(message)
    this.name = 'WrongPassphraseError'
  }
}

/** Not a Parley backup, damaged, truncated or of an unsupported version; the message says which. */
export class CorruptBackupError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CorruptBackupError'
  }
}

/** Over {@link MAX_BACKUP_BYTES} or one of the row limits, on export or import. */
export class BackupTooLargeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'BackupTooLargeError'
  }
}

/** The passphrase is empty, or too short or long for a new backup. */
export class InvalidPassphraseError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidPassphraseError'
  }
}

/** The database holds a row a backup cannot carry; the message names it. */
export class BackupExportError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'BackupExportError'
  }
}

/** Same name as the worker's error for a call that needs a profile, so the UI matches one name. */
export class NoProfileError extends Error {
  constructor (message = 'There is no Parley identity in this browser to back up.') {
    super(message)
    this.name = 'NoProfileError'
  }
}

/** Same name as the worker's error for creating a second profile, so the UI matches one name. */
export class ProfileExistsError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ProfileExistsError'
  }
}

/** A contact as backed up: presence is not carried, a restored contact starts offline. */
export type BackupContact = Omit<ContactRow, 'status'>

export interface BackupContents {
  /** When the file was made, ms since the epoch. */
  exportedAt: number
  profile: ProfileRow
  contacts: BackupContact[]
  /** The user's and discovered relays. */
  relays: RelayRow[]
  includesHistory: boolean
  /** Empty when `includesHistory` is false. */
  messages: MessageRow[]
}

export interface ExportOptions {
  includeHistory: boolean
  /** PBKDF2 rounds; only tests pass fewer than {@link PBKDF2_ITERATIONS}, to stay fast. */
  iterations?: number
  /** Clock for `exportedAt`. */
  now?: number
}

/**
 * The file's JSON object, in this key order, followed by `data`:
 * - `format`: always {@link BACKUP_FORMAT}.
 * - `v`: {@link BACKUP_VERSION}; a reader refuses other versions.
 * - `kdf`: PBKDF2 parameters as WebCrypto names them; `salt` is base64 of
 *   {@link SALT_BYTES} random bytes, `iterations` at most {@link MAX_PBKDF2_ITERATIONS}.
 *   The passphrase is NFC-normalised, then UTF-8 encoded; the key is AES-256.
 * - `cipher`: AES-GCM with a 128-bit tag; `iv` is base64 of {@link IV_BYTES} random bytes.
 * - `data` (not in the header): base64 of ciphertext followed by the tag.
 *
 * The header's compact JSON in exactly this order (see {@link headerBytes}) is
 * the AES-GCM additional data, so changing any of it fails decryption.
 */
interface EnvelopeHeader {
  format: typeof BACKUP_FORMAT
  v: typeof BACKUP_VERSION
  kdf: { name: typeof KDF_NAME, hash: typeof KDF_HASH, iterations: number, salt: string }
  cipher: { name: typeof CIPHER_NAME, iv: string }
}

type Json = Record<string, unknown>

const encoder = new TextEncoder()
// fatal: refuse invalid UTF-8; ignoreBOM: keep a BOM so JSON.parse refuses it
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Writes an encrypted backup of this browser's identity.
 *
 * @throws InvalidPassphraseError, NoProfileError, BackupTooLargeError, BackupExportError
 */
export async function exportBackup (db: ParleyDb, passphrase: string, options: ExportOptions): Promise<Uint8Array> {
  const secret = newPassphrase(passphrase)
  const iterations = options.iterations ?? PBKDF2_ITERATIONS
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be 1 to ${MAX_PBKDF2_ITERATIONS}, not ${iterations}`)
  }
  const exportedAt = options.now ?? Date.now()
  if (!isTime(exportedAt)) throw new RangeError(`now must be a time in ms, not ${exportedAt}`)
  const plaintext = await writeContents(db, options.includeHistory, exportedAt)
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const header: EnvelopeHeader = {
    format: BACKUP_FORMAT,
    v: BACKUP_VERSION,
    kdf: { name: KDF_NAME, hash: KDF_HASH, iterations, salt: toBase64(salt) },
    cipher: { name: CIPHER_NAME, iv: toBase64(iv) }
  }
  const key = await deriveKey(secret, salt, iterations, 'encrypt')
  const ciphertext = await crypto.subtle.encrypt({ name: CIPHER_NAME, iv, additionalData: headerBytes(header) }, key, plaintext)
  const file = encoder.encode(JSON.stringify({ ...header, data: toBase64(new Uint8Array(ciphertext)) }))
  if (file.byteLength > MAX_BACKUP_BYTES) throw tooLarge(`The backup would be ${mib(file.byteLength)}`)
  return file
}

/**
 * Checks, decrypts and checks again: returns the contents only when the file
 * is intact and every row is valid. Touches no database.
 *
 * @throws InvalidPassphraseError, WrongPassphraseError, CorruptBackupError, BackupTooLargeError
 */
export async function readBackup (bytes: Uint8Array, passphrase: string): Promise<BackupContents> {
  if (passphrase.length === 0) throw new InvalidPassphraseError('Enter the passphrase this backup was made with.')
  const { header, salt, iv, data } = readEnvelope(bytes)
  const key = await deriveKey(passphrase, salt, header.kdf.iterations, 'decrypt')
  let plaintext: ArrayBuffer
  try {
    plaintext = await crypto.subtle.decrypt({ name: CIPHER_NAME, iv, additionalData: headerBytes(header) }, key, data)
  } catch (err) {
    // AES-GCM reports a wrong key and a changed byte alike, as an OperationError.
    if (err instanceof Error && err.name === 'OperationError') throw new WrongPassphraseError()
    throw err
  }
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(plaintext))
  } catch {
    throw new CorruptBackupError('The backup decrypted, but its contents are not valid JSON: it was written by a faulty program.')
  }
  return readContents(value)
}

/**
 * Writes contents as {@link readBackup} returned them (checked, so messages
 * point at contacts) into a database that has no identity yet, in one
 * transaction: any failure leaves the database as it was. Contacts keep their
 * ids (messages refer to them) and start offline. Restored relays replace
 * rows with the same address.
 *
 * @throws ProfileExistsError when this database has a profile or any contact or message
 */
export async function restoreBackup (db: ParleyDb, contents: BackupContents): Promise<void> {
  await db.transaction('rw', [db.profile, db.contacts, db.messages, db.relays], async () => {
    const existing = await db.profile.get(1)
    if (existing !== undefined) {
      throw new ProfileExistsError(existing.peerId === contents.profile.peerId
        ? 'This browser already has a Parley identity, the same one as in the backup. Nothing was changed.'
        : `This browser already has a Parley identity (${existing.peerId}). Restoring would replace it, so nothing was changed. Restore in a new browser profile.`)
    }
    if (await db.contacts.count() > 0 || await db.messages.count() > 0) {
      throw new ProfileExistsError('This browser already has Parley contacts or messages. Restoring would mix them with the backup\'s, so nothing was changed.')
    }
    await db.profile.add(contents.profile)
    await db.contacts.bulkAdd(contents.contacts.map((contact): ContactRow => ({ ...contact, status: 'offline' })))
    await db.relays.bulkPut(contents.relays)
    await db.messages.bulkAdd(contents.messages)
  })
}

// ---------------------------------------------------------------- envelope

interface Envelope {
  header: EnvelopeHeader
  salt: Uint8Array<ArrayBuffer>
  iv: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
}

function readEnvelope (bytes: Uint8Array): Envelope {
  if (bytes.byteLength > MAX_BACKUP_BYTES) throw tooLarge(`The file is ${mib(bytes.byteLength)}`)
  if (bytes.byteLength === 0) throw new CorruptBackupError('The file is empty.')
  let text: string
  let value: unknown
  try {
    text = decoder.decode(bytes)
  } catch {
    throw new CorruptBackupError('This is not a Parley backup file: it is not text.')
  }
  try {
    value = JSON.parse(text)
  } catch {
    // Every backup starts like this and ends with the data: a file that starts right is cut off.
    if (text.startsWith(`{"format":"${BACKUP_FORMAT}"`)) {
      throw new CorruptBackupError('The backup file is incomplete: it was cut off or damaged. Copy the whole file again.')
    }
    throw new CorruptBackupError('This is not a Parley backup file: it is not JSON.')
  }
  if (!isObject(value) || value.format !== BACKUP_FORMAT) throw new CorruptBackupError('This is not a Parley backup file.')
  checkVersion(value.v, 'file')
  const damaged = (problem: string): never => { throw new CorruptBackupError(`The backup file is damaged: ${problem}.`) }
  exactKeys(value, ['format', 'v', 'kdf', 'cipher', 'data'], 'the file', damaged)
  const { kdf, cipher, data } = value
  if (!isObject(kdf)) return damaged('"kdf" is not an object')
  if (!isObject(cipher)) return damaged('"cipher" is not an object')
  exactKeys(kdf, ['name', 'hash', 'iterations', 'salt'], '"kdf"', damaged)
  exactKeys(cipher, ['name', 'iv'], '"cipher"', damaged)
  if (kdf.name !== KDF_NAME || kdf.hash !== KDF_HASH) damaged(`the key derivation is not ${KDF_NAME} with ${KDF_HASH}`)
  const { iterations, salt } = kdf
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    return damaged(`"iterations" is not a whole number from 1 to ${MAX_PBKDF2_ITERATIONS}`)
  }
  const saltBytes = typeof salt === 'string' ? fromBase64(salt) : undefined
  if (saltBytes?.byteLength !== SALT_BYTES) return damaged(`"salt" is not ${SALT_BYTES} bytes of base64`)
  if (cipher.name !== CIPHER_NAME) damaged(`the cipher is not ${CIPHER_NAME}`)
  const iv = typeof cipher.iv === 'string' ? fromBase64(cipher.iv) : undefined
  if (iv?.byteLength !== IV_BYTES) return damaged(`"iv" is not ${IV_BYTES} bytes of base64`)
  const ciphertext = typeof data === 'string' ? fromBase64(data) : undefined
  if (ciphertext === undefined || ciphertext.byteLength < GCM_TAG_BYTES) return damaged('"data" is not base64 of an encrypted backup')
  return { header: value as unknown as EnvelopeHeader, salt: saltBytes, iv, data: ciphertext }
}

/** The AES-GCM additional data: the header's compact JSON in a fixed order, rebuilt from its values. */
function headerBytes ({ format, v, kdf, cipher }: EnvelopeHeader): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify({
    format,
    v,
    kdf: { name: kdf.name, hash: kdf.hash, iterations: kdf.iterations, salt: kdf.salt },
    cipher: { name: cipher.name, iv: cipher.iv }
  }))
}

async function deriveKey (passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number, usage: KeyUsage): Promise<CryptoKey> {
  // NFC: the same passphrase typed on another system may arrive in another normal form.
  const material = await crypto.subtle.importKey('raw', encoder.encode(passphrase.normalize('NFC')), KDF_NAME, false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: KDF_NAME, hash: KDF_HASH, salt, iterations },
    material,
    { name: CIPHER_NAME, length: KEY_BITS },
    false,
    [usage]
  )
}

function newPassphrase (passphrase: string): string {
  const chars = [...passphrase.normalize('NFC')].length
  if (chars === 0) throw new InvalidPassphraseError('Choose a passphrase to protect the backup.')
  if (chars < MIN_PASSPHRASE_CHARS) throw new InvalidPassphraseError(`The passphrase must be at least ${MIN_PASSPHRASE_CHARS} characters long.`)
  if (chars > MAX_PASSPHRASE_CHARS) throw new InvalidPassphraseError(`The passphrase must be at most ${MAX_PASSPHRASE_CHARS} characters long.`)
  return passphrase
}

function checkVersion (v: unknown, what: 'file' | 'contents'): void {
  if (v === BACKUP_VERSION) return
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > BACKUP_VERSION) {
    throw new CorruptBackupError(`This backup was made by a newer version of Parley (${what} version ${v}); this version reads version ${BACKUP_VERSION}. Update Parley and try again.`)
  }
  throw new CorruptBackupError(`The backup has an unsupported ${what} version (${JSON.stringify(v) ?? 'none'}); this version of Parley reads version ${BACKUP_VERSION}.`)
}

// ---------------------------------------------------------------- contents

/**
 * Plaintext: `{"v":1,"exportedAt","profile","contacts","relays","messages"?}`,
 * where messages is present only with history. Built piece by piece so an
 * oversized history stops at {@link MAX_PLAINTEXT_BYTES}, not at an out-of-memory.
 */
async function writeContents (db: ParleyDb, includeHistory: boolean, exportedAt: number): Promise<Uint8Array<ArrayBuffer>> {
  const parts: string[] = []
  let chars = 0
  const push = (part: string): void => {
    chars += part.length
    // A UTF-16 code unit is at least one UTF-8 byte, so this stops only past the real limit.
    if (chars > MAX_PLAINTEXT_BYTES) throw tooLarge('The backup would be too large')
    parts.push(part)
  }
  const unexportable = (err: unknown): never => {
    if (err instanceof RowProblem) throw new BackupExportError(`This browser's data cannot be backed up: ${err.message}.`)
    throw err
  }
  await db.transaction('r', [db.profile, db.contacts, db.relays, db.messages], async () => {
    const profileRow = await db.profile.get(1)
    if (profileRow === undefined) throw new NoProfileError()
    const contacts = await db.contacts.orderBy('id').toArray()
    if (contacts.length > MAX_BACKUP_CONTACTS) throw new BackupTooLargeError(`This browser has ${contacts.length} contacts; a backup holds at most ${MAX_BACKUP_CONTACTS}.`)
    const relays = await db.relays.where('source').anyOf(EXPORTED_RELAY_SOURCES).sortBy('multiaddr')
    if (relays.length > MAX_BACKUP_RELAYS) throw new BackupTooLargeError(`This browser has ${relays.length} relays; a backup holds at most ${MAX_BACKUP_RELAYS}.`)
    const messageCount = includeHistory ? await db.messages.count() : 0
    if (messageCount > MAX_BACKUP_MESSAGES) throw new BackupTooLargeError(`This browser has ${messageCount} messages; a backup holds at most ${MAX_BACKUP_MESSAGES}.`)

    try {
      // Each row goes out as JSON and comes back through the import checks.
      const profileJson = JSON.stringify(rowToJson(profileRow, PROFILE_FIELDS))
      const checker = new ContentsChecker(readProfile(JSON.parse(profileJson)))
      push(`{"v":${BACKUP_VERSION},"exportedAt":${JSON.stringify(exportedAt)},"profile":${profileJson},"contacts":[`)
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
  if (plaintext.byteLength > MAX_PLAINTEXT_BYTES) throw tooLarge('The backup would be too large')
  return plaintext
}

function readContents (value: unknown): BackupContents {
  const damaged = (problem: string): never => { throw new CorruptBackupError(`The backup is damaged: ${problem}.`) }
  if (!isObject(value)) return damaged('its contents are not an object')
  checkVersion(value.v, 'contents')
  exactKeys(value, ['v', 'exportedAt', 'profile', 'contacts', 'relays'], 'the contents', damaged, ['messages'])
  const lists = { contacts: MAX_BACKUP_CONTACTS, relays: MAX_BACKUP_RELAYS, messages: MAX_BACKUP_MESSAGES }
  for (const [key, max] of Object.entries(lists)) {
    const list = value[key]
    if (key === 'messages' && list === undefined) continue
    if (!Array.isArray(list)) return damaged(`"${key}" is not a list`)
    if (list.length > max) throw new BackupTooLargeError(`The backup holds ${list.length} ${key}; at most ${max} can be restored.`)
  }
  try {
    const exportedAt = value.exportedAt
    if (!isTime(exportedAt)) throw new RowProblem('"exportedAt" is not a time in ms')
    const checker = new ContentsChecker(readProfile(value.profile))
    const messages = value.messages as unknown[] | undefined
    return {
      exportedAt,
      profile: checker.profile,
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

/** A row as JSON: the fields its field map lists (others, and presence, are not backed up), bytes as base64. */
function rowToJson (row: object, fields: FieldMap): Json {
  const source = row as Json
  const out: Json = {}
  for (const key of Object.keys(fields)) {
    const value = source[key]
    out[key] = value instanceof Uint8Array ? toBase64(value) : value
  }
  return out
}

// ---------------------------------------------------------------- row checks

/** A row breaks a rule; the message names the row and the rule. Worded by the caller for import or export. */
class RowProblem extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'RowProblem'
  }
}

/** Field name → whether it is optional. */
type FieldMap = Readonly<Record<string, boolean>>

/*
 * Every field of each backed-up row, true when optional, and every value of
 * each enum. `satisfies Record<…>` makes a field or value added to a row type
 * a type error here, so the backup learns of it instead of dropping or
 * refusing it.
 */
const PROFILE_FIELDS = {
  peerId: false, privateKey: false, username: false, createdAt: false
} as const satisfies Record<Exclude<keyof ProfileRow, 'id'>, boolean>
const CONTACT_FIELDS = {
  id: false, peerId: false, username: false, nickname: true, publicKey: true, addresses: false, lastSeen: true,
  notes: false, blocked: false, state: false, helloPending: true, rerequests: true, verified: false, addedAt: false, updatedAt: false
} as const satisfies Record<keyof BackupContact, boolean>
const RELAY_FIELDS = {
  multiaddr: false, peerId: false, source: false, active: false, lastConnected: true, lastRtt: true, failures: false
} as const satisfies Record<keyof RelayRow, boolean>
const MESSAGE_FIELDS = {
  id: false, contactId: false, direction: false, fromPeerId: false, kind: false, body: false, sentAt: false,
  receivedAt: true, state: false, readAt: true
} as const satisfies Record<keyof MessageRow, boolean>
const CONTACT_STATES = keysOf({ requested: 1, pending: 1, accepted: 1, declined: 1, deleted: 1 } satisfies Record<ContactState, 1>)
const DIRECTIONS = keysOf({ in: 1, out: 1 } satisfies Record<MessageDirection, 1>)
const MESSAGE_STATES = keysOf({ queued: 1, sent: 1, delivered: 1, read: 1, failed: 1 } satisfies Record<MessageState, 1>)
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/
/** libp2p protobuf of an Ed25519 private key: type 1, then 64 bytes (seed, public key). */
const ED25519_PRIVATE_KEY_PREFIX = [0x08, 0x01, 0x12, 0x40]
const ED25519_PRIVATE_KEY_BYTES = 68
/** Identity multihash (0x00, 36 bytes) of the public key's protobuf (type 1, 32 bytes). */
const ED25519_PEER_ID_PREFIX = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20]

/** Checks rows one by one and the links between them: unique ids, messages pointing at contacts. */
class ContentsChecker {
  readonly profile: ProfileRow
  readonly #contacts = new Map<ContactId, BackupContact>()
  readonly #peerIds = new Set<string>()
  readonly #relays = new Set<string>()
  readonly #messages = new Set<string>()

  constructor (profile: ProfileRow) {
    this.profile = profile
  }

  contact (value: unknown, index: number): BackupContact {
    const row = new Fields(value, `contact ${index + 1}`, CONTACT_FIELDS)
    const contact: BackupContact = {
      id: row.int('id', 1, Number.MAX_SAFE_INTEGER),
      peerId: row.peerId('peerId'),
      username: row.text('username', 1, MAX_BACKUP_NAME_CHARS),
      addresses: row.textList('addresses', MAX_BACKUP_ADDRESSES, MAX_BACKUP_ADDRESS_CHARS),
      notes: row.text('notes', 0, MAX_BACKUP_NOTES_CHARS),
      blocked: row.bool('blocked'),
      state: row.oneOf('state', CONTACT_STATES),
      verified: row.bool('verified'),
      addedAt: row.time('addedAt'),
      updatedAt: row.time('updatedAt')
    }
    if (row.has('nickname')) contact.nickname = row.text('nickname', 1, MAX_BACKUP_NAME_CHARS)
    if (row.has('publicKey')) contact.publicKey = row.bytes('publicKey', 1, MAX_BACKUP_PUBLIC_KEY_BYTES)
    if (row.has('lastSeen')) contact.lastSeen = row.time('lastSeen')
    if (row.has('helloPending')) contact.helloPending = row.bool('helloPending')
    if (row.has('rerequests')) contact.rerequests = row.int('rerequests', 0, Number.MAX_SAFE_INTEGER)
    if (this.#contacts.has(contact.id)) row.fail(`id ${contact.id} is used twice`)
    if (this.#peerIds.has(contact.peerId)) row.fail(`PeerID ${contact.peerId} is used twice`)
    if (contact.peerId === this.profile.peerId) row.fail('it has your own PeerID')
    this.#contacts.set(contact.id, contact)
    this.#peerIds.add(contact.peerId)
    return contact
  }

  relay (value: unknown, index: number): RelayRow {
    const row = new Fields(value, `relay ${index + 1}`, RELAY_FIELDS)
    const relay: RelayRow = {
      multiaddr: row.text('multiaddr', 1, MAX_BACKUP_ADDRESS_CHARS),
      peerId: row.peerId('peerId'),
      source: row.oneOf('source', EXPORTED_RELAY_SOURCES),
      active: row.bool('active'),
      failures: row.int('failures', 0, Number.MAX_SAFE_INTEGER)
    }
    if (row.has('lastConnected')) relay.lastConnected = row.time('lastConnected')
    if (row.has('lastRtt')) relay.lastRtt = row.number('lastRtt', 0, Number.MAX_SAFE_INTEGER)
    let addressPeerId: string | undefined
    try {
      addressPeerId = relayPeerId(relay.multiaddr)
    } catch {
      // reworded below: the row's own error names the relay
    }
    if (addressPeerId !== relay.peerId) row.fail('"multiaddr" does not end in /p2p/ with the relay\'s "peerId"')
    if (this.#relays.has(relay.multiaddr)) row.fail('its address is listed twice')
    this.#relays.add(relay.multiaddr)
    return relay
  }

  message (value: unknown, index: number): MessageRow {
    const row = new Fields(value, `message ${index + 1}`, MESSAGE_FIELDS)
    const id = row.text('id', 26, 26)
    if (!ULID.test(id)) row.fail('"id" is not a ULID')
    const message: MessageRow = {
      id: id as MessageId,
      contactId: row.int('contactId', 1, Number.MAX_SAFE_INTEGER),
      direction: row.oneOf('direction', DIRECTIONS),
      fromPeerId: row.peerId('fromPeerId'),
      kind: row.oneOf('kind', ['text'] as const),
      body: row.text('body', 0, MAX_BACKUP_BODY_CHARS),
      sentAt: row.time('sentAt'),
      state: row.oneOf('state', MESSAGE_STATES)
    }
    if (row.has('receivedAt')) message.receivedAt = row.time('receivedAt')
    if (row.has('readAt')) message.readAt = row.time('readAt')
    const contact = this.#contacts.get(message.contactId)
    if (contact === undefined) return row.fail(`its contact ${message.contactId} is not in the backup`)
    if (this.#messages.has(id)) row.fail(`id ${id} is used twice`)
    if (message.direction === 'out') {
      if (message.fromPeerId !== this.profile.peerId) row.fail('an outgoing message is not from your PeerID')
      if (message.receivedAt !== undefined) row.fail('an outgoing message has "receivedAt"')
    } else {
      if (message.fromPeerId !== contact.peerId) row.fail('an incoming message is not from its contact\'s PeerID')
      if (message.receivedAt === undefined) row.fail('an incoming message has no "receivedAt"')
      if (message.state !== 'delivered' && message.state !== 'read') row.fail(`an incoming message is "${message.state}"`)
    }
    if (message.readAt !== undefined && message.state !== 'read') row.fail('"readAt" is set on a message that is not read')
    this.#messages.add(id)
    return message
  }
}

function readProfile (value: unknown): ProfileRow {
  const row = new Fields(value, 'the profile', PROFILE_FIELDS)
  const peerId = row.peerId('peerId')
  const privateKey = row.bytes('privateKey', ED25519_PRIVATE_KEY_BYTES, ED25519_PRIVATE_KEY_BYTES)
  if (!ED25519_PRIVATE_KEY_PREFIX.every((byte, i) => privateKey[i] === byte)) {
    row.fail('"privateKey" is not an Ed25519 key in libp2p\'s encoding')
  }
  const publicKey = privateKey.subarray(ED25519_PRIVATE_KEY_BYTES - 32)
  if (base58btc(Uint8Array.from([...ED25519_PEER_ID_PREFIX, ...publicKey])) !== peerId) {
    row.fail('"peerId" is not the PeerID of "privateKey"')
  }
  return { id: 1, peerId, privateKey, username: row.text('username', 1, MAX_BACKUP_NAME_CHARS), createdAt: row.time('createdAt') }
}

/** Typed reads of one JSON object with exactly the listed keys; failures name the row and field. */
class Fields {
  readonly #value: Json
  readonly #at: string

  constructor (value: unknown, at: string, fields: FieldMap) {
    this.#at = at
    const fail = (problem: string): never => this.fail(problem)
    if (!isObject(value)) fail('it is not an object')
    this.#value = value as Json
    const keys = Object.keys(fields)
    exactKeys(this.#value, keys.filter((key) => fields[key] === false), 'it', fail, keys.filter((key) => fields[key] === true))
  }

  fail (problem: string): never {
    throw new RowProblem(`${this.#at}: ${problem}`)
  }

  has (key: string): boolean {
    return Object.hasOwn(this.#value, key)
  }

  text (key: string, min: number, max: number): string {
    const v = this.#value[key]
    if (typeof v !== 'string') return this.fail(`"${key}" is not text`)
    if (v.length < min || v.length > max) return this.fail(`"${key}" has ${v.length} characters, not ${min} to ${max}`)
    return v
  }

  int (key: string, min: number, max: number): number {
    const v = this.#value[key]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      return this.fail(`"${key}" is not a whole number from ${min} to ${max}`)
    }
    return v
  }

  /** ms since the epoch. */
  time (key: string): number {
    return this.int(key, 0, Number.MAX_SAFE_INTEGER)
  }

  number (key: string, min: number, max: number): number {
    const v = this.#value[key]
    if (typeof v !== 'number' || !(v >= min && v <= max)) return this.fail(`"${key}" is not a number from ${min} to ${max}`)
    return v
  }

  bool (key: string): boolean {
    const v = this.#value[key]
    if (typeof v !== 'boolean') return this.fail(`"${key}" is not true or false`)
    return v
  }

  oneOf<T extends string> (key: string, values: readonly T[]): T {
    const v = this.#value[key]
    if (!values.some((allowed) => allowed === v)) return this.fail(`"${key}" is ${JSON.stringify(v)}, not one of ${values.join(', ')}`)
    return v as T
  }

  peerId (key: string): string {
    const v = this.text(key, 1, MAX_BACKUP_PEER_ID_CHARS)
    if (!BASE58.test(v)) this.fail(`"${key}" is not a PeerID`)
    return v
  }

  bytes (key: string, min: number, max: number): Uint8Array<ArrayBuffer> {
    const v = this.#value[key]
    const bytes = typeof v === 'string' ? fromBase64(v) : undefined
    if (bytes === undefined) return this.fail(`"${key}" is not base64`)
    if (bytes.byteLength < min || bytes.byteLength > max) return this.fail(`"${key}" has ${bytes.byteLength} bytes, not ${min} to ${max}`)
    return bytes
  }

  textList (key: string, maxItems: number, maxChars: number): string[] {
    const v = this.#value[key]
    if (!Array.isArray(v) || v.length > maxItems) return this.fail(`"${key}" is not a list of at most ${maxItems} entries`)
    return v.map((item: unknown, i) => {
      if (typeof item !== 'string' || item.length === 0 || item.length > maxChars) {
        return this.fail(`"${key}" entry ${i + 1} is not text of 1 to ${maxChars} characters`)
      }
      return item
    })
  }
}

// ---------------------------------------------------------------- helpers

function keysOf<T extends string> (record: Record<T, 1>): T[] {
  return Object.keys(record) as T[]
}

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Refuses a missing required key and any key not listed (JSON.parse makes `__proto__` an own key: refused too). */
function exactKeys (value: Json, required: readonly string[], what: string, fail: (problem: string) => never, optional: readonly string[] = []): void {
  for (const key of required) if (!Object.hasOwn(value, key)) fail(`${what} has no "${key}"`)
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) fail(`${what} has an unknown field "${key.slice(0, 40)}"`)
  }
}

function isTime (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function tooLarge (what: string): BackupTooLargeError {
  return new BackupTooLargeError(`${what}; a Parley backup is at most ${mib(MAX_BACKUP_BYTES)}.`)
}

function mib (bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MiB`
}

/** Spread into String.fromCharCode at most this many bytes at a time (argument count limits). */
const BASE64_CHUNK_BYTES = 8192
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function toBase64 (bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.byteLength; i += BASE64_CHUNK_BYTES) {
    binary += String.fromCharCode(...bytes.subarray(i, i + BASE64_CHUNK_BYTES))
  }
  return btoa(binary)
}

/** Standard base64 with padding; undefined for anything else (atob alone would skip whitespace). */
function fromBase64 (text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined
  let binary: string
  try {
    binary = atob(text)
  } catch {
    return undefined // not reachable after the pattern check; kept so bad input can never throw a DOMException
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** Base58btc (the Bitcoin alphabet), as PeerIDs are written. */
function base58btc (bytes: Uint8Array): string {
  const digits: number[] = [] // little-endian base-58 digits
  for (const byte of bytes) {
    let carry = byte
    for (let i = 0; i < digits.length; i++) {
      carry += (digits[i] ?? 0) * 256
      digits[i] = carry % 58
      carry = Math.floor(carry / 58)
    }
    for (; carry > 0; carry = Math.floor(carry / 58)) digits.push(carry % 58)
  }
  let out = ''
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out += '1'
  for (let i = digits.length - 1; i >= 0; i--) out += BASE58_ALPHABET.charAt(digits[i] ?? 0)
  return out
}
