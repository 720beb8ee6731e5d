/**
 * The sync courier's schedule on a hand-moved clock (src/lib/p2p/sync/
 * courier.ts): an item queued for a sibling that cannot be reached is tried
 * at once, then after SYNC_BACKOFF's delays (5 s, 10 s, ...); the sibling
 * connecting tries at once and takes the planned attempt's place; a device
 * that is not a sibling gets nothing; stopped, nothing more is tried. The
 * items stay queued meanwhile, in order, unless a mailbox relay of the
 * sibling takes them: then they leave the queue, deposited in order.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ulidOf } from '@parley/protocol/ulid'
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
/** how many relays take a deposit (0: none) */
let relaysTaking: number
let deposits: Array<{ peerId: string, box: Uint8Array }>
let courier: SyncCourier

beforeEach(async () => {
  db = await openTestDb()
  dials = []
  deposits = []
  relaysTaking = 0
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  const components: SyncCourierComponents = {
    db,
    logger: testLogger(),
    libp2p: { getConnections: () => [], peerStore: { get: async () => { throw new Error('not known') } } as unknown as SyncCourierComponents['libp2p']['peerStore'] },
    identity: { require: () => ({ id: 1, peerId: LAPTOP, privateKey: new Uint8Array(), username: 'Alice', createdAt: 1 }) },
    devices: { ownList: () => list },
    dialer: { connect: async ({ peerId }) => { dials.push(peerId); throw new Error('unreachable') } },
    peerBoxes: { seal: async (_to, itemId) => itemId },
    courier: { depositFor: async ({ peerId }, box) => { if (relaysTaking > 0) deposits.push({ peerId, box }); return relaysTaking } },
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

  it('an unreachable sibling gets its items in its mailbox relays, in order, once each; they stay queued, marked, for a live delivery', async () => {
    relaysTaking = 2
    await courier.queue({ type: 'sync', id: '01JD0000000000000000000001', kind: 'settings', readReceipts: true, typing: false })
    await settle()
    await courier.queue({ type: 'sync', id: '01JD0000000000000000000002', kind: 'settings', readReceipts: false, typing: false })
    courier.kick(PHONE)
    await settle()
    // the second retry deposits nothing again
    await vi.advanceTimersByTimeAsync(SYNC_BACKOFF.maxMs)
    await settle()
    expect(dials.length).toBeGreaterThan(2)
    expect(deposits.map(d => [d.peerId, ulidOf(d.box)])).toEqual([[PHONE, '01JD0000000000000000000001'], [PHONE, '01JD0000000000000000000002']])
    expect((await syncItemsFor(db, PHONE, 10)).map(r => r.deposited)).toEqual([true, true])
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
