/**
 * What waits for each of a contact's devices (db/pending-devices.ts, schema
 * v15): a new row waits for the devices listed when it is stored, "pending
 * for device d" by the index, an ack from one device leaves the others
 * pending and makes the row delivered, a mailbox deposit is per device, a
 * device added later gets only what is sent after, and a removed device is
 * dropped from every row when the list without it is stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signDeviceList } from '@parley/protocol/devices/list'
import { storeContactDevices } from '../../../src/lib/db/contact-devices.ts'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import { storeEvent } from '../../../src/lib/db/events.ts'
import { outgoingRow, storeOutgoing } from '../../../src/lib/db/messages.ts'
import { ackFromDevice, failForDevice, markStoredFor, pendingForDevice } from '../../../src/lib/db/pending-devices.ts'
import { fieldsOf, makeAccounts, NOW } from '../../../packages/protocol/test/devices/helpers.ts'
import { openTestDb } from './helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { Account } from '../../../packages/protocol/test/devices/helpers.ts'
import type { ContactId, EventRow, MessageRow } from '../../../src/lib/db/types.ts'

const [bob, laptop, tablet, carol] = makeAccounts(4) as [Account, Account, Account, Account]
const ME = '12D3KooWMe'

let db: ParleyDb
let bobId: ContactId
let carolId: ContactId

beforeEach(async () => {
  db = await openTestDb()
  bobId = await upsertContact(db, { peerId: bob.peer, username: 'bob', addresses: [] })
  carolId = await upsertContact(db, { peerId: carol.peer, username: 'carol', addresses: [] })
})
afterEach(() => { db.close() })

async function send (contactId: ContactId, body: string, now: number): Promise<MessageRow> {
  const row = outgoingRow({ contactId, fromPeerId: ME, body, now })
  await storeOutgoing(db, row)
  const stored = await db.messages.get(row.id)
  if (stored === undefined) throw new Error('not stored')
  return stored
}

async function ids (contactId: ContactId, device: string): Promise<string[]> {
  const { messages, events } = await pendingForDevice(db, contactId, device)
  return [...messages, ...events].map(r => r.id)
}

/** Bob's list with his laptop, signed at `at` (a later one is newer). */
async function listBob (devices: Account[], at: number): Promise<void> {
  const outcome = await storeContactDevices(db, bobId, signDeviceList(bob.secret, fieldsOf(bob, devices, at)))
  expect(outcome.outcome).toBe('newer')
}

describe('pending devices', () => {
  it('a contact with no list: the row waits for its PeerID alone', async () => {
    const row = await send(bobId, 'hi', 1000)
    expect(row.pendingDevices).toEqual([bob.peer])
    expect(await ids(bobId, bob.peer)).toEqual([row.id])
    expect(await ids(carolId, bob.peer)).toEqual([])
  })

  it('waits for every listed device; one device\'s ack makes it delivered and leaves the other pending', async () => {
    await listBob([laptop], NOW)
    const row = await send(bobId, 'hi', 1000)
    expect(row.pendingDevices).toEqual([bob.peer, laptop.peer])
    expect(await ids(bobId, laptop.peer)).toEqual([row.id])

    expect(await ackFromDevice(db, bobId, laptop.peer, [row.id], 2000)).toEqual([])
    const after = await db.messages.get(row.id)
    expect(after).toMatchObject({ state: 'delivered', deliveredAt: 2000, pendingDevices: [bob.peer] })
    expect(await ids(bobId, laptop.peer)).toEqual([])
    expect(await ids(bobId, bob.peer)).toEqual([row.id])

    // the second ack takes the last device off and keeps the first delivery's time
    await ackFromDevice(db, bobId, bob.peer, [row.id], 3000)
    const done = await db.messages.get(row.id)
    expect(done?.pendingDevices).toBeUndefined()
    expect(done).toMatchObject({ state: 'delivered', deliveredAt: 2000 })
    expect(await db.messages.where('pendingDevices').equals(bob.peer).count()).toBe(0)
  })

  it('an ack names only our rows to that contact: others are not ours and stay as they were', async () => {
    const toCarol = await send(carolId, 'hi', 1000)
    expect(await ackFromDevice(db, bobId, bob.peer, [toCarol.id, '01JD0000000000000000000009'])).toEqual([toCarol.id, '01JD0000000000000000000009'])
    expect(await db.messages.get(toCarol.id)).toEqual(toCarol)
  })

  it('events wait for each device too, and are acked the same way', async () => {
    await listBob([laptop], NOW)
    const row = await send(bobId, 'hi', 1000)
    const event: EventRow = { id: '01JD0000000000000000000099', contactId: bobId, direction: 'out', fromPeerId: ME, kind: 'reaction', targets: [row.id], sentAt: 1500, state: 'queued', emoji: '👍' }
    await storeEvent(db, event)
    expect((await db.events.get(event.id))?.pendingDevices).toEqual([bob.peer, laptop.peer])
    expect(await ids(bobId, laptop.peer)).toEqual([row.id, event.id])
    await ackFromDevice(db, bobId, laptop.peer, [event.id])
    expect(await db.events.get(event.id)).toMatchObject({ state: 'delivered', pendingDevices: [bob.peer] })
    expect(await ids(bobId, laptop.peer)).toEqual([row.id])
  })

  it('a device added later gets only what is sent after its addition', async () => {
    const before = await send(bobId, 'before', 1000)
    await listBob([tablet], NOW)
    const after = await send(bobId, 'after', 2000)
    expect(await ids(bobId, tablet.peer)).toEqual([after.id])
    expect(await ids(bobId, bob.peer)).toEqual([before.id, after.id])
  })

  it('a removed device is dropped from every row when the list without it is stored', async () => {
    await listBob([laptop, tablet], NOW)
    const one = await send(bobId, 'one', 1000)
    const two = await send(bobId, 'two', 2000)
    await markStoredFor(db, 'messages', one.id, tablet.peer)
    await listBob([laptop], NOW + 1)
    expect(await ids(bobId, tablet.peer)).toEqual([])
    expect(await db.messages.get(one.id)).toMatchObject({ pendingDevices: [bob.peer, laptop.peer], state: 'stored' })
    expect((await db.messages.get(one.id))?.storedDevices).toBeUndefined()
    expect((await db.messages.get(two.id))?.pendingDevices).toEqual([bob.peer, laptop.peer])
  })

  it('a mailbox deposit is marked per device: the row is stored, the other device still waits for its own', async () => {
    await listBob([laptop], NOW)
    const row = await send(bobId, 'hi', 1000)
    await markStoredFor(db, 'messages', row.id, laptop.peer)
    expect(await db.messages.get(row.id)).toMatchObject({ state: 'stored', storedDevices: [laptop.peer], pendingDevices: [bob.peer, laptop.peer] })
    // a device the row does not wait for changes nothing
    await markStoredFor(db, 'messages', row.id, tablet.peer)
    expect((await db.messages.get(row.id))?.storedDevices).toEqual([laptop.peer])
    await ackFromDevice(db, bobId, laptop.peer, [row.id])
    expect(await db.messages.get(row.id)).toMatchObject({ state: 'delivered', pendingDevices: [bob.peer] })
    expect((await db.messages.get(row.id))?.storedDevices).toBeUndefined()
  })

  it('a device that can never take it stops waiting; the row fails only once no device is left', async () => {
    await listBob([laptop], NOW)
    const row = await send(bobId, 'hi', 1000)
    await failForDevice(db, 'messages', row.id, laptop.peer)
    expect(await db.messages.get(row.id)).toMatchObject({ state: 'queued', pendingDevices: [bob.peer] })
    await failForDevice(db, 'messages', row.id, bob.peer)
    const failed = await db.messages.get(row.id)
    expect(failed?.state).toBe('failed')
    expect(failed?.pendingDevices).toBeUndefined()
  })

  it('a failed or deleted message is not pending for anyone', async () => {
    const failed = await send(bobId, 'x', 1000)
    await db.messages.update(failed.id, { state: 'failed' })
    const deleted = await send(bobId, 'y', 2000)
    await db.messages.update(deleted.id, { deleted: { id: 'e', sentAt: 3 } })
    expect(await ids(bobId, bob.peer)).toEqual([])
  })
})
