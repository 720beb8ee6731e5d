/**
 * The devices feature (src/lib/p2p/devices; issue 58, increment 1): at start
 * the holder of the account key signs its one-device list when there is none
 * or it is stale, with version max(last + 1, now); a restart signs nothing
 * new; renaming stores the name and signs again; a bad name changes nothing.
 * Onboarding and restore (Identity) make the account row the service reads.
 * A real ParleyDb on fake-indexeddb, a real Ed25519 identity, an injected clock.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { openDeviceList } from '@parley/protocol/devices/list'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { accountOfProfile, getAccount } from '../../../../src/lib/db/account.ts'
import { exportBackup, readBackup } from '../../../../src/lib/db/backup.ts'
import { saveNewIdentity } from '../../../../src/lib/db/profile.ts'
import { Devices } from '../../../../src/lib/p2p/devices/devices.ts'
import { Identity } from '../../../../src/lib/p2p/identity/identity.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { ProfileRow } from '../../../../src/lib/db/types.ts'

const NOW = 1_764_424_800_000
let db: ParleyDb
let profile: ProfileRow
let identity: Identity
let clock: number

beforeEach(async () => {
  db = await openTestDb()
  const key = await generateKeyPair('Ed25519')
  profile = { id: 1, peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), username: 'Me', createdAt: NOW - 86_400_000 }
  identity = new Identity({ db, origin: 'https://parley.example', status: { current: { addresses: [] } } as never, devices: { account: undefined, holder: false } })
  clock = NOW
})
afterEach(() => { db.close() })

/** The versions `devices:changed` told, in order (what gives contacts and the DHT the list). */
let told: number[] = []

async function started (): Promise<Devices> {
  await identity.load()
  told = []
  const events = new TypedEventEmitter<ParleyEvents>()
  events.addEventListener('devices:changed', ({ detail }) => { told.push(detail.version) })
  const devices = new Devices({ db, identity, logger: defaultLogger(), events }, { now: () => clock })
  await devices.start()
  return devices
}

describe('Devices', () => {
  it('signs the one-device list of a new identity at start: the account first, named as stored, added when the account was made', async () => {
    await saveNewIdentity(db, profile)
    const devices = await started()
    expect(devices.account).toBe(profile.peerId)
    expect(devices.holder).toBe(true)
    const row = await getAccount(db)
    expect(row?.version).toBe(NOW)
    const list = openDeviceList(row?.list, { account: profile.peerId })
    expect(list).toMatchObject({ account: profile.peerId, version: NOW, at: NOW, devices: [{ peer: profile.peerId, name: '', added: profile.createdAt }] })
    expect(devices.ownList()).toEqual(list)
    expect(await devices.view()).toEqual({
      account: profile.peerId, device: profile.peerId, holder: true, deviceName: '', version: NOW, removed: false,
      devices: [{ peer: profile.peerId, name: '', added: profile.createdAt, thisDevice: true }]
    })
  })

  it('signs nothing new when the node starts again with a list that is current', async () => {
    await saveNewIdentity(db, profile)
    await started()
    const first = await getAccount(db)
    clock = NOW + 60_000
    const again = await started()
    expect(await getAccount(db)).toEqual(first)
    expect(again.ownList()?.version).toBe(NOW)
  })

  it('renames this device and signs again past the last version, also when the clock went back', async () => {
    await saveNewIdentity(db, profile)
    const devices = await started()
    clock = NOW - 5_000
    const view = await devices.rename('  Laptop  ')
    expect(view).toMatchObject({ deviceName: 'Laptop', version: NOW + 1, devices: [{ peer: profile.peerId, name: 'Laptop', thisDevice: true }] })
    expect(openDeviceList((await getAccount(db))?.list).devices[0]?.name).toBe('Laptop')
    clock = NOW + 10_000
    expect((await devices.rename('Ноутбук')).version).toBe(NOW + 10_000)
    expect(devices.ownList()?.devices[0]?.name).toBe('Ноутбук')
  })

  it('refuses a name the list cannot carry, with its code, and changes nothing stored', async () => {
    await saveNewIdentity(db, profile)
    const devices = await started()
    const before = await getAccount(db)
    await expect(devices.rename('x'.repeat(65))).rejects.toMatchObject({ name: 'InvalidDeviceNameError', code: 'deviceNameTooLong', params: { max: 64 } })
    await expect(devices.rename('tab\there')).rejects.toMatchObject({ name: 'InvalidDeviceNameError', code: 'deviceNameControl' })
    await expect(devices.rename('lone \ud800')).rejects.toMatchObject({ code: 'deviceNameControl' })
    expect(await getAccount(db)).toEqual(before)
  })

  it('an identity from before accounts (the v13 upgrade\'s row) gets its list at start', async () => {
    await saveNewIdentity(db, profile)
    await db.account.put(accountOfProfile(profile))
    const devices = await started()
    expect(devices.ownList()?.version).toBe(NOW)
  })

  it('a restored holder whose backup carried a version ahead of its clock signs past it', async () => {
    await saveNewIdentity(db, profile)
    await db.account.put(accountOfProfile(profile, { deviceName: 'Phone', version: NOW + 3_600_000 }))
    const devices = await started()
    expect(devices.ownList()).toMatchObject({ version: NOW + 3_600_001, at: NOW, devices: [{ name: 'Phone' }] })
  })

  it('a stored list that does not open, or says otherwise than the row, is signed anew with a greater version', async () => {
    await saveNewIdentity(db, profile)
    await started()
    const row = await getAccount(db)
    if (row?.list === undefined) throw new Error('no list')
    await db.account.put({ ...row, list: { ...row.list, sig: row.list.sig.replace(/^./, (c) => c === 'A' ? 'B' : 'A') } })
    clock = NOW + 1
    expect((await started()).ownList()?.version).toBe(NOW + 1)
    await db.account.update(1, { deviceName: 'Renamed elsewhere' })
    expect((await started()).ownList()).toMatchObject({ version: NOW + 2, devices: [{ name: 'Renamed elsewhere' }] })
  })

  it('makes the account row again if it went missing beside a profile', async () => {
    await saveNewIdentity(db, profile)
    await db.account.clear()
    const devices = await started()
    expect(devices.account).toBe(profile.peerId)
    expect(await getAccount(db)).toMatchObject({ account: profile.peerId, holder: true, version: NOW })
  })
})

describe('Identity makes the account row', () => {
  it('at onboarding, with the profile', async () => {
    const made = await identity.create('Alice')
    expect(await getAccount(db)).toEqual(accountOfProfile(made))
  })

  it('at a restore, with the name and version the backup carried', async () => {
    const source = await openTestDb()
    await saveNewIdentity(source, profile)
    await source.account.update(1, { deviceName: 'Laptop', version: NOW + 7 })
    const file = await exportBackup(source, 'correct horse battery', { includeHistory: false, cost: { memoryKiB: 64, iterations: 1, parallelism: 1 } })
    source.close()
    expect((await readBackup(file, 'correct horse battery')).account).toEqual({ deviceName: 'Laptop', listVersion: NOW + 7 })
    // Identity.restore reads the file with the app's cost bounds; the low-cost file is within them
    await identity.restore(file, 'correct horse battery')
    expect(await getAccount(db)).toEqual({ id: 1, account: profile.peerId, holder: true, deviceName: 'Laptop', version: NOW + 7 })
    expect((await started()).ownList()?.version).toBe(NOW + 8)
  })

  it('adds a device being linked: a newer list with it last, stored; the same device again changes nothing; a sixth device is refused (full), nothing stored', async () => {
    await saveNewIdentity(db, profile)
    const devices = await started()
    const others = await Promise.all(Array.from({ length: 5 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    clock = NOW + 1_000
    const list = await devices.addDevice(others[0] ?? '', 'Phone')
    expect(list).toMatchObject({ version: NOW + 1_000, devices: [{ peer: profile.peerId }, { peer: others[0], name: 'Phone', added: NOW + 1_000 }] })
    expect(openDeviceList((await getAccount(db))?.list, { account: profile.peerId })).toEqual(list)
    expect(devices.ownList()).toEqual(list)
    expect(await devices.addDevice(others[0] ?? '', 'Phone')).toEqual(list)
    // the new version is told once (contacts and the DHT get it); the same device again tells nothing
    expect(told).toEqual([NOW + 1_000])
    for (const peer of others.slice(1, 4)) await devices.addDevice(peer, '')
    const five = await getAccount(db)
    expect(openDeviceList(five?.list).devices).toHaveLength(5)
    await expect(devices.addDevice(others[4] ?? '', '')).rejects.toMatchObject({ name: 'DeviceListError', code: 'too-many-devices' })
    expect(await getAccount(db)).toEqual(five)
  })

  it('a device that does not hold the account key adds none', async () => {
    await saveNewIdentity(db, profile)
    await db.account.put({ ...accountOfProfile(profile), account: peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString(), holder: false })
    const devices = await started()
    const before = await getAccount(db)
    await expect(devices.addDevice(peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString(), '')).rejects.toThrow('only the device holding the account key')
    expect(await getAccount(db)).toEqual(before)
  })
})
