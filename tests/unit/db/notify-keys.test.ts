/**
 * Contacts' devices' notification keys in the database (db/notify-keys.ts):
 * a key is kept per device for the contact's own PeerID and its list's
 * devices only, in its one form; anything else changes nothing stored; the
 * mark of who took our key is per key, and bounded by the contact's devices.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toBase64Url } from '@parley/protocol/base64'
import { makeNotifyKeyPair } from '@parley/protocol/push/notify-key'
import { markNotifySent, notifyKeyOf, notifySentTo, storeNotifyKey } from '../../../src/lib/db/notify-keys.ts'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import { makeAccounts } from '../../../packages/protocol/test/devices/helpers.ts'
import { openTestDb } from './helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { Account } from '../../../packages/protocol/test/devices/helpers.ts'
import type { ContactId } from '../../../src/lib/db/types.ts'

const [alice, phone, stranger] = makeAccounts(3) as [Account, Account, Account]
const keyOf = (): string => toBase64Url(makeNotifyKeyPair().publicKey)
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** The same 32 bytes with one of the last character's 2 unused bits set: not the key's one form. */
const withUnusedBits = (key: string): string => `${key.slice(0, 42)}${ALPHABET[ALPHABET.indexOf(key.slice(42)) | 1] ?? ''}`

let db: ParleyDb
let aliceId: ContactId

beforeEach(async () => {
  db = await openTestDb()
  aliceId = await upsertContact(db, { peerId: alice.peer, username: 'alice', addresses: [] })
  await db.contacts.update(aliceId, { devicePeers: [alice.peer, phone.peer] })
})
afterEach(() => { db.close() })

describe('contacts\' notification keys', () => {
  it('keeps a key per device of the contact, replaces it, and refuses a stranger\'s device or a key not in its form, storing nothing', async () => {
    const [first, second, phoneKey] = [keyOf(), keyOf(), keyOf()]
    expect(await storeNotifyKey(db, aliceId, alice.peer, first)).toBe('stored')
    expect(await storeNotifyKey(db, aliceId, alice.peer, first)).toBe('same')
    expect(await storeNotifyKey(db, aliceId, phone.peer, phoneKey)).toBe('stored')
    expect(await storeNotifyKey(db, aliceId, alice.peer, second)).toBe('stored')
    const held = await db.contacts.get(aliceId)
    expect(held?.notifyKeys).toEqual({ [alice.peer]: second, [phone.peer]: phoneKey })

    // not a device of hers; 31 bytes; non-zero unused bits; not base64url
    expect(await storeNotifyKey(db, aliceId, stranger.peer, keyOf())).toBe('invalid')
    expect(await storeNotifyKey(db, aliceId, alice.peer, toBase64Url(new Uint8Array(31)))).toBe('invalid')
    expect(await storeNotifyKey(db, aliceId, alice.peer, withUnusedBits(second))).toBe('invalid')
    expect(await storeNotifyKey(db, aliceId, alice.peer, `${second.slice(0, 42)}+`)).toBe('invalid')
    expect(await storeNotifyKey(db, 9999 as ContactId, alice.peer, keyOf())).toBe('no-contact')
    expect(await db.contacts.get(aliceId)).toEqual(held)

    expect(notifyKeyOf(held ?? { peerId: '' }, phone.peer)).toBe(phoneKey)
    // a device her list no longer names is not sealed to, and is dropped at the next write
    await db.contacts.update(aliceId, { devicePeers: [alice.peer] })
    const later = await db.contacts.get(aliceId)
    expect(notifyKeyOf(later ?? { peerId: '' }, phone.peer)).toBeUndefined()
    expect(await storeNotifyKey(db, aliceId, alice.peer, first)).toBe('stored')
    expect((await db.contacts.get(aliceId))?.notifyKeys).toEqual({ [alice.peer]: first })
  })

  it('marks who took our key per key: a new key starts the marks again', async () => {
    const [ours, next] = [keyOf(), keyOf()]
    await markNotifySent(db, aliceId, alice.peer, ours)
    await markNotifySent(db, aliceId, phone.peer, ours)
    await markNotifySent(db, aliceId, phone.peer, ours)
    const row = await db.contacts.get(aliceId)
    expect(row?.notifySent).toEqual({ key: ours, devices: [alice.peer, phone.peer] })
    expect(notifySentTo(row ?? {}, phone.peer, ours)).toBe(true)
    expect(notifySentTo(row ?? {}, phone.peer, next)).toBe(false)
    await markNotifySent(db, aliceId, phone.peer, next)
    expect((await db.contacts.get(aliceId))?.notifySent).toEqual({ key: next, devices: [phone.peer] })
  })
})
