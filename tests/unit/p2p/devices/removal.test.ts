/**
 * Removing a device (src/lib/p2p/devices; issue 58, increment 8). On the
 * holder: `removeDevice` signs a newer list without the device and tells
 * `devices:changed`; itself, a device not listed and a linked device's call
 * are refused with their codes, nothing stored. On a linked device:
 * `takeOwnList` keeps a newer list of its account; one that no longer names
 * it marks the row removed and tells `devices:removed` (a newer one that names it, `devices:changed`); an older one, one of
 * the held version with another body, another account's, and any list on
 * the holder change nothing. `erase` asks the kernel, never on the holder.
 * A real ParleyDb on fake-indexeddb, real Ed25519 keys, an injected clock.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { openDeviceList, signDeviceList } from '@parley/protocol/devices/list'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../../../src/lib/db/account.ts'
import { saveNewIdentity } from '../../../../src/lib/db/profile.ts'
import { Devices } from '../../../../src/lib/p2p/devices/devices.ts'
import { Identity } from '../../../../src/lib/p2p/identity/identity.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { DeviceList } from '@parley/protocol/devices/list'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { ProfileRow } from '../../../../src/lib/db/types.ts'

const NOW = 1_764_424_800_000
let db: ParleyDb
let told: Array<[string, number]>

beforeEach(async () => {
  db = await openTestDb()
  told = []
})
afterEach(() => { db.close() })

async function newKey (): Promise<{ key: Ed25519PrivateKey, peer: string }> {
  const key = await generateKeyPair('Ed25519')
  return { key, peer: peerIdFromPrivateKey(key).toString() }
}

function profileOf ({ key, peer }: { key: Ed25519PrivateKey, peer: string }, username = 'Alice'): ProfileRow {
  return { id: 1, peerId: peer, privateKey: privateKeyToProtobuf(key), username, createdAt: NOW - 86_400_000 }
}

async function started (eraseDevice = vi.fn(async () => {})): Promise<Devices> {
  const identity = new Identity({ db, origin: 'https://parley.example', status: { current: { addresses: [] } } as never, devices: { account: undefined, holder: false } })
  await identity.load()
  const events = new TypedEventEmitter<ParleyEvents>()
  events.addEventListener('devices:changed', ({ detail }) => { told.push(['changed', detail.version]) })
  events.addEventListener('devices:removed', ({ detail }) => { told.push(['removed', detail.version]) })
  const devices = new Devices({ db, identity, logger: defaultLogger(), events, kernel: { eraseDevice } }, { now: () => NOW })
  await devices.start()
  return devices
}

/** The account's list, signed with its key: the account first, then `others`. */
function listOf (account: { key: Ed25519PrivateKey, peer: string }, others: string[], version: number, name = ''): DeviceList {
  const signed = signDeviceList(account.key.raw.subarray(0, 32), {
    account: account.peer, version, at: version, devices: [{ peer: account.peer, name, added: 1 }, ...others.map(peer => ({ peer, name: 'Phone', added: 2 }))]
  })
  return openDeviceList(signed.signed, { account: account.peer })
}

describe('removing a device, on the holder', () => {
  it('signs a newer list without it and tells devices:changed; itself, an unlisted device, are refused and nothing stored', async () => {
    const me = await newKey()
    const phone = await newKey()
    const tablet = await newKey()
    await saveNewIdentity(db, profileOf(me))
    const devices = await started()
    await devices.addDevice(phone.peer, 'Phone')
    const added = await devices.addDevice(tablet.peer, 'Tablet')
    told = []

    const list = await devices.removeDevice(phone.peer)
    expect(list.version).toBeGreaterThan(added.version)
    expect(list.devices.map(d => d.peer)).toEqual([me.peer, tablet.peer])
    expect(openDeviceList((await getAccount(db))?.list, { account: me.peer })).toEqual(list)
    expect(devices.ownList()).toEqual(list)
    expect(told).toEqual([['changed', list.version]])
    expect((await devices.view()).devices.map(d => d.peer)).toEqual([me.peer, tablet.peer])

    const before = await getAccount(db)
    await expect(devices.removeDevice(phone.peer)).rejects.toMatchObject({ name: 'DeviceRemovalError', code: 'deviceNotListed' })
    await expect(devices.removeDevice(me.peer)).rejects.toMatchObject({ name: 'DeviceRemovalError', code: 'removeThisDevice' })
    await expect(devices.erase()).rejects.toMatchObject({ name: 'DeviceRemovalError', code: 'holderCannotErase' })
    expect(await getAccount(db)).toEqual(before)
    expect(told).toEqual([['changed', list.version]])
  })

  it('a holder ignores lists found by a lookup: it signs its own', async () => {
    const me = await newKey()
    await saveNewIdentity(db, profileOf(me))
    const devices = await started()
    const before = await getAccount(db)
    expect(await devices.takeOwnList(listOf(me, [], (before?.version ?? 0) + 5))).toBe('ignored')
    expect(await getAccount(db)).toEqual(before)
  })
})

describe('a linked device learning its account\'s list', () => {
  /** A linked device (as a link stores it): its own key, the account's list of `version` naming it. */
  async function linked (version = 10): Promise<{ devices: Devices, account: Awaited<ReturnType<typeof newKey>>, me: Awaited<ReturnType<typeof newKey>>, erase: ReturnType<typeof vi.fn> }> {
    const account = await newKey()
    const me = await newKey()
    const list = listOf(account, [me.peer], version)
    await db.transaction('rw', db.profile, db.account, async () => {
      await db.profile.add(profileOf(me))
      await db.account.add({ id: 1, account: account.peer, holder: false, deviceName: 'Phone', list: list.signed, version })
    })
    const erase = vi.fn(async () => {})
    return { devices: await started(erase), account, me, erase }
  }

  it('keeps a newer list that names it; one that no longer does marks it removed and tells devices:removed', async () => {
    const { devices, account, me } = await linked()
    const tablet = await newKey()
    expect(await devices.takeOwnList(listOf(account, [me.peer, tablet.peer], 11))).toBe('newer')
    expect((await getAccount(db))?.version).toBe(11)
    expect(devices.removed).toBe(false)
    expect(told).toEqual([['changed', 11]])

    const without = listOf(account, [tablet.peer], 12)
    expect(await devices.takeOwnList(without)).toBe('removed')
    expect(await getAccount(db)).toMatchObject({ holder: false, version: 12, list: without.signed, removed: { version: 12, at: NOW } })
    expect(devices.removed).toBe(true)
    expect(told).toEqual([['changed', 11], ['removed', 12]])
    expect((await devices.view()).removed).toBe(true)
    // removed stays removed: a later list (even one naming it again) is not taken
    expect(await devices.takeOwnList(listOf(account, [me.peer], 13))).toBe('ignored')
    expect((await getAccount(db))?.version).toBe(12)
  })

  it('an older list, another body of the held version, another account\'s list change nothing', async () => {
    const { devices, account } = await linked(10)
    const before = await getAccount(db)
    expect(await devices.takeOwnList(listOf(account, [], 9))).toBe('older')
    expect(await devices.takeOwnList(listOf(account, [], 10, 'other'))).toBe('conflict')
    const stranger = await newKey()
    expect(await devices.takeOwnList(listOf(stranger, [], 50))).toBe('ignored')
    expect(await getAccount(db)).toEqual(before)
    expect(devices.removed).toBe(false)
    expect(told).toEqual([])
  })

  it('erasing a linked device asks the kernel; removing is refused there (only the holder signs)', async () => {
    const { devices, account, erase } = await linked()
    await expect(devices.removeDevice(account.peer)).rejects.toMatchObject({ name: 'DeviceRemovalError', code: 'notAccountHolder' })
    await devices.erase()
    expect(erase).toHaveBeenCalledTimes(1)
  })
})
