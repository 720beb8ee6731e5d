/**
 * The device lists a relay-node holds (src/peer-records/device-lists.ts):
 * the highest version per account, the same list renewed, a lower one or
 * another of the held version refused 'stale', at most so many lists, each
 * for DEVICE_LIST_TTL_MS after it last came (an injected clock).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { DEVICE_LIST_TTL_MS, deviceListKey, deviceListValue } from '@parley/protocol/devices/dht'
import { signDeviceList } from '@parley/protocol/devices/list'
import { DeviceListStore } from '../src/peer-records/device-lists.ts'
import { fieldsOf, makeAccounts, NOW } from '../../packages/protocol/test/devices/helpers.ts'
import type { Account } from '../../packages/protocol/test/devices/helpers.ts'

const [alice, phone, bob] = makeAccounts(3) as [Account, Account, Account]
const listOf = (who: Account, version: number, others: Account[] = []): ReturnType<typeof signDeviceList> => signDeviceList(who.secret, fieldsOf(who, others, version))
const keyOf = (who: Account): Uint8Array => deviceListKey(peerIdFromString(who.peer))

describe('DeviceListStore', () => {
  it('keeps the highest version per account; the same list renews it; lower or conflicting ones are stale', () => {
    let now = 1000
    const store = new DeviceListStore({ now: () => now })
    const v1 = listOf(alice, NOW)
    expect(store.put(keyOf(alice), deviceListValue(v1.signed), v1)).toBe(true)
    now += DEVICE_LIST_TTL_MS - 1
    expect(store.put(keyOf(alice), deviceListValue(v1.signed), v1)).toBe(false)
    now += 2
    // renewed: still held past its first TTL
    expect(store.get(keyOf(alice))?.version).toBe(NOW)
    const other = listOf(alice, NOW, [phone])
    expect(() => store.put(keyOf(alice), deviceListValue(other.signed), other)).toThrow(expect.objectContaining({ code: 'stale' }))
    const older = listOf(alice, NOW - 1)
    expect(() => store.put(keyOf(alice), deviceListValue(older.signed), older)).toThrow(expect.objectContaining({ code: 'stale' }))
    const v2 = listOf(alice, NOW + 1, [phone])
    expect(store.put(keyOf(alice), deviceListValue(v2.signed), v2)).toBe(true)
    expect(store.get(keyOf(alice))?.body).toBe(v2.signed.body)
  })

  it('holds at most maxLists, sweeping lists whose time is up to make room', () => {
    let now = 0
    const store = new DeviceListStore({ maxLists: 1, now: () => now })
    const a = listOf(alice, NOW)
    const b = listOf(bob, NOW)
    store.put(keyOf(alice), deviceListValue(a.signed), a)
    expect(() => store.put(keyOf(bob), deviceListValue(b.signed), b)).toThrow(expect.objectContaining({ code: 'full' }))
    now += DEVICE_LIST_TTL_MS
    expect(store.put(keyOf(bob), deviceListValue(b.signed), b)).toBe(true)
    expect(store.get(keyOf(alice))).toBeUndefined()
    expect(store.size).toBe(1)
  })
})
