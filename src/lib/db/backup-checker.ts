/**
 * The strict checks of an identity backup's rows (docs/protocols.md,
 * "Identity backup file"): every row read field by field against its field
 * map and limits (backup-row-fields.ts), and the links between rows (unique
 * ids, messages pointing at contacts, the PeerID matching its key). Export
 * runs each row through them before writing it, import before restoring it.
 *
 * No libp2p (src/lib/db may not import it), so the key/PeerID check below
 * reads libp2p's Ed25519 encodings by hand.
 */
import { DeviceListError, openDeviceList } from '@parley/protocol/devices/list'
import { readContactActions, readMessageActions, readVoice } from './backup-actions.ts'
import { base58btc, Fields } from './backup-fields.ts'
import {
  CALL_FIELDS, CONTACT_FIELDS, EXPORTED_RELAY_SOURCES, FILE_FIELDS, MAX_BACKUP_ADDRESS_CHARS, MAX_BACKUP_ADDRESSES, MAX_BACKUP_BODY_CHARS,
  MAX_BACKUP_FILE_NAME_CHARS, MAX_BACKUP_MIME_CHARS, MAX_BACKUP_NAME_CHARS, MAX_BACKUP_NOTES_CHARS, MAX_BACKUP_PUBLIC_KEY_BYTES,
  MAX_BACKUP_THUMB_BYTES, MESSAGE_FIELDS, PROFILE_FIELDS, RELAY_FIELDS, type BackupContact
} from './backup-row-fields.ts'
import { relayPeerId } from './relays.ts'
import type {
  CallOutcome, CallRecord, ContactId, ContactProblem, ContactState, FileOffer, MessageDirection, MessageFailure, MessageId, MessageKind, MessageRow, MessageState, NoticeKind,
  ProfileRow, RelayRow
} from './types.ts'

const CONTACT_STATES = keysOf({ requested: 1, pending: 1, accepted: 1, declined: 1, deleted: 1 } satisfies Record<ContactState, 1>)
const DIRECTIONS = keysOf({ in: 1, out: 1 } satisfies Record<MessageDirection, 1>)
const CONTACT_PROBLEMS = keysOf({ notFound: 1 } satisfies Record<ContactProblem, 1>)
const MESSAGE_FAILURES = keysOf({ contactNotFound: 1 } satisfies Record<MessageFailure, 1>)
const MESSAGE_STATES = keysOf({ queued: 1, sent: 1, stored: 1, delivered: 1, read: 1, failed: 1 } satisfies Record<MessageState, 1>)
const MESSAGE_KINDS = keysOf({ text: 1, file: 1, call: 1, notice: 1 } satisfies Record<MessageKind, 1>)
const NOTICE_KINDS = keysOf({ 'session-reset': 1, 'device-added': 1, 'device-removed': 1 } satisfies Record<NoticeKind, 1>)
const CALL_OUTCOMES = keysOf({ answered: 1, missed: 1, declined: 1, unanswered: 1, cancelled: 1, busy: 1, failed: 1, 'answered-elsewhere': 1 } satisfies Record<CallOutcome, 1>)
/** The longest call a backup may say one lasted: a week, in ms. */
const MAX_CALL_MS = 7 * 24 * 3600_000
const THUMB_TYPES = keysOf({ 'image/jpeg': 1, 'image/png': 1, 'image/webp': 1 } satisfies Record<NonNullable<FileOffer['thumbMime']>, 1>)
/** A SHA-256 as the offer writes it, or '' on an outgoing file still being hashed. */
const SHA256_HEX_OR_EMPTY = /^(?:[0-9a-f]{64})?$/
/** Lowercase `type/subtype`, RFC 6838 restricted names, no parameters (files/names.ts sanitizeMime). */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/
/** Path separators and control characters (C0, DEL, C1), which a sanitised file name never has. */
const UNSAFE_NAME_CHARS = /[/\\\u0000-\u001f\u007f-\u009f]/
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/
/** libp2p protobuf of an Ed25519 private key: type 1, then 64 bytes (seed, public key). */
const ED25519_PRIVATE_KEY_PREFIX = [0x08, 0x01, 0x12, 0x40]
const ED25519_PRIVATE_KEY_BYTES = 68
/** Identity multihash (0x00, 36 bytes) of the public key's protobuf (type 1, 32 bytes). */
const ED25519_PEER_ID_PREFIX = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20]


/** Checks rows one by one and the links between them: unique ids, messages pointing at contacts. */
export class ContentsChecker {
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
    if (row.has('helloSince')) contact.helloSince = row.time('helloSince')
    if (row.has('helloStored')) contact.helloStored = row.bool('helloStored')
    if (row.has('rerequests')) contact.rerequests = row.int('rerequests', 0, Number.MAX_SAFE_INTEGER)
    if (row.has('unchecked')) contact.unchecked = row.bool('unchecked')
    if (row.has('problem')) contact.problem = row.oneOf('problem', CONTACT_PROBLEMS)
    if (row.has('sessions')) {
      if (!row.bool('sessions')) row.fail('"sessions" is true when present')
      contact.sessions = true
    }
    if (row.has('devices')) contact.devices = readDevices(row, contact.peerId)
    readContactActions(row, contact, this.profile.peerId)
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
      kind: row.oneOf('kind', MESSAGE_KINDS),
      body: row.text('body', 0, MAX_BACKUP_BODY_CHARS),
      sentAt: row.time('sentAt'),
      state: row.oneOf('state', MESSAGE_STATES)
    }
    if (row.has('receivedAt')) message.receivedAt = row.time('receivedAt')
    if (row.has('readAt')) message.readAt = row.time('readAt')
    if (row.has('deliveredAt')) message.deliveredAt = row.time('deliveredAt')
    if (row.has('failure')) message.failure = row.oneOf('failure', MESSAGE_FAILURES)
    if (row.has('file')) message.file = readFileOffer(row.nested('file', FILE_FIELDS), message.direction)
    if ((message.kind === 'file') !== (message.file !== undefined)) {
      row.fail(message.kind === 'file' ? 'a file message has no "file"' : `a ${message.kind} message has a "file"`)
    }
    if (row.has('call')) message.call = readCallRecord(row.nested('call', CALL_FIELDS))
    if ((message.kind === 'call') !== (message.call !== undefined)) {
      row.fail(message.kind === 'call' ? 'a call message has no "call"' : `a ${message.kind} message has a "call"`)
    }
    if (row.has('notice')) message.notice = row.oneOf('notice', NOTICE_KINDS)
    if ((message.kind === 'notice') !== (message.notice !== undefined)) {
      row.fail(message.kind === 'notice' ? 'a notice has no "notice"' : `a ${message.kind} message has a "notice"`)
    }
    if (message.kind === 'notice' && message.direction !== 'in') row.fail('a notice is not incoming')
    const contact = this.#contacts.get(message.contactId)
    if (contact === undefined) return row.fail(`its contact ${message.contactId} is not in the backup`)
    if (this.#messages.has(id)) row.fail(`id ${id} is used twice`)
    readMessageActions(row, message, { me: this.profile.peerId, contact: contact.peerId })
    if (message.direction === 'out') {
      if (message.fromPeerId !== this.profile.peerId) row.fail('an outgoing message is not from your PeerID')
      if (message.receivedAt !== undefined) row.fail('an outgoing message has "receivedAt"')
    } else {
      if (message.fromPeerId !== contact.peerId) row.fail('an incoming message is not from its contact\'s PeerID')
      if (message.receivedAt === undefined) row.fail('an incoming message has no "receivedAt"')
      if (message.state !== 'delivered' && message.state !== 'read') row.fail(`an incoming message is "${message.state}"`)
      if (message.deliveredAt !== undefined) row.fail('an incoming message has "deliveredAt"')
    }
    if (message.readAt !== undefined && message.state !== 'read') row.fail('"readAt" is set on a message that is not read')
    if (message.failure !== undefined && message.state !== 'failed') row.fail('"failure" is set on a message that did not fail')
    this.#messages.add(id)
    return message
  }
}

/** A contact's device list as received: it must open as its account's (docs/protocols.md, "A contact's device list"). */
function readDevices (row: Fields, account: string): { body: string, sig: string } {
  try {
    return openDeviceList(row.value('devices'), { account }).signed
  } catch (err) {
    if (!(err instanceof DeviceListError)) throw err
    return row.fail(`"devices" is not a device list of the contact's (${err.code}: ${err.message})`)
  }
}

export function readProfile (value: unknown): ProfileRow {
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

/**
 * The offer of a file message. `sha256` and `listHash` are '' together, and
 * only on an outgoing file that was still being hashed (its `chunkSize` may
 * then be 0); a thumbnail comes with its type, a width with its height.
 */
function readCallRecord (row: Fields): CallRecord {
  const call: CallRecord = { video: row.bool('video'), outcome: row.oneOf('outcome', CALL_OUTCOMES) }
  if (row.has('durationMs')) call.durationMs = row.int('durationMs', 0, MAX_CALL_MS)
  if ((call.outcome === 'answered') !== (call.durationMs !== undefined)) row.fail('"durationMs" is set on a call that was not answered, or missing on one that was')
  return call
}

function readFileOffer (row: Fields, direction: MessageDirection): FileOffer {
  const sha256 = row.text('sha256', 0, 64)
  const listHash = row.text('listHash', 0, 64)
  if (!SHA256_HEX_OR_EMPTY.test(sha256)) row.fail('"sha256" is not 64 lowercase hex digits')
  if (!SHA256_HEX_OR_EMPTY.test(listHash)) row.fail('"listHash" is not 64 lowercase hex digits')
  const prepared = sha256 !== ''
  if (prepared !== (listHash !== '')) row.fail('only one of "sha256" and "listHash" is set')
  if (!prepared && direction === 'in') row.fail('an incoming file has no "sha256"')
  const name = row.text('name', 1, MAX_BACKUP_FILE_NAME_CHARS)
  if (UNSAFE_NAME_CHARS.test(name)) row.fail('"name" has a path separator or a control character')
  const mime = row.text('mime', 1, MAX_BACKUP_MIME_CHARS)
  if (!MIME.test(mime)) row.fail(`"mime" is ${JSON.stringify(mime)}, not a lowercase type/subtype`)
  const file: FileOffer = {
    sha256,
    size: row.int('size', 0, Number.MAX_SAFE_INTEGER),
    name,
    mime,
    chunkSize: row.int('chunkSize', prepared ? 1 : 0, Number.MAX_SAFE_INTEGER),
    listHash
  }
  if (row.has('thumb') !== row.has('thumbMime')) row.fail('"thumb" and "thumbMime" come together')
  if (row.has('thumb')) {
    file.thumb = row.bytes('thumb', 1, MAX_BACKUP_THUMB_BYTES)
    file.thumbMime = row.oneOf('thumbMime', THUMB_TYPES)
  }
  if (row.has('width') !== row.has('height')) row.fail('"width" and "height" come together')
  if (row.has('width')) {
    file.width = row.int('width', 1, Number.MAX_SAFE_INTEGER)
    file.height = row.int('height', 1, Number.MAX_SAFE_INTEGER)
  }
  if (row.has('voice')) file.voice = readVoice(row)
  return file
}

// ---------------------------------------------------------------- helpers

function keysOf<T extends string> (record: Record<T, 1>): T[] {
  return Object.keys(record) as T[]
}
