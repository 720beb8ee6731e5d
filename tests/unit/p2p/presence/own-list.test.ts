/**
 * Issue 58, increment 8: OwnListWatcher against a scripted node (fake
 * timers). A linked device looks its account's list up once reachable
 * through a relay, then every OWN_LIST_CHECK_MS, and at once when the node
 * is online again after being offline; the newest list that opens as the
 * account's goes to the devices feature; a forged one (its body changed
 * under the signature), another account's and an oversize value never do.
 * The holder and a device removed already never look; stop ends the timer.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { EventTypes, MessageType } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { deviceListKey, deviceListValue } from '@parley/protocol/devices/dht'
import { signDeviceList } from '@parley/protocol/devices/list'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { OWN_LIST_CHECK_MS, OwnListWatcher } from '../../../../src/lib/p2p/presence/own-list.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { OwnListWatcherComponents } from '../../../../src/lib/p2p/presence/own-list.ts'
import type { OwnListOutcome } from '../../../../src/lib/p2p/kernel/ports/devices.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import type { QueryEvent } from '@libp2p/kad-dht'
import type { DeviceList } from '@parley/protocol/devices/list'
import type { Multiaddr } from '@multiformats/multiaddr'

const RELAY = '12D3KooWAJjbRkp8FPF5MKgMU53aUTxWkqvDrs4zc1VMbwRwfsbE'

let accountKey: Ed25519PrivateKey
let account: PeerId
let self: PeerId
let addresses: Multiaddr[]
/** the values the relays answer a GET_VALUE of our account's key with */
let values: Uint8Array[]
let lookups: number
/** the keys looked up: every one our account's */
let keys: Uint8Array[]
let taken: DeviceList[]
let devices: { account: string | undefined, holder: boolean, removed: boolean }
let onUpdate: (() => void) | undefined
let events: TypedEventEmitter<ParleyEvents>
let watcher: OwnListWatcher

function value (key: Ed25519PrivateKey, version: number): Uint8Array {
  const owner = peerIdFromPrivateKey(key).toString()
  return deviceListValue(signDeviceList(key.raw.subarray(0, 32), { account: owner, version, at: version, devices: [{ peer: owner, name: '', added: 1 }] }).signed)
}

beforeEach(async () => {
  vi.useFakeTimers()
  accountKey = await generateKeyPair('Ed25519')
  account = peerIdFromPrivateKey(accountKey)
  self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  addresses = [multiaddr(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${RELAY}/p2p-circuit/p2p/${self.toString()}`)]
  values = []
  lookups = 0
  keys = []
  taken = []
  devices = { account: account.toString(), holder: false, removed: false }
  onUpdate = undefined
  const node = {
    peerId: self,
    getMultiaddrs: () => addresses,
    addEventListener: (type: string, listener: () => void) => { if (type === 'self:peer:update') onUpdate = listener },
    removeEventListener: () => { onUpdate = undefined },
    services: {
      dht: {
        get: async function * (key: Uint8Array): AsyncGenerator<QueryEvent> {
          lookups++
          keys.push(key)
          for (const v of values) {
            yield { name: 'PEER_RESPONSE', type: EventTypes.PEER_RESPONSE, from: peerIdFromPrivateKey(accountKey), messageName: 'GET_VALUE', messageType: MessageType.GET_VALUE, closer: [], providers: [], record: new Libp2pRecord(key, v, new Date()), path: { index: 0, queued: 0, running: 0, total: 1 } }
          }
        }
      }
    }
  }
  events = new TypedEventEmitter<ParleyEvents>()
  const components = {
    logger: testLogger(),
    events,
    libp2p: node as unknown as OwnListWatcherComponents['libp2p'],
    devices: {
      get account () { return devices.account },
      get holder () { return devices.holder },
      get removed () { return devices.removed },
      takeOwnList: async (list: DeviceList): Promise<OwnListOutcome> => { taken.push(list); return 'newer' }
    }
  }
  watcher = new OwnListWatcher(components)
})

afterEach(() => {
  watcher.stop()
  vi.useRealTimers()
})

function begin (): void {
  watcher.start()
  watcher.afterStart()
}

describe('OwnListWatcher', () => {
  it('looks up once reachable, hands over the newest list that opens, and looks again every OWN_LIST_CHECK_MS', async () => {
    const stranger = await generateKeyPair('Ed25519')
    const forged = JSON.parse(new TextDecoder().decode(value(accountKey, 9))) as { body: string, sig: string }
    forged.body = forged.body.replace('"version":9', '"version":99')
    values = [value(accountKey, 5), new TextEncoder().encode(JSON.stringify(forged)), value(stranger, 50), value(accountKey, 7)]
    addresses = []
    begin()
    await vi.advanceTimersByTimeAsync(0)
    expect(lookups).toBe(0)

    addresses = [multiaddr(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${RELAY}/p2p-circuit/p2p/${self.toString()}`)]
    onUpdate?.()
    await vi.advanceTimersByTimeAsync(0)
    expect(lookups).toBe(1)
    expect(taken.map(l => l.version)).toEqual([7])
    // another address change does not look again; the timer does
    onUpdate?.()
    await vi.advanceTimersByTimeAsync(OWN_LIST_CHECK_MS - 1)
    expect(lookups).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(lookups).toBe(2)
    expect(keys).toEqual([deviceListKey(account), deviceListKey(account)])
    // online again after a while offline (a phone waking up): at once, past the gap
    await vi.advanceTimersByTimeAsync(60_000)
    events.safeDispatchEvent('online', { detail: undefined })
    await vi.advanceTimersByTimeAsync(0)
    expect(lookups).toBe(3)
  })

  it('hands over nothing when no list found opens as the account\'s', async () => {
    const stranger = await generateKeyPair('Ed25519')
    values = [value(stranger, 50), new Uint8Array(5000).fill(0x20)]
    expect(await watcher.check()).toBeUndefined()
    expect(lookups).toBe(1)
    expect(taken).toEqual([])
  })

  it('the holder and a device removed already never look; stop ends the timer', async () => {
    values = [value(accountKey, 7)]
    devices.holder = true
    begin()
    await vi.advanceTimersByTimeAsync(OWN_LIST_CHECK_MS * 2)
    expect(await watcher.check()).toBeUndefined()
    devices.holder = false
    devices.removed = true
    expect(await watcher.check()).toBeUndefined()
    expect(lookups).toBe(0)

    devices.removed = false
    expect(await watcher.check()).toBe('newer')
    watcher.stop()
    await vi.advanceTimersByTimeAsync(OWN_LIST_CHECK_MS * 2)
    expect(lookups).toBe(1)
  })
})
