/**
 * The account's device list in the relays' DHT (issue 58; docs/protocols.md,
 * "The device list in the DHT"), with a real relay-node: the holder (Alice)
 * publishes her signed list under `/parley-devices/<her multihash>` once she
 * holds a reservation; Bob, her contact, looking her up takes it (with the
 * chat's notice), as a list given over a session is. The relay takes only
 * lists that open as the account's the key names, each newer than the one it
 * holds: forged, another account's, oversize and older ones are refused.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { deviceListKey, deviceListValue } from '@parley/protocol/devices/dht'
import { signDeviceList } from '@parley/protocol/devices/list'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { refreshDeviceList } from '../../src/lib/p2p/presence/device-lists.ts'
import { putValueTo } from '../../src/lib/p2p/relays/dht.ts'
import { befriend, identityKeyOf, peerIdOf, startHarness } from './harness.ts'
import type { Logger } from '@libp2p/interface'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const quiet = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => quiet }) as unknown as Logger

/** Alice's list with `others` after her own device, signed with her key at `version`. */
async function aliceList (alice: Peer, others: string[], version: number): Promise<ReturnType<typeof signDeviceList>> {
  const row = await getAccount(alice.db)
  if (row === undefined) throw new Error('no account')
  const key = await identityKeyOf(alice)
  const account = peerIdOf(alice)
  return signDeviceList(key.raw.subarray(0, 32), {
    account, version, at: version, devices: [{ peer: account, name: row.deviceName, added: 1 }, ...others.map(peer => ({ peer, name: 'Phone', added: 2 }))]
  })
}

describe('device lists in the relays\' DHT', () => {
  it('Alice publishes her list; Bob looking her up keeps it; the relay refuses forged, foreign, oversize and older lists', async () => {
    const phone = await harness.startPeer(undefined, 'Phone')
    const first = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { bToA } = await befriend(first, bob)
    // Alice's node takes a list naming her phone as she would sign it once linked, then starts again with it
    const listed = await aliceList(first, [peerIdOf(phone)], ((await getAccount(first.db))?.version ?? 0) + 1)
    const row = await getAccount(first.db)
    if (row === undefined) throw new Error('no account')
    await first.db.account.put({ ...row, list: listed.signed, version: listed.version })
    await first.stop()
    const alice = await harness.startPeer(first.factory)
    const account = peerIdFromString(peerIdOf(alice))

    const bobDht = bob.node.libp2p?.services.dht
    if (bobDht === undefined) throw new Error('no DHT')
    const lookup = async (): Promise<number | undefined> => refreshDeviceList({ db: bob.db, libp2p: { services: { dht: bobDht } } }, account, AbortSignal.timeout(10_000), quiet)
    await vi.waitFor(async () => { expect(await lookup()).toBe(listed.version) }, { timeout: 20_000, interval: 500 })
    const held = await bob.db.contacts.get(bToA)
    expect(held?.devicePeers).toEqual([peerIdOf(alice), peerIdOf(phone)])
    expect((await chatMessages(bob.db, bToA)).flatMap(m => m.notice === undefined ? [] : [m.notice])).toEqual(['device-added'])
    // again: nothing newer
    expect(await lookup()).toBeUndefined()

    const relay = peerIdFromString(harness.relay.peerId)
    const key = deviceListKey(account)
    const put = async (value: Uint8Array, under = key): Promise<boolean> => putValueTo(bobDht, relay, under, value, AbortSignal.timeout(10_000))
    const forged = { body: listed.signed.body.replace(`"version":${listed.version}`, `"version":${listed.version + 7}`), sig: listed.signed.sig }
    expect(await put(deviceListValue(forged))).toBe(false)
    const phoneKey = await identityKeyOf(phone)
    const foreign = signDeviceList(phoneKey.raw.subarray(0, 32), { account: peerIdOf(phone), version: listed.version + 9, at: 1, devices: [{ peer: peerIdOf(phone), name: '', added: 1 }] })
    expect(await put(deviceListValue(foreign.signed))).toBe(false)
    expect(await put(new Uint8Array(5000).fill(0x20))).toBe(false)
    const older = await aliceList(alice, [], listed.version - 1)
    expect(await put(deviceListValue(older.signed))).toBe(false)
    // the one held, again, is taken (renewed); a newer one replaces it, and a lookup finds that one
    expect(await put(deviceListValue(listed.signed))).toBe(true)
    const newer = await aliceList(alice, [], listed.version + 1)
    expect(await put(deviceListValue(newer.signed))).toBe(true)
    expect(await lookup()).toBe(newer.version)
    expect((await bob.db.contacts.get(bToA))?.devicePeers).toEqual([peerIdOf(alice)])
  })
})
