/**
 * The account and its device list in a running node (issue 58, increment 1;
 * src/lib/p2p/devices), against a real relay-node: a node made through
 * onboarding has signed its one-device list by the time it runs, the tab's
 * `getDevices` shows it, `renameDevice` signs a newer one, and the node
 * started again on the same database (a reload) keeps that list as it is.
 * The account is the identity contacts know: its PeerID is the node's.
 */
import { openDeviceList } from '@parley/protocol/devices/list'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { startHarness } from './harness.ts'
import type { Harness } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

describe('devices in a running node', () => {
  it('onboarding signs the one-device list; a rename signs a newer one, which a restart keeps', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const peerId = alice.node.status.peerId ?? ''
    const view = await alice.node.call('getDevices', undefined)
    expect(view).toMatchObject({ account: peerId, device: peerId, holder: true, deviceName: '', devices: [{ peer: peerId, name: '', thisDevice: true }] })
    expect(view.version).toBeGreaterThan(0)

    const renamed = await alice.node.call('renameDevice', { name: 'Laptop' })
    expect(renamed.version).toBeGreaterThan(view.version)
    const row = await getAccount(alice.db)
    const list = openDeviceList(row?.list, { account: peerId })
    expect(list).toMatchObject({ version: renamed.version, devices: [{ peer: peerId, name: 'Laptop' }] })
    await expect(alice.node.call('renameDevice', { name: 'a\u0000b' })).rejects.toMatchObject({ name: 'InvalidDeviceNameError', code: 'deviceNameControl' })

    await alice.stop()
    const again = await harness.startPeer(alice.factory)
    expect(await getAccount(again.db)).toEqual(row)
    expect(await again.node.call('getDevices', undefined)).toEqual(renamed)
  })
})
