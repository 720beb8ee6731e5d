import Dexie, { RangeSet } from 'dexie'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ContactCache, MAX_CACHED_CONTACTS } from '../../../src/lib/db/contact-cache.ts'
import { setPresence, upsertContact } from '../../../src/lib/db/contacts.ts'
import { signDeviceList } from '@parley/protocol/devices/list'
import { storeContactDevices } from '../../../src/lib/db/contact-devices.ts'
import { fieldsOf, makeAccounts, NOW } from '../../../packages/protocol/test/devices/helpers.ts'
import type { Account } from '../../../packages/protocol/test/devices/helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ContactId } from '../../../src/lib/db/types.ts'
import { addContact, openTestDb } from './helpers.ts'

let db: ParleyDb
let cache: ContactCache
let alice: ContactId

beforeEach(async () => {
  db = await openTestDb()
  alice = await addContact(db, 'alice')
  cache = new ContactCache(db)
})
afterEach(() => {
  cache.close()
  db.close()
})

describe('ContactCache', () => {
  it('a device a contact\'s held list names is that contact, until a newer list drops it', async () => {
    const [owner, phone] = makeAccounts(2) as [Account, Account]
    const id = await upsertContact(db, { peerId: owner.peer, username: 'owner', addresses: [] })
    expect(await cache.byPeerId(phone.peer)).toBeUndefined()
    await storeContactDevices(db, id, signDeviceList(owner.secret, fieldsOf(owner, [phone], NOW)))
    expect((await cache.byPeerId(phone.peer))?.id).toBe(id)
    expect(await cache.byPeerId(phone.peer)).toBe(await cache.byPeerId(owner.peer))
    await storeContactDevices(db, id, signDeviceList(owner.secret, fieldsOf(owner, [], NOW + 1)))
    expect(await cache.byPeerId(phone.peer)).toBeUndefined()
    expect((await cache.byPeerId(owner.peer))?.devicePeers).toEqual([owner.peer])
  })

  it('reads a contact once, by id or by PeerID', async () => {
    const get = vi.spyOn(db.contacts, 'get')
    const first = await cache.byId(alice)
    expect(first?.username).toBe('alice')
    expect(await cache.byId(alice)).toBe(first)
    expect(await cache.byPeerId('12D3KooWalice')).toBe(first)
    expect(get).toHaveBeenCalledTimes(1)
  })

  it('forgets everything when a write to contacts commits', async () => {
    expect((await cache.byPeerId('12D3KooWalice'))?.status).toBe('offline')
    await setPresence(db, '12D3KooWalice', 'online', 5_000)
    expect((await cache.byPeerId('12D3KooWalice'))?.status).toBe('online')
    await db.contacts.update(alice, { blocked: true })
    expect((await cache.byId(alice))?.blocked).toBe(true)
  })

  it('keeps unknown contacts unknown until they are added', async () => {
    expect(await cache.byPeerId('12D3KooWcarol')).toBeUndefined()
    const carol = await upsertContact(db, { peerId: '12D3KooWcarol', username: 'carol', addresses: [] })
    expect((await cache.byPeerId('12D3KooWcarol'))?.id).toBe(carol)
  })

  it('does not keep a row whose read overlapped a write', async () => {
    const get = vi.spyOn(db.contacts, 'get')
    const reading = cache.byId(alice)
    // a write to contacts commits (here or in another context) while the read is in flight
    Dexie.on.storagemutated.fire({ [`idb://${db.name}/contacts/`]: new RangeSet(-Infinity, Infinity) })
    expect((await reading)?.username).toBe('alice')
    await cache.byId(alice)
    expect(get).toHaveBeenCalledTimes(2)
  })

  it('ignores writes to other tables and stops listening once closed', async () => {
    const get = vi.spyOn(db.contacts, 'get')
    await cache.byId(alice)
    await db.relays.put({ multiaddr: '/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWRelay', peerId: '12D3KooWRelay', source: 'user', active: true, failures: 0 })
    await cache.byId(alice)
    expect(get).toHaveBeenCalledTimes(1)
    cache.close()
    await cache.byId(alice)
    await db.contacts.update(alice, { nickname: 'Al' })
    // closed: no invalidation any more, the row read after close() stays
    expect((await cache.byId(alice))?.nickname).toBeUndefined()
  })

  it('starts over instead of growing past its bound', async () => {
    const get = vi.spyOn(db.contacts, 'get')
    const ids = await db.transaction('rw', db.contacts, async () => Promise.all(
      Array.from({ length: MAX_CACHED_CONTACTS }, async (_, i) => upsertContact(db, { peerId: `12D3KooWp${i}`, username: `p${i}`, addresses: [] }))
    ))
    for (const id of ids) await cache.byId(id)
    expect(get).toHaveBeenCalledTimes(MAX_CACHED_CONTACTS)
    // one more than fits: the cache starts over, so the first is read again
    await cache.byId(alice)
    await cache.byId(ids[0] as ContactId)
    expect(get).toHaveBeenCalledTimes(MAX_CACHED_CONTACTS + 2)
  })
})
