/**
 * Identity backup: round trips, the file format as docs/protocols.md states
 * it (the helpers below re-implement it from the document with WebCrypto),
 * tampering, damaged files, row checks and the all-or-nothing restore.
 * Files are made with a low Argon2id cost through the `cost` option; the
 * documented key is derived with @noble/hashes' Argon2id, another
 * implementation than the app's (hash-wasm). backup-kdf.test.ts has the key
 * derivation's own tests: the default cost, hostile costs, version 1 files.
 */
import { argon2id } from '@noble/hashes/argon2.js'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CorruptBackupError, exportBackup,
  MAX_BACKUP_BYTES, MAX_BACKUP_RELAYS, MAX_PASSPHRASE_CHARS, MIN_PASSPHRASE_CHARS, NoProfileError,
  ProfileExistsError, readBackup, restoreBackup, WrongPassphraseError, type BackupContents
} from '../../../src/lib/db/backup.ts'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import { storeEvent } from '../../../src/lib/db/events.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { noticeRow, outgoingFileRow, queueOutgoing, setMessageState } from '../../../src/lib/db/messages.ts'
import { storeIncoming } from '../../../src/lib/db/messages-incoming.ts'
import { saveProfile } from '../../../src/lib/db/profile.ts'
import { syncDefaultRelays } from '../../../src/lib/db/relays.ts'
import { awaitsAcks } from '../../../src/lib/db/pending-rows.ts'
import { offerReady, storeOutgoingFile } from '../../../src/lib/db/transfers-outgoing.ts'
import { storeIncomingFile } from '../../../src/lib/db/transfers-incoming.ts'
import { outgoingTransferRow } from '../../../src/lib/db/transfer-rows.ts'
import { addTurnServer, listTurnServers } from '../../../src/lib/db/turn-servers.ts'
import type { ContactId, ContactRow, EventRow, FileOffer, MessageId, MessageRow, ProfileRow, RelayRow } from '../../../src/lib/db/types.ts'
import type { PrekeyRow, SessionRow } from '../../../src/lib/db/session-types.ts'
import { openTestDb } from './helpers.ts'
import { holdsBytes } from '../../support/raw-idb.ts'
import { refusedWith, rejectionWords } from '../../support/words.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { callRecordRow } from '../../../src/lib/p2p/calls/call-log.ts'

const PASSPHRASE = 'correct horse battery'
/** Low enough to keep the suite fast; the default is checked on its own (backup-kdf.test.ts). */
const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const WRONG = 'The passphrase is wrong, or the file was changed.'
const DEFAULT_RELAY = '/dns4/default.example/tcp/443/wss/p2p/12D3KooWDefault'
const USER_RELAY: RelayRow = {
  multiaddr: '/dns4/mine.example/tcp/443/wss/p2p/12D3KooWMine', peerId: '12D3KooWMine', source: 'user', active: false, lastRtt: 12.5, failures: 2
}
const FOUND_RELAY: RelayRow = {
  multiaddr: '/ip4/10.0.0.5/tcp/4001/ws/p2p/12D3KooWFound', peerId: '12D3KooWFound', source: 'discovered', active: true, lastConnected: 900, failures: 0
}

const encoder = new TextEncoder()

interface Identity { peerId: string, privateKey: Uint8Array, publicKey: Uint8Array }

async function identity (): Promise<Identity> {
  const key = await generateKeyPair('Ed25519')
  return { peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), publicKey: publicKeyToProtobuf(key.publicKey) }
}

interface Source { db: ParleyDb, profile: ProfileRow, alice: ContactId, bob: ContactId }

/** A database with every kind of row: two contacts (one with every optional field), three relays, messages in several states. */
async function seedSource (): Promise<Source> {
  const db = await openTestDb()
  const me = await identity()
  const profile: ProfileRow = { id: 1, peerId: me.peerId, privateKey: me.privateKey, username: 'Me', createdAt: 100 }
  await saveProfile(db, profile)

  const a = await identity()
  const b = await identity()
  const alice = await upsertContact(db, { peerId: a.peerId, username: 'alice', addresses: [`/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay/p2p-circuit/p2p/${a.peerId}`], publicKey: a.publicKey, now: 200 })
  await db.contacts.update(alice, { nickname: 'Ally', notes: 'from school', verified: true, status: 'online', lastSeen: 250, helloPending: true })
  const bob = await upsertContact(db, { peerId: b.peerId, username: 'bob', addresses: [], now: 300 })
  await db.contacts.update(bob, { state: 'declined', rerequests: 2, blocked: true })

  await syncDefaultRelays(db, [DEFAULT_RELAY])
  await db.relays.bulkAdd([USER_RELAY, FOUND_RELAY])

  const read = await queueOutgoing(db, { contactId: alice, fromPeerId: me.peerId, body: 'hi alice', now: 1_000 })
  await setMessageState(db, read.id, 'read', 1_500)
  await queueOutgoing(db, { contactId: bob, fromPeerId: me.peerId, body: 'still queued', now: 1_100 })
  await storeIncoming(db, { id: '01JD00000000000000000000A1' as MessageId, contactId: alice, fromPeerId: a.peerId, body: 'hello 👋', sentAt: 1_200, receivedAt: 1_210 })
  await setMessageState(db, '01JD00000000000000000000A1' as MessageId, 'read', 1_300)
  await storeIncoming(db, { id: '01JD00000000000000000000B1' as MessageId, contactId: bob, fromPeerId: b.peerId, body: '', sentAt: 1_400, receivedAt: 1_405 })
  return { db, profile, alice, bob }
}

/**
 * A row as a restore writes it: which of the contact's devices still wait for
 * it is this device's own, not in the file; a row still waiting for an ack
 * waits for the contact's devices again (db/pending-rows.ts), the others for none.
 */
function asRestored (row: MessageRow): MessageRow {
  if (awaitsAcks(row)) return row
  const { pendingDevices: _pending, storedDevices: _stored, ...rest } = row
  return rest
}

// ---- the file format, re-implemented from docs/protocols.md ("Identity backup file")

interface Envelope {
  format: unknown
  v: unknown
  kdf: { name: string, version: number, memoryKiB: number, iterations: number, parallelism: number, salt: string }
  cipher: { name: string, iv: string }
  data: string
  [extra: string]: unknown
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const unb64 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(text, 'base64'))
const parseFile = (file: Uint8Array): Envelope => JSON.parse(new TextDecoder().decode(file)) as Envelope
const encodeFile = (envelope: unknown): Uint8Array => encoder.encode(JSON.stringify(envelope))

async function documentedKey (passphrase: string, kdf: Envelope['kdf']): Promise<CryptoKey> {
  const raw = argon2id(encoder.encode(passphrase.normalize('NFC')), unb64(kdf.salt), { m: kdf.memoryKiB, t: kdf.iterations, p: kdf.parallelism, dkLen: 32 })
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

/** The additional data: the header fields, compact JSON, in the documented order. */
function documentedHeader (e: Envelope): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify({
    format: e.format,
    v: e.v,
    kdf: { name: e.kdf.name, version: e.kdf.version, memoryKiB: e.kdf.memoryKiB, iterations: e.kdf.iterations, parallelism: e.kdf.parallelism, salt: e.kdf.salt },
    cipher: { name: e.cipher.name, iv: e.cipher.iv }
  }))
}

async function decryptFile (file: Uint8Array, passphrase: string, withHeader = true): Promise<Record<string, unknown>> {
  const e = parseFile(file)
  const params: AesGcmParams = { name: 'AES-GCM', iv: unb64(e.cipher.iv) }
  if (withHeader) params.additionalData = documentedHeader(e)
  const plain = await crypto.subtle.decrypt(params, await documentedKey(passphrase, e.kdf), unb64(e.data))
  return JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>
}

/** A valid file around any plaintext: how a faulty or hostile writer would make one. */
async function sealContents (contents: unknown, passphrase = PASSPHRASE): Promise<Uint8Array> {
  const e: Envelope = {
    format: 'parley-backup',
    v: 2,
    kdf: { name: 'Argon2id', version: 19, ...FAST, salt: b64(crypto.getRandomValues(new Uint8Array(16))) },
    cipher: { name: 'AES-GCM', iv: b64(crypto.getRandomValues(new Uint8Array(12))) },
    data: ''
  }
  const cipher = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: unb64(e.cipher.iv), additionalData: documentedHeader(e) },
    await documentedKey(passphrase, e.kdf),
    encoder.encode(JSON.stringify(contents)))
  e.data = b64(new Uint8Array(cipher))
  return encodeFile(e)
}

function tamper (file: Uint8Array, edit: (e: Envelope) => void): Uint8Array {
  const e = parseFile(file)
  edit(e)
  return encodeFile(e)
}

function flipFirstByte (base64: string): string {
  const bytes = unb64(base64)
  bytes[0] = (bytes[0] ?? 0) ^ 0x01
  return b64(bytes)
}

async function expectEmpty (db: ParleyDb): Promise<void> {
  expect(await db.profile.count()).toBe(0)
  expect(await db.contacts.count()).toBe(0)
  expect(await db.relays.count()).toBe(0)
  expect(await db.messages.count()).toBe(0)
}

// ----

let source: Source
let target: ParleyDb

beforeEach(async () => {
  source = await seedSource()
  target = await openTestDb()
})
afterEach(() => {
  source.db.close()
  target.close()
})

async function fastExport (includeHistory = true): Promise<Uint8Array> {
  return exportBackup(source.db, PASSPHRASE, { includeHistory, cost: FAST, now: 5_000 })
}

describe('round trip', () => {
  it('restores the identity, contacts, relays and history into a fresh database', async () => {
    const contents = await readBackup(await fastExport(), PASSPHRASE)
    expect(contents).toMatchObject({ exportedAt: 5_000, includesHistory: true })
    // at rest the identity is sealed (db/vault.ts); the file carries it itself, under its passphrase
    const [stored] = await source.db.profile.toCollection().raw().toArray()
    expect(holdsBytes(stored, source.profile.privateKey)).toBe(false)
    expect(contents.profile.privateKey).toEqual(source.profile.privateKey)
    await restoreBackup(target, contents)
    const [restoredAtRest] = await target.profile.toCollection().raw().toArray()
    expect(holdsBytes(restoredAtRest, source.profile.privateKey)).toBe(false)

    const restored = await target.profile.get(1)
    expect(restored).toEqual(source.profile)
    expect(restored?.privateKey).toEqual(source.profile.privateKey)
    // The restored key is the same libp2p identity.
    expect(peerIdFromPrivateKey(privateKeyFromProtobuf(restored?.privateKey ?? new Uint8Array())).toString()).toBe(source.profile.peerId)

    const contacts = await source.db.contacts.toArray()
    expect(contacts.find((c) => c.id === source.alice)?.status).toBe('online')
    expect(await target.contacts.toArray()).toEqual(contacts.map((c): ContactRow => ({ ...c, status: 'offline' })))
    expect(await target.messages.orderBy('id').toArray()).toEqual((await source.db.messages.orderBy('id').toArray()).map(asRestored))
    expect(await target.messages.count()).toBe(4)
    // Shipped defaults come from the importing app's config, not the file.
    expect(await target.relays.orderBy('multiaddr').toArray()).toEqual([FOUND_RELAY, USER_RELAY].sort((x, y) => x.multiaddr < y.multiaddr ? -1 : 1))
  })

  it('leaves the user\'s TURN servers on this device: the file carries none, a restore adds none', async () => {
    await addTurnServer(source.db, { url: 'turn:turn.example.org:3478', username: 'me', credential: 'turn-secret-1' }, 10)
    const file = await fastExport()
    const plain = JSON.stringify(await decryptFile(file, PASSPHRASE))
    expect(plain).not.toContain('turn-secret-1')
    expect(plain).not.toContain('turn.example.org')
    expect(Object.keys(await decryptFile(file, PASSPHRASE)).sort()).toEqual(['contacts', 'exportedAt', 'messages', 'profile', 'relays', 'v'])

    await restoreBackup(target, await readBackup(file, PASSPHRASE))
    expect(await listTurnServers(target)).toEqual([])
  })

  it('without history carries no messages, and new contacts continue after the restored ids', async () => {
    const contents = await readBackup(await fastExport(false), PASSPHRASE)
    expect(contents.includesHistory).toBe(false)
    expect(contents.messages).toEqual([])
    await restoreBackup(target, contents)

    expect(await target.messages.count()).toBe(0)
    expect((await target.contacts.toArray()).map((c) => c.id)).toEqual([source.alice, source.bob])
    expect(await target.profile.get(1)).toEqual(source.profile)
    const next = await upsertContact(target, { peerId: '12D3KooWNew', username: 'new', addresses: [] })
    expect(next).toBeGreaterThan(source.bob)
  })

  it('pages through a history longer than one read', async () => {
    const alice = await source.db.contacts.get(source.alice)
    const rows = Array.from({ length: 2_500 }, (_, i): MessageRow => ({
      id: `01JE${String(i).padStart(22, '0')}` as MessageId,
      contactId: source.alice,
      direction: 'in',
      fromPeerId: alice?.peerId ?? '',
      kind: 'text',
      body: `message ${i}`,
      sentAt: 2_000 + i,
      receivedAt: 2_001 + i,
      state: 'delivered'
    }))
    await source.db.messages.bulkAdd(rows)

    await restoreBackup(target, await readBackup(await fastExport(), PASSPHRASE))
    expect(await target.messages.count()).toBe(2_504)
    expect(await target.messages.orderBy('id').toArray()).toEqual((await source.db.messages.orderBy('id').toArray()).map(asRestored))
  })

  it('writes the documented envelope, decryptable from the document alone and only with the header as additional data', async () => {
    const file = await fastExport()
    const e = parseFile(file)
    expect(Object.keys(e)).toEqual(['format', 'v', 'kdf', 'cipher', 'data'])
    expect(e).toMatchObject({ format: 'parley-backup', v: 2, kdf: { name: 'Argon2id', version: 19, ...FAST }, cipher: { name: 'AES-GCM' } })
    expect(Object.keys(e.kdf)).toEqual(['name', 'version', 'memoryKiB', 'iterations', 'parallelism', 'salt'])
    expect(unb64(e.kdf.salt)).toHaveLength(16)
    expect(unb64(e.cipher.iv)).toHaveLength(12)

    const plain = await decryptFile(file, PASSPHRASE)
    expect(Object.keys(plain)).toEqual(['v', 'exportedAt', 'profile', 'contacts', 'relays', 'messages'])
    expect(plain.profile).toEqual({ peerId: source.profile.peerId, privateKey: b64(source.profile.privateKey), username: 'Me', createdAt: 100 })
    await expect(decryptFile(file, PASSPHRASE, false)).rejects.toMatchObject({ name: 'OperationError' })
  })

  it('draws a new salt and IV for every file', async () => {
    const [one, two] = [parseFile(await fastExport()), parseFile(await fastExport())]
    expect(one.kdf.salt).not.toBe(two.kdf.salt)
    expect(one.cipher.iv).not.toBe(two.cipher.iv)
  })

  it('accepts the passphrase in another Unicode normal form', async () => {
    const composed = 'crème brûlée'.normalize('NFC')
    const file = await exportBackup(source.db, composed, { includeHistory: false, cost: FAST })
    const contents = await readBackup(file, composed.normalize('NFD'))
    expect(contents.profile.peerId).toBe(source.profile.peerId)
  })
})

describe('passphrase', () => {
  it('refuses an empty, short or overlong passphrase for a new backup', async () => {
    expect(MIN_PASSPHRASE_CHARS).toBe(12)
    await expect(exportBackup(source.db, '', { includeHistory: false, cost: FAST }))
      .rejects.toThrow(refusedWith('InvalidPassphraseError', 'Choose a passphrase to protect the backup.'))
    // eight characters were enough before issue 57; eleven are not now
    await expect(exportBackup(source.db, 'elevenchars', { includeHistory: false, cost: FAST }))
      .rejects.toThrow(refusedWith('InvalidPassphraseError', 'The passphrase must be at least 12 characters long.'))
    await expect(exportBackup(source.db, 'x'.repeat(MAX_PASSPHRASE_CHARS + 1), { includeHistory: false, cost: FAST }))
      .rejects.toThrow(refusedWith('InvalidPassphraseError', `The passphrase must be at most ${MAX_PASSPHRASE_CHARS} characters long.`))
    expect(await readBackup(await exportBackup(source.db, 'twelve chars', { includeHistory: false, cost: FAST }), 'twelve chars')).toMatchObject({ includesHistory: false })
    await expect(readBackup(await fastExport(), '')).rejects.toMatchObject({ name: 'InvalidPassphraseError' })
  })

  it('reports a wrong passphrase in words and leaves the target database empty', async () => {
    const file = await fastExport()
    const err: unknown = await readBackup(file, 'not the passphrase').then((c) => restoreBackup(target, c), (e: unknown) => e)
    expect(err).toBeInstanceOf(WrongPassphraseError)
    expect(err).toMatchObject({ name: 'WrongPassphraseError', code: 'backupWrongPassphrase' })
    expect(textOfError(err)).toBe(WRONG)
    await expectEmpty(target)
  })
})

describe('a changed file fails to decrypt', () => {
  const edits: Array<[string, (e: Envelope) => void]> = [
    ['a byte of the ciphertext', (e) => { e.data = flipFirstByte(e.data) }],
    ['the tag cut short', (e) => { e.data = b64(unb64(e.data).subarray(0, -3)) }],
    ['a byte of the IV', (e) => { e.cipher.iv = flipFirstByte(e.cipher.iv) }],
    ['a byte of the salt (header)', (e) => { e.kdf.salt = flipFirstByte(e.kdf.salt) }],
    ['the passes (header)', (e) => { e.kdf.iterations += 1 }],
    ['the memory (header)', (e) => { e.kdf.memoryKiB += 8 }],
    ['the lanes (header)', (e) => { e.kdf.parallelism += 1 }]
  ]
  it.each(edits)('%s', async (_what, edit) => {
    const file = tamper(await fastExport(), edit)
    await expect(readBackup(file, PASSPHRASE)).rejects.toThrow(refusedWith('WrongPassphraseError', WRONG))
  })
})

describe('damaged and foreign files', () => {
  it.each<[string, () => Promise<Uint8Array>, RegExp]>([
    ['an empty file', async () => new Uint8Array(), /^The file is empty\.$/],
    ['binary data', async () => Uint8Array.from([0xff, 0xfe, 0x00]), /not a Parley backup file: it is not text/],
    ['plain text', async () => encoder.encode('hello'), /not a Parley backup file: it is not JSON/],
    ['a truncated file', async () => (await fastExport()).subarray(0, 200), /incomplete: it was cut off/],
    ['other JSON', async () => encoder.encode('{"hello":1}'), /^This is not a Parley backup file\.$/],
    ['a JSON list', async () => encoder.encode('[]'), /^This is not a Parley backup file\.$/],
    ['a newer version', async () => tamper(await fastExport(), (e) => { e.v = 3 }), /newer version of Parley \(file version 3\); this version reads version 2/],
    ['a version that never existed', async () => tamper(await fastExport(), (e) => { e.v = '1' }), /unsupported file version \("1"\)/],
    ['an unknown header field', async () => tamper(await fastExport(), (e) => { e.note = 'x' }), /damaged: the file has an unknown field "note"/],
    ['a short salt', async () => tamper(await fastExport(), (e) => { e.kdf.salt = b64(new Uint8Array(8)) }), /"salt" is not 16 bytes of base64/],
    ['an IV that is not base64', async () => tamper(await fastExport(), (e) => { e.cipher.iv = 'not base64!!' }), /"iv" is not 12 bytes of base64/],
    ['another cipher', async () => tamper(await fastExport(), (e) => { e.cipher.name = 'AES-CBC' }), /the cipher is not AES-GCM/],
    ['passes that are not a whole number', async () => tamper(await fastExport(), (e) => { e.kdf.iterations = 1.5 }), /"iterations" is not a whole number/],
    ['another Argon2 version', async () => tamper(await fastExport(), (e) => { e.kdf.version = 16 }), /"version" is not 19/],
    ['less than 8 KiB of memory per lane', async () => tamper(await fastExport(), (e) => { e.kdf.parallelism = 9 }), /less than 8 KiB per lane/],
    ['a version 2 file with the PBKDF2 of version 1', async () => tamper(await fastExport(), (e) => { e.kdf = { name: 'PBKDF2', hash: 'SHA-256', iterations: 1000, salt: e.kdf.salt } as unknown as Envelope['kdf'] }), /"kdf" has no "version"/],
    ['data with whitespace', async () => tamper(await fastExport(), (e) => { e.data = ` ${e.data}` }), /"data" is not base64/]
  ])('refuses %s with a CorruptBackupError that says why', async (_what, make, message) => {
    const err: unknown = await readBackup(await make(), PASSPHRASE).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CorruptBackupError)
    expect(err).toMatchObject({ name: 'CorruptBackupError' })
    expect(textOfError(err)).toMatch(message)
  })

  it('refuses a file over MAX_BACKUP_BYTES without reading it', async () => {
    await expect(readBackup(new Uint8Array(MAX_BACKUP_BYTES + 1), PASSPHRASE))
      .rejects.toThrow(refusedWith('BackupTooLargeError', 'The file is 257 MiB; a Parley backup is at most 256 MiB.'))
  })
})

describe('contents are checked row by row', () => {
  type Plain = Record<string, unknown> & { contacts: Array<Record<string, unknown>>, relays: Array<Record<string, unknown>>, messages: Array<Record<string, unknown>>, profile: Record<string, unknown> }
  const first = <T>(list: T[]): T => {
    const item = list[0]
    if (item === undefined) throw new Error('seed has no rows')
    return item
  }

  it.each<[string, (p: Plain) => void, string]>([
    ['a contact state', (p) => { first(p.contacts).state = 'friend' }, 'contact 1: "state" is "friend", not one of requested, pending, accepted, declined'],
    ['an unknown message field', (p) => { first(p.messages).extra = 1 }, 'message 1: it has an unknown field "extra"'],
    ['a message without a contact', (p) => { first(p.messages).contactId = 999 }, 'message 1: its contact 999 is not in the backup'],
    ['a message not from its contact', (p) => { p.messages.forEach((m) => { if (m.direction === 'in') m.fromPeerId = '12D3KooWSomeoneNew' }) }, 'an incoming message is not from its contact\'s PeerID'],
    ['a duplicate contact id', (p) => { p.contacts.push({ ...first(p.contacts), peerId: '12D3KooWAnother' }) }, 'contact 3: id 1 is used twice'],
    ['a PeerID not matching the key', (p) => { p.profile.peerId = '12D3KooWBm4WMaQeisAuULeqr9Kb1kPPd1odDd72ReVAR6rJe9ij' }, 'the profile: "peerId" is not the PeerID of "privateKey"'],
    ['a private key of another type', (p) => { p.profile.privateKey = b64(new Uint8Array(68)) }, 'the profile: "privateKey" is not an Ed25519 key'],
    ['a shipped default relay', (p) => { first(p.relays).source = 'default' }, 'relay 1: "source" is "default", not one of user, discovered'],
    ['a relay PeerID not in its address', (p) => { first(p.relays).peerId = '12D3KooWRest' }, 'relay 1: "multiaddr" does not end in /p2p/'],
    ['a negative time', (p) => { first(p.contacts).addedAt = -1 }, 'contact 1: "addedAt" is not a whole number'],
    ['a null optional field', (p) => { first(p.contacts).nickname = null }, 'contact 1: "nickname" is not text'],
    ['a missing field', (p) => { delete first(p.messages).body }, 'message 1: it has no "body"'],
    ['a newer contents version', (p) => { p.v = 2 }, 'newer version of Parley (contents version 2)']
  ])('refuses %s and names the problem', async (_what, spoil, message) => {
    const plain = await decryptFile(await fastExport(), PASSPHRASE) as Plain
    spoil(plain)
    const err: unknown = await readBackup(await sealContents(plain), PASSPHRASE).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CorruptBackupError)
    expect(textOfError(err)).toContain(message)
  })

  it('accepts the same contents re-sealed unchanged (the cases above fail only for their change)', async () => {
    const plain = await decryptFile(await fastExport(), PASSPHRASE)
    const contents = await readBackup(await sealContents(plain), PASSPHRASE)
    expect(contents.contacts).toHaveLength(2)
  })

  it('refuses more rows than a backup may hold', async () => {
    const plain = await decryptFile(await fastExport(), PASSPHRASE) as Plain
    plain.relays = Array.from({ length: MAX_BACKUP_RELAYS + 1 }, () => first(plain.relays))
    await expect(readBackup(await sealContents(plain), PASSPHRASE)).rejects.toThrow(
      refusedWith('BackupTooLargeError', new RegExp(`holds ${MAX_BACKUP_RELAYS + 1} relays`)))
  })
})

describe('file messages', () => {
  const OFFER: FileOffer = {
    sha256: 'c'.repeat(64), size: 300_000, name: 'holiday photo.jpg', mime: 'image/jpeg', chunkSize: 262_144, listHash: 'd'.repeat(64),
    thumb: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), thumbMime: 'image/jpeg', width: 4_000, height: 3_000
  }
  const INCOMING_ID = '01JD00000000000000000000C1' as MessageId

  /** Adds an outgoing file that is offered, one still being hashed, and a received one (each with a transfer row). */
  async function seedFiles (): Promise<void> {
    const me = source.profile.peerId
    const offered = outgoingFileRow({ contactId: source.alice, fromPeerId: me, file: { ...OFFER, sha256: '', listHash: '' }, body: 'our trip', now: 3_000 })
    await storeOutgoingFile(source.db, offered, outgoingTransferRow(offered, 'opfs', 3_000))
    await offerReady(source.db, offered.id, { sha256: OFFER.sha256, listHash: OFFER.listHash, chunkSize: OFFER.chunkSize, chunkCount: 2, hashes: new Uint8Array(64) })
    const hashing = outgoingFileRow({ contactId: source.alice, fromPeerId: me, file: { sha256: '', size: 0, name: 'empty', mime: 'application/octet-stream', chunkSize: 0, listHash: '' }, now: 3_100 })
    await storeOutgoingFile(source.db, hashing, outgoingTransferRow(hashing, 'idb', 3_100))
    const alice = await source.db.contacts.get(source.alice)
    await storeIncomingFile(source.db, {
      id: INCOMING_ID, contactId: source.alice, fromPeerId: alice?.peerId ?? '', body: '', sentAt: 3_200, receivedAt: 3_210,
      file: { sha256: 'e'.repeat(64), size: 5, name: 'notes.txt', mime: 'text/plain', chunkSize: 262_144, listHash: 'f'.repeat(64) },
      store: 'idb'
    })
  }

  it('round-trips the offers with their thumbnails; transfers are not backed up', async () => {
    await seedFiles()
    const contents = await readBackup(await fastExport(), PASSPHRASE)
    await restoreBackup(target, contents)

    const sourceMessages = await source.db.messages.orderBy('id').toArray()
    expect(sourceMessages.filter((m) => m.kind === 'file')).toHaveLength(3)
    // outgoing offers not yet delivered cannot be served from a backup: they come back failed
    expect(await target.messages.orderBy('id').toArray()).toEqual(sourceMessages.map(m =>
      asRestored(m.kind === 'file' && m.direction === 'out' ? { ...m, state: 'failed' } : m)))
    const restored = await target.messages.get(INCOMING_ID)
    expect(restored?.file).toMatchObject({ name: 'notes.txt', size: 5 })
    const withThumb = (await target.messages.toArray()).find((m) => m.file?.thumb !== undefined)
    expect(withThumb?.file).toEqual(OFFER)
    expect(withThumb?.file?.thumb).toBeInstanceOf(Uint8Array)
    expect(await source.db.transfers.count()).toBe(3)
    expect(await target.transfers.count()).toBe(0)
    expect(await target.transferHashes.count()).toBe(0)
  })

  type Message = Record<string, unknown> & { file?: Record<string, unknown> }
  type Plain = Record<string, unknown> & { messages: Message[] }
  const fileMessage = (p: Plain, name: string): Message => {
    const found = p.messages.find((m) => m.file?.name === name)
    if (found === undefined) throw new Error(`no file message ${name}`)
    return found
  }
  const fileOf = (m: Message): Record<string, unknown> => {
    if (m.file === undefined) throw new Error('not a file message')
    return m.file
  }

  it.each<[string, (p: Plain) => void, string]>([
    ['a name with a path separator', (p) => { fileOf(fileMessage(p, 'notes.txt')).name = '../notes.txt' }, '"file": "name" has a path separator or a control character'],
    ['a name with a control character', (p) => { fileOf(fileMessage(p, 'notes.txt')).name = 'notes\u0000.txt' }, '"name" has a path separator or a control character'],
    ['an empty name', (p) => { fileOf(fileMessage(p, 'notes.txt')).name = '' }, '"file": "name" has 0 characters, not 1 to 255'],
    ['an uppercase hash', (p) => { fileOf(fileMessage(p, 'notes.txt')).sha256 = 'E'.repeat(64) }, '"file": "sha256" is not 64 lowercase hex digits'],
    ['an incoming file without a hash', (p) => { Object.assign(fileOf(fileMessage(p, 'notes.txt')), { sha256: '', listHash: '' }) }, '"file": an incoming file has no "sha256"'],
    ['one hash without the other', (p) => { fileOf(fileMessage(p, 'notes.txt')).listHash = '' }, '"file": only one of "sha256" and "listHash" is set'],
    ['a fractional size', (p) => { fileOf(fileMessage(p, 'notes.txt')).size = 1.5 }, '"file": "size" is not a whole number'],
    ['a zero chunk size on a prepared file', (p) => { fileOf(fileMessage(p, 'notes.txt')).chunkSize = 0 }, '"file": "chunkSize" is not a whole number from 1'],
    ['a media type with parameters', (p) => { fileOf(fileMessage(p, 'notes.txt')).mime = 'text/plain; charset=utf-8' }, '"file": "mime" is "text/plain; charset=utf-8", not a lowercase type/subtype'],
    ['a thumbnail without its type', (p) => { delete fileOf(fileMessage(p, 'holiday photo.jpg')).thumbMime }, '"file": "thumb" and "thumbMime" come together'],
    ['an SVG thumbnail', (p) => { fileOf(fileMessage(p, 'holiday photo.jpg')).thumbMime = 'image/svg+xml' }, '"file": "thumbMime" is "image/svg+xml", not one of image/jpeg, image/png, image/webp'],
    ['an oversized thumbnail', (p) => { fileOf(fileMessage(p, 'holiday photo.jpg')).thumb = b64(new Uint8Array(64 * 1024 + 1)) }, '"file": "thumb" has 65537 bytes, not 1 to 65536'],
    ['a width without a height', (p) => { delete fileOf(fileMessage(p, 'holiday photo.jpg')).height }, '"file": "width" and "height" come together'],
    ['a zero width', (p) => { fileOf(fileMessage(p, 'holiday photo.jpg')).width = 0 }, '"file": "width" is not a whole number from 1'],
    ['an unknown offer field', (p) => { fileOf(fileMessage(p, 'notes.txt')).path = '/tmp' }, '"file": it has an unknown field "path"'],
    ['an offer that is not an object', (p) => { fileMessage(p, 'notes.txt').file = 'notes.txt' as unknown as Record<string, unknown> }, '"file": it is not an object'],
    ['a file message without an offer', (p) => { delete fileMessage(p, 'notes.txt').file }, 'a file message has no "file"'],
    ['a text message with an offer', (p) => { fileMessage(p, 'notes.txt').kind = 'text' }, 'a text message has a "file"'],
    ['another kind', (p) => { fileMessage(p, 'notes.txt').kind = 'voice' }, '"kind" is "voice", not one of text, file, call']
  ])('refuses %s and names the problem', async (_what, spoil, message) => {
    await seedFiles()
    const plain = await decryptFile(await fastExport(), PASSPHRASE) as Plain
    spoil(plain)
    const err: unknown = await readBackup(await sealContents(plain), PASSPHRASE).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CorruptBackupError)
    expect(textOfError(err)).toMatch(/^The backup is damaged: message \d+/)
    expect(textOfError(err)).toContain(message)
  })

  it('accepts the file messages re-sealed unchanged (the cases above fail only for their change)', async () => {
    await seedFiles()
    const plain = await decryptFile(await fastExport(), PASSPHRASE)
    const contents = await readBackup(await sealContents(plain), PASSPHRASE)
    expect(contents.messages.filter((m) => m.kind === 'file')).toHaveLength(3)
  })

  it('refuses to export a file message a backup could not carry', async () => {
    await seedFiles()
    await source.db.messages.update(INCOMING_ID, { file: { ...OFFER, name: 'a/b' } })
    await expect(fastExport()).rejects.toThrow(refusedWith('BackupExportError', /^This browser's data cannot be backed up: message \d+, "file": "name" has a path separator/))
  })
})

describe('message actions', () => {
  const A1 = '01JD00000000000000000000A1' as MessageId
  const GONE = '01JD00000000000000000000A2' as MessageId
  const VOICE = '01JD00000000000000000000A3' as MessageId
  const VOICE_OFFER: FileOffer = {
    sha256: '1'.repeat(64), size: 30_000, name: 'voice.webm', mime: 'audio/webm', chunkSize: 262_144, listHash: '2'.repeat(64),
    voice: { durationMs: 4_250, waveform: Uint8Array.from([0, 12, 255, 40]) }
  }
  interface Seeded { alicePeer: string, ours: MessageId, reply: MessageId, disappearing: MessageId[] }

  /**
   * On top of seedSource: alice reacts to our message and edits hers, we react
   * to hers (still queued) and reply to it, alice deletes a message for
   * everyone, sets the chat's timer and sends a voice note; and one
   * disappearing message each way.
   */
  async function seedActions (): Promise<Seeded> {
    const db = source.db
    const me = source.profile.peerId
    const alicePeer = (await db.contacts.get(source.alice))?.peerId ?? ''
    const ours = (await db.messages.toArray()).find(m => m.body === 'hi alice')?.id ?? ('' as MessageId)
    const event = (id: string, fields: Partial<EventRow> & Pick<EventRow, 'kind' | 'targets' | 'sentAt'>): EventRow => ({
      id, contactId: source.alice, direction: 'in', fromPeerId: alicePeer, receivedAt: fields.sentAt + 5, state: 'delivered', ...fields
    })
    await storeIncoming(db, { id: GONE, contactId: source.alice, fromPeerId: alicePeer, body: 'oops', sentAt: 1_600, receivedAt: 1_605 })
    for (const e of [
      event('01JD0000000000000000000E01', { kind: 'reaction', targets: [ours], sentAt: 1_700, emoji: '❤️' }),
      event('01JD0000000000000000000E02', { kind: 'edit', targets: [A1], sentAt: 1_710, text: 'hello 👋 (edited)' }),
      event('01JD0000000000000000000E03', { kind: 'delete', targets: [GONE], sentAt: 1_720 }),
      event('01JD0000000000000000000E04', { kind: 'timer', targets: [], sentAt: 1_730, ttl: 3_600 }),
      { ...event('01JD0000000000000000000E05', { kind: 'reaction', targets: [A1], sentAt: 1_740, emoji: '👍🏽' }), direction: 'out' as const, fromPeerId: me, state: 'queued' as const, receivedAt: undefined }
    ]) {
      expect((await storeEvent(db, e)).outcome).not.toBe('not-allowed')
    }
    const reply = await queueOutgoing(db, { contactId: source.alice, fromPeerId: me, body: 'that one', replyTo: A1, now: 1_800 })
    await db.messages.update(reply.id, { state: 'delivered', deliveredAt: 1_850 })
    await storeIncomingFile(db, { id: VOICE, contactId: source.alice, fromPeerId: alicePeer, body: '', sentAt: 1_900, receivedAt: 1_905, file: VOICE_OFFER, store: 'idb' })
    const gone1 = await queueOutgoing(db, { contactId: source.alice, fromPeerId: me, body: 'see you in 5 min', ttl: 300, now: 2_000 })
    const gone2 = '01JD00000000000000000000A4' as MessageId
    await storeIncoming(db, { id: gone2, contactId: source.alice, fromPeerId: alicePeer, body: 'secret', sentAt: 2_100, receivedAt: 2_105, ttl: 3_600 })
    return { alicePeer, ours, reply: reply.id, disappearing: [gone1.id, gone2] }
  }

  it('round-trips replies, reactions, edits, deletes, the chat timer and voice notes; leaves out disappearing messages and the events', async () => {
    const seeded = await seedActions()
    const sourceMessages = await source.db.messages.orderBy('id').toArray()
    expect(sourceMessages.filter(m => m.expiresAt !== undefined).map(m => m.id).sort()).toEqual([...seeded.disappearing].sort())
    expect(await source.db.events.count()).toBe(5)

    const file = await fastExport()
    const plain = JSON.stringify(await decryptFile(file, PASSPHRASE))
    for (const id of seeded.disappearing) expect(plain).not.toContain(id)
    expect(plain).not.toContain('see you in 5 min')
    expect(plain).not.toContain('"expiresAt"')
    await restoreBackup(target, await readBackup(file, PASSPHRASE))

    const kept = sourceMessages.filter(m => m.expiresAt === undefined)
    expect(await target.messages.orderBy('id').toArray()).toEqual(kept.map(asRestored))
    expect(await target.contacts.toArray()).toEqual((await source.db.contacts.toArray()).map((c): ContactRow => ({ ...c, status: 'offline' })))
    // pending and applied events are not carried: what they did is on the rows
    expect(await target.events.count()).toBe(0)

    const restored = async (id: MessageId): Promise<MessageRow | undefined> => target.messages.get(id)
    expect((await restored(seeded.ours))?.reactions).toEqual([{ from: seeded.alicePeer, emoji: '❤️', id: '01JD0000000000000000000E01', sentAt: 1_700 }])
    expect(await restored(A1)).toMatchObject({
      body: 'hello 👋 (edited)', edit: { id: '01JD0000000000000000000E02', sentAt: 1_710 },
      reactions: [{ from: source.profile.peerId, emoji: '👍🏽', id: '01JD0000000000000000000E05', sentAt: 1_740 }]
    })
    expect(await restored(GONE)).toMatchObject({ kind: 'text', body: '', deleted: { id: '01JD0000000000000000000E03', sentAt: 1_720 } })
    expect(await restored(seeded.reply)).toMatchObject({ replyTo: A1, state: 'delivered', deliveredAt: 1_850 })
    expect((await restored(VOICE))?.file).toEqual(VOICE_OFFER)
    expect((await restored(VOICE))?.file?.voice?.waveform).toBeInstanceOf(Uint8Array)
    expect((await target.contacts.get(source.alice))?.timer).toEqual({ ttl: 3_600, by: seeded.alicePeer, id: '01JD0000000000000000000E04', sentAt: 1_730 })
  })

  type Message = Record<string, unknown> & { file?: Record<string, unknown>, reactions?: Array<Record<string, unknown>> }
  type Plain = Record<string, unknown> & { messages: Message[], contacts: Array<Record<string, unknown>> }
  const byId = (p: Plain, id: string): Message => {
    const found = p.messages.find(m => m.id === id)
    if (found === undefined) throw new Error(`no message ${id}`)
    return found
  }
  const reactionsOf = (m: Message): Array<Record<string, unknown>> => m.reactions ?? []
  const timerOf = (p: Plain): Record<string, unknown> => p.contacts.find(c => c.username === 'alice')?.timer as Record<string, unknown>
  const voiceOf = (p: Plain): Record<string, unknown> => byId(p, VOICE).file?.voice as Record<string, unknown>
  const stranger = '12D3KooWBm4WMaQeisAuULeqr9Kb1kPPd1odDd72ReVAR6rJe9ij'

  it.each<[string, (p: Plain, s: Seeded) => void, string]>([
    ['a disappearing message (ttl)', (p) => { byId(p, A1).ttl = 300 }, 'it is a disappearing message ("ttl", "expiresAt"), which a backup never holds'],
    ['a disappearing message (expiresAt)', (p) => { byId(p, A1).expiresAt = 9_000 }, 'it is a disappearing message'],
    ['a group message', (p) => { Object.assign(byId(p, A1), { groupId: 'a'.repeat(32), lamport: 3 }) }, 'it is a group message ("groupId"), which a backup does not hold'],
    ['a replyTo that is not a ULID', (p, s) => { byId(p, s.reply).replyTo = 'A1' }, '"replyTo" is not a ULID'],
    ['a reply to itself', (p, s) => { byId(p, s.reply).replyTo = s.reply }, 'it replies to itself'],
    ['an incoming message with deliveredAt', (p) => { byId(p, A1).deliveredAt = 1_300 }, 'an incoming message has "deliveredAt"'],
    ['reactions that are not a list', (p) => { byId(p, A1).reactions = { emoji: '👍' } as unknown as Array<Record<string, unknown>> }, '"reactions" is not a list of at most 2 entries'],
    ['three reactions', (p) => { const m = byId(p, A1); m.reactions = [...reactionsOf(m), ...reactionsOf(m), ...reactionsOf(m)] }, '"reactions" is not a list of at most 2 entries'],
    ['a reaction from a stranger', (p) => { Object.assign(reactionsOf(byId(p, A1))[0] ?? {}, { from: stranger }) }, '"reactions" entry 1: "from" is neither your PeerID nor the contact\'s'],
    ['two reactions from one person', (p) => { const m = byId(p, A1); m.reactions = [...reactionsOf(m), ...reactionsOf(m)] }, '"reactions" entry 2: a second reaction from the same person'],
    ['a reaction that is a letter', (p) => { Object.assign(reactionsOf(byId(p, A1))[0] ?? {}, { emoji: 'a' }) }, '"reactions" entry 1: "emoji" is "a", not one emoji or ""'],
    ['a reaction of text and emoji', (p) => { Object.assign(reactionsOf(byId(p, A1))[0] ?? {}, { emoji: 'nice 👍' }) }, '"emoji" is "nice 👍", not one emoji or ""'],
    ['a reaction without an id', (p) => { delete reactionsOf(byId(p, A1))[0]?.id }, '"reactions" entry 1: it has no "id"'],
    ['a reaction with an unknown field', (p) => { Object.assign(reactionsOf(byId(p, A1))[0] ?? {}, { count: 2 }) }, '"reactions" entry 1: it has an unknown field "count"'],
    ['an edit of a file message', (p) => { byId(p, VOICE).edit = { id: '01JD0000000000000000000E09', sentAt: 1 } }, 'a file message has "edit" (only a text is edited)'],
    ['an edit with a fractional time', (p) => { byId(p, A1).edit = { id: '01JD0000000000000000000E02', sentAt: 1.5 } }, '"edit": "sentAt" is not a whole number'],
    ['an edit whose id is not a ULID', (p) => { byId(p, A1).edit = { id: 'x', sentAt: 1 } }, '"edit": "id" is not a ULID'],
    ['a deleted message with its text', (p) => { byId(p, GONE).body = 'oops' }, 'a deleted message still has its text or file'],
    ['a deleted message with reactions', (p) => { byId(p, GONE).reactions = reactionsOf(byId(p, A1)) }, 'a deleted message still has "reactions"'],
    ['a deleted message that is a file', (p) => { byId(p, VOICE).deleted = { id: '01JD0000000000000000000E09', sentAt: 1 } }, 'a deleted message still has its text or file'],
    ['a timer not in the list', (p) => { timerOf(p).ttl = 60 }, 'contact 1, "timer": "ttl" is 60, not 0 or one of 300, 3600, 86400, 604800 seconds'],
    ['a timer set by a stranger', (p) => { timerOf(p).by = stranger }, '"timer": "by" is neither your PeerID nor the contact\'s'],
    ['a timer with an unknown field', (p) => { timerOf(p).until = 5 }, '"timer": it has an unknown field "until"'],
    ['a voice note of 0 ms', (p) => { voiceOf(p).durationMs = 0 }, '"voice": "durationMs" is not a whole number from 1 to 900000'],
    ['a waveform over 100 samples', (p) => { voiceOf(p).waveform = b64(new Uint8Array(101)) }, '"voice": "waveform" has 101 bytes, not 1 to 100'],
    ['a voice note with an unknown field', (p) => { voiceOf(p).codec = 'opus' }, '"voice": it has an unknown field "codec"']
  ])('refuses %s and names the problem', async (_what, spoil, message) => {
    const seeded = await seedActions()
    const plain = await decryptFile(await fastExport(), PASSPHRASE) as Plain
    spoil(plain, seeded)
    const err: unknown = await readBackup(await sealContents(plain), PASSPHRASE).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CorruptBackupError)
    expect(textOfError(err)).toMatch(/^The backup is damaged: (message|contact) \d+/)
    expect(textOfError(err)).toContain(message)
  })

  it('leaves group messages out (groups are not backed up yet)', async () => {
    await seedActions()
    const group = { id: '01JD0000000000000000000G01' as MessageId, contactId: 0, groupId: 'a'.repeat(32), lamport: 1, direction: 'in' as const, fromPeerId: stranger, kind: 'text' as const, body: 'group chatter', sentAt: 3_000, receivedAt: 3_005, state: 'delivered' as const }
    await source.db.messages.add(group)
    const plain = JSON.stringify(await decryptFile(await fastExport(), PASSPHRASE))
    expect(plain).not.toContain('group chatter')
    expect(plain).not.toContain(group.id)
    expect(plain).toContain('hello 👋 (edited)')
  })

  it('accepts the actions re-sealed unchanged (the cases above fail only for their change)', async () => {
    await seedActions()
    const contents = await readBackup(await sealContents(await decryptFile(await fastExport(), PASSPHRASE)), PASSPHRASE)
    expect(contents.messages.filter(m => m.reactions !== undefined || m.edit !== undefined || m.deleted !== undefined || m.replyTo !== undefined)).toHaveLength(4)
  })

  it('refuses to export a reaction a backup could not carry', async () => {
    await seedActions()
    await source.db.messages.update(A1, { reactions: [{ from: source.profile.peerId, emoji: 'ok', id: '01JD0000000000000000000E05', sentAt: 1 }] })
    await expect(fastExport()).rejects.toThrow(refusedWith('BackupExportError', /^This browser's data cannot be backed up: message \d+, "reactions" entry 1: "emoji" is "ok", not one emoji or ""/))
  })
})

describe('calls kept in the chat', () => {
  /** Alice's missed video call and our answered voice call with her, as call-log.ts writes them. */
  async function seedCalls (): Promise<[MessageRow, MessageRow]> {
    const alice = await source.db.contacts.get(source.alice) as ContactRow
    const base = { contactId: source.alice, peerId: alice.peerId, phase: 'ended' as const }
    const missed = callRecordRow({ ...base, callId: 'a'.repeat(32), direction: 'in', video: true, startedAt: 2_000, endedAt: 2_045, reason: 'no-answer', endedBy: 'them' }, { me: source.profile.peerId, them: alice.peerId })
    const answered = callRecordRow({ ...base, callId: 'b'.repeat(32), direction: 'out', video: false, startedAt: 3_000, answeredAt: 3_010, endedAt: 9_010, reason: 'hangup', endedBy: 'us' }, { me: source.profile.peerId, them: alice.peerId })
    await source.db.messages.bulkAdd([missed, answered])
    return [missed, answered]
  }

  it('round-trips them', async () => {
    const [missed, answered] = await seedCalls()
    await restoreBackup(target, await readBackup(await fastExport(), PASSPHRASE))
    expect(await target.messages.get(missed.id)).toEqual(missed)
    expect(await target.messages.get(answered.id)).toEqual({ ...answered, call: { video: false, outcome: 'answered', durationMs: 6_000 } })
  })

  it('round-trips a call answered on another device of ours (no duration)', async () => {
    const alice = await source.db.contacts.get(source.alice) as ContactRow
    const elsewhere = callRecordRow({ contactId: source.alice, peerId: alice.peerId, phase: 'ended', callId: 'c'.repeat(32), direction: 'in', video: true, startedAt: 4_000, endedAt: 4_020, reason: 'answered-elsewhere', endedBy: 'them' }, { me: source.profile.peerId, them: alice.peerId })
    await source.db.messages.add(elsewhere)
    await restoreBackup(target, await readBackup(await fastExport(), PASSPHRASE))
    expect(await target.messages.get(elsewhere.id)).toEqual({ ...elsewhere, call: { video: true, outcome: 'answered-elsewhere' } })
  })

  type Plain = Record<string, unknown> & { messages: Array<Record<string, unknown> & { call?: Record<string, unknown> }> }
  const callOf = (p: Plain, outcome: string): Record<string, unknown> => {
    const found = p.messages.find(m => m.call?.outcome === outcome)?.call
    if (found === undefined) throw new Error(`no ${outcome} call`)
    return found
  }

  it.each<[string, (p: Plain) => void, string]>([
    ['an unknown outcome', (p) => { callOf(p, 'missed').outcome = 'ignored' }, '"call": "outcome" is "ignored", not one of answered, missed'],
    ['a missed call that lasted', (p) => { callOf(p, 'missed').durationMs = 5 }, '"call": "durationMs" is set on a call that was not answered'],
    ['a call message without its call', (p) => { const m = p.messages.find(m => m.kind === 'call'); if (m !== undefined) delete m.call }, 'a call message has no "call"'],
    ['a text message with a call', (p) => { const m = p.messages.find(m => m.kind === 'call'); if (m !== undefined) m.kind = 'text' }, 'a text message has a "call"']
  ])('refuses %s and names the problem', async (_what, spoil, message) => {
    await seedCalls()
    const plain = await decryptFile(await fastExport(), PASSPHRASE) as Plain
    spoil(plain)
    const err: unknown = await readBackup(await sealContents(plain), PASSPHRASE).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CorruptBackupError)
    expect(textOfError(err)).toContain(message)
  })
})

describe('notices kept in the chat', () => {
  /** A reset of the session with Alice, as sessions/notices.ts writes it. */
  async function seedNotice (): Promise<MessageRow> {
    const alice = await source.db.contacts.get(source.alice) as ContactRow
    const notice = noticeRow(alice, 'session-reset', 4_000)
    await source.db.messages.add(notice)
    return notice
  }

  type Plain = Record<string, unknown> & { messages: Array<Record<string, unknown>> }
  const noticeOf = (p: Plain): Record<string, unknown> => {
    const found = p.messages.find(m => m.kind === 'notice')
    if (found === undefined) throw new Error('no notice')
    return found
  }

  it('round-trips them', async () => {
    const notice = await seedNotice()
    await restoreBackup(target, await readBackup(await fastExport(), PASSPHRASE))
    expect(await target.messages.get(notice.id)).toEqual(notice)
  })

  it.each<[string, (p: Plain) => void, string]>([
    ['an unknown notice', (p) => { noticeOf(p).notice = 'key-changed' }, '"notice" is "key-changed", not one of session-reset'],
    ['a notice without what it tells', (p) => { delete noticeOf(p).notice }, 'a notice has no "notice"'],
    ['a text message with a notice', (p) => { noticeOf(p).kind = 'text' }, 'a text message has a "notice"'],
    ['an outgoing notice', (p) => { Object.assign(noticeOf(p), { direction: 'out', fromPeerId: source.profile.peerId }) }, 'a notice is not incoming']
  ])('refuses %s and names the problem', async (_what, spoil, message) => {
    await seedNotice()
    const plain = await decryptFile(await fastExport(), PASSPHRASE) as Plain
    spoil(plain)
    const err: unknown = await readBackup(await sealContents(plain), PASSPHRASE).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CorruptBackupError)
    expect(textOfError(err)).toContain(message)
  })
})

describe('secure sessions are never in a backup', () => {
  it('sessions, prekey secrets and kept boxes stay behind: the file holds none of their bytes, and a restore starts with none', async () => {
    const alice = await source.db.contacts.get(source.alice) as ContactRow
    // recognisable bytes in every session table
    const secret = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + (i % 16))
    const hex = Array.from(secret, b => b.toString(16).padStart(2, '0')).join('')
    await source.db.sessions.add({ id: 'f'.repeat(32), peer: alice.peerId, initiator: true, current: true, createdAt: 1, usedAt: 1, state: { rootKey: secret } as unknown as SessionRow['state'] })
    await source.db.prekeys.add({ kind: 1, id: 7, secret, record: secret, createdAt: 1 } as PrekeyRow)
    await source.db.boxes.add({ peer: alice.peerId, item: 'i'.repeat(26), session: 'f'.repeat(32), bytes: secret, createdAt: 1 })
    const plain = await decryptFile(await fastExport(), PASSPHRASE)
    const json = JSON.stringify(plain)
    for (const encoded of [hex, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), secret.join(',')]) expect(json).not.toContain(encoded)
    expect(Object.keys(plain).filter(k => /session|prekey|box|ratchet/i.test(k))).toEqual([])

    await restoreBackup(target, await readBackup(await fastExport(), PASSPHRASE))
    expect([await target.sessions.count(), await target.prekeys.count(), await target.boxes.count()]).toEqual([0, 0, 0])
    expect(await target.contacts.count()).toBeGreaterThan(0)
  })
})

describe('exportBackup refuses', () => {
  it('a database without an identity', async () => {
    await expect(exportBackup(target, PASSPHRASE, { includeHistory: true, cost: FAST }))
      .rejects.toThrow(NoProfileError)
    expect(await rejectionWords(exportBackup(target, PASSPHRASE, { includeHistory: true, cost: FAST })))
      .toBe('There is no Parley identity in this browser to back up.')
  })

  it('a row a backup could not carry, naming it', async () => {
    await source.db.contacts.update(source.bob, { state: 'friend' as ContactRow['state'] })
    await expect(fastExport()).rejects.toThrow(refusedWith('BackupExportError', 
      'This browser\'s data cannot be backed up: contact 2: "state" is "friend", not one of requested, pending, accepted, declined, deleted.'))
  })

  it('more relays than a backup may hold', async () => {
    await source.db.relays.bulkAdd(Array.from({ length: MAX_BACKUP_RELAYS }, (_, i) => ({
      ...USER_RELAY, multiaddr: `/dns4/r${i}.example/tcp/443/wss/p2p/12D3KooWR${i}`, peerId: `12D3KooWR${i}`
    })))
    await expect(fastExport()).rejects.toThrow(refusedWith('BackupTooLargeError', `This browser has ${MAX_BACKUP_RELAYS + 2} relays; a backup holds at most ${MAX_BACKUP_RELAYS}.`))
  })

  it.each([
    ['no passes', { ...FAST, iterations: 0 }],
    ['less than 8 KiB per lane', { memoryKiB: 8, iterations: 1, parallelism: 2 }],
    ['more memory than a reader gives', { ...FAST, memoryKiB: 512 * 1024 }],
    ['passes that are not whole', { ...FAST, iterations: 1.5 }]
  ])('a cost no reader would take: %s', async (_what, cost) => {
    await expect(exportBackup(source.db, PASSPHRASE, { includeHistory: false, cost })).rejects.toBeInstanceOf(RangeError)
  })
})

describe('restoreBackup', () => {
  let contents: BackupContents
  beforeEach(async () => { contents = await readBackup(await fastExport(), PASSPHRASE) })

  it('refuses a database that has another identity and changes nothing', async () => {
    const other = await identity()
    const existing: ProfileRow = { id: 1, peerId: other.peerId, privateKey: other.privateKey, username: 'other', createdAt: 1 }
    await saveProfile(target, existing)
    await target.relays.add(USER_RELAY)

    await expect(restoreBackup(target, contents)).rejects.toThrow(ProfileExistsError)
    expect(await rejectionWords(restoreBackup(target, contents))).toMatch(/^This browser already has a Parley identity \(12D3KooW/)
    expect(await target.profile.toArray()).toEqual([existing])
    expect(await target.relays.toArray()).toEqual([USER_RELAY])
    expect(await target.contacts.count()).toBe(0)
    expect(await target.messages.count()).toBe(0)
  })

  it('refuses a database that already has this identity', async () => {
    await restoreBackup(target, contents)
    expect(await rejectionWords(restoreBackup(target, contents))).toBe(
      'This browser already has a Parley identity, the same one as in the backup. Nothing was changed.')
    expect(await target.contacts.count()).toBe(2)
    expect(await target.messages.count()).toBe(4)
  })

  it('refuses a database with leftover contacts', async () => {
    await upsertContact(target, { peerId: '12D3KooWLeft', username: 'left', addresses: [] })
    await expect(restoreBackup(target, contents)).rejects.toMatchObject({ name: 'ProfileExistsError' })
    expect(await target.profile.count()).toBe(0)
    expect(await target.contacts.count()).toBe(1)
  })

  it('writes nothing when a write fails part way', async () => {
    const messages = [...contents.messages, ...contents.messages] // duplicate primary keys: the last bulkAdd fails
    await expect(restoreBackup(target, { ...contents, messages })).rejects.toThrow()
    await expectEmpty(target)
  })
})
