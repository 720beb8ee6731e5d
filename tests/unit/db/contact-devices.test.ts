/**
 * Contacts' device lists in the database (db/contact-devices.ts): stored only
 * when newer, compared and written in one transaction; what a newer list adds
 * and removes; and which contact a device's PeerID is.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signDeviceList } from '@parley/protocol/devices/list'
import { getContactOfPeer, markDevicesSent, storeContactDevices } from '../../../src/lib/db/contact-devices.ts'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import { fieldsOf, makeAccounts, NOW } from '../../../packages/protocol/test/devices/helpers.ts'
import { openTestDb } from './helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { Account } from '../../../packages/protocol/test/devices/helpers.ts'
import type { ContactId } from '../../../src/lib/db/types.ts'

const [alice, phone, tablet, carol] = makeAccounts(4) as [Account, Account, Account, Account]

let db: ParleyDb
let aliceId: ContactId
let carolId: ContactId

beforeEach(async () => {
  db = await openTestDb()
  aliceId = await upsertContact(db, { peerId: alice.peer, username: 'alice', addresses: [] })
  carolId = await upsertContact(db, { peerId: carol.peer, username: 'carol', addresses: [] })
})
afterEach(() => { db.close() })

describe('contacts\' device lists', () => {
  it('stores a newer list only: same, older and a conflicting one of the held version change nothing', async () => {
    const v1 = signDeviceList(alice.secret, fieldsOf(alice, [phone], NOW))
    expect(await storeContactDevices(db, aliceId, v1)).toMatchObject({ outcome: 'newer', added: [phone.peer], removed: [] })
    const held = await db.contacts.get(aliceId)
    expect(await storeContactDevices(db, aliceId, v1)).toEqual({ outcome: 'same' })
    const conflicting = signDeviceList(alice.secret, fieldsOf(alice, [tablet], NOW))
    expect(await storeContactDevices(db, aliceId, conflicting)).toEqual({ outcome: 'conflict' })
    const older = signDeviceList(alice.secret, fieldsOf(alice, [tablet], NOW - 1))
    expect(await storeContactDevices(db, aliceId, older)).toEqual({ outcome: 'older' })
    expect(await db.contacts.get(aliceId)).toEqual(held)
    expect((await getContactOfPeer(db, tablet.peer))).toBeUndefined()
  })

  it('a newer list says what it adds and removes; a removed device maps to nobody', async () => {
    await storeContactDevices(db, aliceId, signDeviceList(alice.secret, fieldsOf(alice, [phone], NOW)))
    const next = signDeviceList(alice.secret, fieldsOf(alice, [tablet], NOW + 1))
    expect(await storeContactDevices(db, aliceId, next)).toMatchObject({ outcome: 'newer', added: [tablet.peer], removed: [phone.peer] })
    expect(await getContactOfPeer(db, phone.peer)).toBeUndefined()
    expect((await getContactOfPeer(db, tablet.peer))?.id).toBe(aliceId)
    expect((await getContactOfPeer(db, alice.peer))?.id).toBe(aliceId)
    // the chat's quiet notices, one per device, written with each newer list
    const notices = await db.messages.where('[contactId+sentAt+id]').between([aliceId, 0, ''], [aliceId, Infinity, '\uffff']).toArray()
    expect(notices.map(m => [m.kind, m.notice, m.fromPeerId, m.state])).toEqual([
      ['notice', 'device-added', alice.peer, 'read'], ['notice', 'device-added', alice.peer, 'read'], ['notice', 'device-removed', alice.peer, 'read']
    ])
  })

  it('a device two contacts list is nobody\'s, and a contact\'s own PeerID is always that contact', async () => {
    await storeContactDevices(db, aliceId, signDeviceList(alice.secret, fieldsOf(alice, [phone], NOW)))
    // Carol's account lists Alice's phone and Alice herself: her word alone
    await storeContactDevices(db, carolId, signDeviceList(carol.secret, fieldsOf(carol, [phone, alice], NOW)))
    expect(await getContactOfPeer(db, phone.peer)).toBeUndefined()
    expect((await getContactOfPeer(db, alice.peer))?.id).toBe(aliceId)
  })

  it('refuses a list of another account than the contact\'s, and writes nothing', async () => {
    await expect(storeContactDevices(db, aliceId, signDeviceList(carol.secret, fieldsOf(carol, [phone], NOW)))).rejects.toThrow(/offered for contact/)
    expect((await db.contacts.get(aliceId))?.devices).toBeUndefined()
    expect(await storeContactDevices(db, 999 as ContactId, signDeviceList(alice.secret, fieldsOf(alice)))).toEqual({ outcome: 'no-contact' })
  })

  it('keeps the greatest version a contact acknowledged', async () => {
    await markDevicesSent(db, aliceId, 5)
    await markDevicesSent(db, aliceId, 3)
    expect((await db.contacts.get(aliceId))?.devicesSent).toBe(5)
  })
})
