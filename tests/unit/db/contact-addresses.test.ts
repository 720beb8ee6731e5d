import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  InvalidContactAddressesError, MAX_STORED_CONTACT_ADDRESS_CHARS, MAX_STORED_CONTACT_ADDRESSES, getContact, setContactAddresses,
  upsertContact
} from '../../../src/lib/db/contacts.ts'
import { MAX_CONTACT_ADDRESS_CHARS, MAX_CONTACT_ADDRESSES } from '@parley/protocol/contact/codec'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ContactId, ContactRow } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'
import { rejectionWords } from '../../support/words.ts'

/**
 * setContactAddresses: where a DHT lookup found a contact replaces the
 * addresses in its row, within the limits of a contact frame.
 */

let db: ParleyDb
let id: ContactId
const relayed = (relay: string): string => `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}/p2p-circuit/p2p/12D3KooWAlice`

beforeEach(async () => {
  db = await openTestDb()
  id = await upsertContact(db, { peerId: '12D3KooWAlice', username: 'alice', addresses: [relayed('12D3KooWOld')], now: 100 })
  await db.contacts.update(id, { nickname: 'Al', status: 'online', notes: 'met at the market', verified: true })
})
afterEach(() => { db.close() })

describe('setContactAddresses', () => {
  it('replaces the addresses, drops duplicates in order, and leaves everything else (updatedAt too) as it was', async () => {
    const before = await getContact(db, id) as ContactRow
    const found = [relayed('12D3KooWR2'), relayed('12D3KooWR3'), relayed('12D3KooWR2')]

    expect(await setContactAddresses(db, '12D3KooWAlice', found)).toBe(true)

    expect(await getContact(db, id)).toEqual({ ...before, addresses: [relayed('12D3KooWR2'), relayed('12D3KooWR3')] })
  })

  it('answers false for a PeerID that is no contact, and adds nothing', async () => {
    expect(await setContactAddresses(db, '12D3KooWStranger', [relayed('12D3KooWR2')])).toBe(false)
    expect(await db.contacts.count()).toBe(1)
  })

  it('takes as many addresses as a contact frame carries', async () => {
    const most = Array.from({ length: MAX_STORED_CONTACT_ADDRESSES }, (_, i) => relayed(`12D3KooWR${i}`))
    expect(await setContactAddresses(db, '12D3KooWAlice', most)).toBe(true)
    expect((await getContact(db, id))?.addresses).toEqual(most)
  })

  it.each([
    ['no address', [], /at least one address/],
    ['one address too many', Array.from({ length: MAX_STORED_CONTACT_ADDRESSES + 1 }, (_, i) => relayed(`12D3KooWR${i}`)), /at most 8 addresses; 9 were given/],
    ['an empty address', [''], /1 to 512 characters/],
    ['an address that is too long', [`/dns4/${'a'.repeat(MAX_STORED_CONTACT_ADDRESS_CHARS)}/tcp/443/wss`], /1 to 512 characters/]
  ])('refuses %s in words and changes nothing', async (_, addresses, message) => {
    const before = await getContact(db, id)
    const attempt = setContactAddresses(db, '12D3KooWAlice', addresses)
    expect(await rejectionWords(attempt)).toMatch(message)
    await expect(attempt).rejects.toBeInstanceOf(InvalidContactAddressesError)
    await expect(attempt).rejects.toHaveProperty('name', 'InvalidContactAddressesError')
    expect(await getContact(db, id)).toEqual(before)
  })

  it('keeps the limits of the contact protocol (and of invites)', () => {
    expect(MAX_STORED_CONTACT_ADDRESSES).toBe(MAX_CONTACT_ADDRESSES)
    expect(MAX_STORED_CONTACT_ADDRESS_CHARS).toBe(MAX_CONTACT_ADDRESS_CHARS)
  })
})
