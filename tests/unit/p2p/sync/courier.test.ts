/**
 * The sync courier's schedule on a hand-moved clock (src/lib/p2p/sync/
 * courier.ts): an item queued for a sibling that cannot be reached is tried
 * at once, then after SYNC_BACKOFF's delays (5 s, 10 s, ...); the sibling
 * connecting tries at once and takes the planned attempt's place; a device
 * that is not a sibling gets nothing; stopped, nothing more is tried. The
 * items stay queued meanwhile, in order.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { syncItemsFor } from '../../../../src/lib/db/sync-queue.ts'
import { SYNC_BACKOFF, SyncCourier } from '../../../../src/lib/p2p/sync/courier.ts'
import { openTestDb } from '../../db/helpers.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { SyncCourierComponents } from '../../../../src/lib/p2p/sync/courier.ts'
import type { DeviceList } from '@parley/protocol/devices/list'

const LAPTOP = '12D3KooWLaptopLaptopLaptopLaptopLaptopLaptopLaptopLa'
const PHONE = '12D3KooWPhonePhonePhonePhonePhonePhonePhonePhonePhon'
const list = { account: LAPTOP, version: 2, at: 1, devices: [{ peer: LAPTOP, name: '', added: 1 }, { peer: PHONE, name: 'Phone', added: 2 }] } as unknown as DeviceList

let db: ParleyDb
let dials: string[]
let courier: SyncCourier

beforeEach(async () => {
  db = await openTestDb()
  dials = []
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  const components: SyncCourierComponents = {
    db,
    logger: testLogger(),
    libp2p: { getConnections: () => [] },
    identity: { require: () => ({ id: 1, peerId: LAPTOP, privateKey: new Uint8Array(), username: 'Alice', createdAt: 1 }) },
    devices: { ownList: () => list },
    dialer: { connect: async ({ peerId }) => { dials.push(peerId); throw new Error('unreachable') } },
    peerBoxes: { seal: async () => { throw new Error('never sealed: never connected') } },
    sessions: { reset: async () => false }
  }
  courier = new SyncCourier(components, { random: () => 1 })
  courier.start()
})

afterEach(() => {
  courier.stop()
  vi.useRealTimers()
  db.close()
})

/** Runs the I/O callbacks pending (fake-indexeddb's, the attempt's failed dial): no time passes on the clock. */
async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => { setImmediate(resolve) })
}

describe('SyncCourier', () => {
  it('tries an unreachable sibling at once, then after each back-off delay; the items stay queued in order', async () => {
    await courier.queue({ type: 'sync', id: '01JD0000000000000000000001', kind: 'settings', readReceipts: true, typing: false })
    await courier.queue({ type: 'sync', id: '01JD0000000000000000000002', kind: 'settings', readReceipts: false, typing: false })
    await settle()
    expect(dials).toEqual([PHONE])
    await vi.advanceTimersByTimeAsync(SYNC_BACKOFF.initialMs - 1)
    await settle()
    expect(dials).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(dials).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(2 * SYNC_BACKOFF.initialMs)
    await settle()
    expect(dials).toHaveLength(3)
    expect((await syncItemsFor(db, PHONE, 10)).map(r => r.id)).toEqual(['01JD0000000000000000000001', '01JD0000000000000000000002'])
    expect(await syncItemsFor(db, LAPTOP, 10)).toEqual([])
  })

  it('the sibling connecting is tried at once, in place of the planned attempt; a stranger is never tried; stopped, nothing more', async () => {
    await courier.queue({ type: 'sync', id: '01JD0000000000000000000001', kind: 'settings', readReceipts: true, typing: true })
    await settle()
    expect(dials).toHaveLength(1)
    courier.kick(PHONE)
    await settle()
    expect(dials).toHaveLength(2)
    courier.kick('12D3KooWStrangerStrangerStrangerStrangerStrangerStr')
    await settle()
    expect(dials).toEqual([PHONE, PHONE])
    courier.stop()
    await vi.advanceTimersByTimeAsync(SYNC_BACKOFF.maxMs * 2)
    await settle()
    expect(dials).toHaveLength(2)
  })
})
