/**
 * The app's side of Web Push (issue 59, increment 2): the worker's node,
 * handed a push subscription as a tab hands it (setPushSubscription),
 * registers it with the relays it holds reservations on (real relay-node
 * processes), only with those whose VAPID key is the one the subscription was
 * made with; while the node is stopped, an item deposited for it is a push
 * that the push service (tests/support/push-service.ts) decrypts; handed null,
 * the node removes it from the relay. getPushStatus says it per relay.
 * getPushKeys asks the relays for their keys (KEY) before any subscription,
 * and picks the one to subscribe with; a relay with --push off says `off`.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { IDBFactory } from 'fake-indexeddb'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { fromBase64Url } from '@parley/protocol/base64'
import { decodePushPayload } from '@parley/protocol/push/payload'
import { startServicePeer, WAIT } from './harness.ts'
import { startRelayFixture } from '../support/relay.ts'
import { TestPushService } from '../support/push-service.ts'
import type { Peer } from './harness.ts'
import type { RelayFixture } from '../support/relay.ts'
import type { PushStatus } from '../../src/lib/contract/index.ts'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const cleanup of cleanups.splice(0).reverse()) await cleanup() })

async function relay (extraArgs: string[] = []): Promise<RelayFixture> {
  const r = await startRelayFixture({
    webrtcDirectPort: 'off',
    dataDirPrefix: 'parley-push-app-',
    extraArgs: ['--metrics-port', '0', '--push-allow-insecure-loopback', 'on', '--push-coalesce-ms', '500', ...extraArgs]
  })
  cleanups.push(async () => r.close())
  return r
}

/** The relay's VAPID public key (base64url), as the tab would have it to subscribe with. */
async function vapidKeyOf (r: RelayFixture): Promise<string> {
  const stored = JSON.parse(await readFile(join(r.dataDir, 'push-vapid.json'), 'utf8')) as { publicKey: string }
  return stored.publicKey
}

async function metric (r: RelayFixture, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${r.process.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

async function peer (relays: RelayFixture[], factory = new IDBFactory(), name?: string): Promise<Peer> {
  const p = await startServicePeer(() => relays.flatMap(r => r.multiaddrs.slice(0, 1)), factory, name)
  cleanups.push(async () => p.stop())
  return p
}

const stateOf = (status: PushStatus, r: RelayFixture): string | undefined => status.relays.find(s => s.relay === r.process.peerId)?.state

describe('Web Push, the app registering its subscription', () => {
  it('registers with the relay whose VAPID key the subscription names, not the other; a deposit while away is a push; null removes it', async () => {
    const service = await TestPushService.start()
    cleanups.push(async () => service.close())
    const [a, b] = [await relay(), await relay()] as const
    const keyA = await vapidKeyOf(a)
    expect(await vapidKeyOf(b)).not.toBe(keyA)
    service.expectVapidKey(fromBase64Url(keyA))

    const factory = new IDBFactory()
    let bob = await peer([a, b], factory, 'Bob')
    const bobId = bob.node.status.peerId ?? ''
    // before any subscription, KEY: each relay's key; the one to subscribe with, between two relays of one each, sorts first
    const keyB = await vapidKeyOf(b)
    await expect.poll(async () => (await bob.node.call('getPushKeys')).relays.filter(r => r.state === 'on').length, WAIT).toBe(2)
    const keys = await bob.node.call('getPushKeys')
    expect(keys.relays.find(r => r.relay === a.process.peerId)).toMatchObject({ state: 'on', vapidKey: keyA, subscriptionDays: 30 })
    expect(keys.relays.find(r => r.relay === b.process.peerId)).toMatchObject({ state: 'on', vapidKey: keyB })
    expect(keys.key).toEqual(keyA < keyB ? { vapidKey: keyA, relays: [a.process.peerId] } : { vapidKey: keyB, relays: [b.process.peerId] })
    const sub = service.subscribe()
    const input = { endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth, applicationServerKey: fromBase64Url(keyA) }

    // a bad key is refused and changes nothing stored
    await expect(bob.node.call('setPushSubscription', { ...input, p256dh: new Uint8Array(65) })).rejects.toMatchObject({ code: 'pushKeyInvalid', params: { key: 'p256dh' } })
    expect(await bob.node.call('getPushStatus')).toEqual({ enabled: false, names: false, relays: [] })

    await bob.node.call('setPushSubscription', input)
    // both relays hold a reservation of Bob's by now or soon: each is asked on the new reservation
    await expect.poll(async () => { const s = await bob.node.call('getPushStatus'); return [stateOf(s, a), stateOf(s, b)] }, WAIT).toEqual(['registered', 'other-key'])
    const status = await bob.node.call('getPushStatus')
    expect(status).toMatchObject({ enabled: true, applicationServerKey: keyA })
    expect(status.relays.find(s => s.relay === a.process.peerId)).toMatchObject({ vapidKey: keyA, expiresAt: expect.any(Number) as number })
    expect(status.relays.find(s => s.relay === b.process.peerId)).toMatchObject({ vapidKey: await vapidKeyOf(b) })
    expect(await metric(a, 'parley_push_subscriptions')).toBe(1)
    // B was asked, answered with its key, and was asked to remove it again
    expect(await metric(b, 'parley_push_subscriptions')).toBe(0)
    expect(await metric(b, 'parley_push_subscriptions_dropped_total{reason="removed"}')).toBe(1)

    // Bob goes away; someone deposits for him on A: one push, which decrypts
    await bob.stop()
    await expect.poll(async () => metric(a, 'parley_relay_connections'), WAIT).toBe(0)
    const aliceKey = await generateKeyPair('Ed25519')
    const alice = await createLibp2p({ privateKey: aliceKey, transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    cleanups.push(async () => alice.stop())
    const connection = await alice.dial(multiaddr(a.multiaddrs[0] ?? ''))
    for (let i = 0; i < 3; i++) {
      await mailboxRequest(connection, { op: 'deposit', id: crypto.getRandomValues(new Uint8Array(16)), recipient: peerIdFromString(bobId).toMultihash().bytes, item: new TextEncoder().encode(`item ${i}`) })
    }
    await expect.poll(() => service.pushesTo(sub.id).length, WAIT).toBe(1)
    const [push] = service.pushesTo(sub.id)
    expect(push?.problems).toEqual([])
    // version 2: the count and four hint slots (these deposits came without hints: filler)
    expect(decodePushPayload(push?.plaintext ?? new Uint8Array())).toMatchObject({ relay: a.process.peerId, items: 3 })

    // back, with what it stored: nothing is registered again before its renewal is due
    bob = await peer([a, b], factory)
    // the subscription's own key comes first, whichever sorts first
    await expect.poll(async () => (await bob.node.call('getPushKeys')).key, WAIT).toEqual({ vapidKey: keyA, relays: [a.process.peerId] })
    const registered = await metric(a, 'parley_push_registrations_total')
    expect(stateOf(await bob.node.call('getPushStatus'), a)).toBe('registered')
    // null: removed from the relay that held it
    expect(await bob.node.call('setPushSubscription', null)).toEqual({ enabled: false, names: false, relays: [] })
    // "Show names in notifications" is kept apart from the subscription, with the device's notification key
    expect(await bob.node.call('setPushNames', { on: true })).toMatchObject({ enabled: false, names: true })
    expect((await bob.node.call('getPushStatus')).names).toBe(true)
    await expect.poll(async () => metric(a, 'parley_push_subscriptions'), WAIT).toBe(0)
    expect(await metric(a, 'parley_push_subscriptions_dropped_total{reason="removed"}')).toBe(1)
    expect(await metric(a, 'parley_push_registrations_total')).toBe(registered)
  }, 120_000)

  it('asks its relays for their keys before it has a subscription, subscribes with the one a relay with push on has; a relay with --push off says off', async () => {
    const service = await TestPushService.start()
    cleanups.push(async () => service.close())
    const [on, off] = [await relay(), await relay(['--push', 'off'])] as const
    const bob = await peer([on, off], new IDBFactory(), 'Bob')
    await expect.poll(async () => (await bob.node.call('getPushKeys')).relays.map(r => r.state).sort(), WAIT).toEqual(['off', 'on'])
    const keys = await bob.node.call('getPushKeys')
    expect(keys.relays.find(r => r.relay === off.process.peerId)).toEqual({ relay: off.process.peerId, state: 'off' })
    expect(keys.key).toEqual({ vapidKey: await vapidKeyOf(on), relays: [on.process.peerId] })
    expect(await bob.node.call('getPushStatus')).toEqual({ enabled: false, names: false, relays: [] })

    // what a tab does next: the browser subscribes with that key, the node registers it
    const key = fromBase64Url(keys.key?.vapidKey ?? '')
    const sub = service.subscribe({ applicationServerKey: key })
    const status = await bob.node.call('setPushSubscription', { endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth, applicationServerKey: key })
    expect([stateOf(status, on), stateOf(status, off)]).toEqual(['registered', 'unsupported'])

    // away: a deposit on the relay with push on is a push signed with that key
    const bobId = bob.node.status.peerId ?? ''
    await bob.stop()
    await expect.poll(async () => metric(on, 'parley_relay_connections'), WAIT).toBe(0)
    const alice = await createLibp2p({ privateKey: await generateKeyPair('Ed25519'), transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    cleanups.push(async () => alice.stop())
    const connection = await alice.dial(multiaddr(on.multiaddrs[0] ?? ''))
    await mailboxRequest(connection, { op: 'deposit', id: crypto.getRandomValues(new Uint8Array(16)), recipient: peerIdFromString(bobId).toMultihash().bytes, item: new TextEncoder().encode('hello') })
    await expect.poll(() => service.pushesTo(sub.id).length, WAIT).toBe(1)
    expect(service.pushesTo(sub.id)[0]?.problems).toEqual([])
  }, 120_000)
})
