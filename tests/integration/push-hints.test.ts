/**
 * Push hints between the app's nodes through a real relay-node (issue 59,
 * point 4; docs/protocols.md, "Web Push", "How a sender learns the key" and
 * "Attaching hints"): Bob's node, once it has a notification key, gives it
 * to Alice's over `/parley/devices/1.0.0` in a box of their session, and her
 * contact row for Bob keeps it for his device; a key not in its form changes
 * nothing. When Bob is away, Alice's message and her group's message for him
 * are deposited with hints: the push the relay sends Bob's subscription
 * (decrypted by tests/support/push-service.ts) carries hints that open with
 * Bob's notification key to Alice's account PeerID and to the group id. An
 * app from before the key answers `reject invalid`: that device is marked
 * and not offered the key again until it changes. The
 * fallback for a relay from before hints is tested against the codec's
 * refusal in tests/unit/p2p/messaging/hints.test.ts.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fromBase64Url } from '@parley/protocol/base64'
import { lpStream } from '@libp2p/utils'
import { decodeDevicesReply, DEVICES_PROTOCOL, encodeDevicesReply } from '@parley/protocol/devices/wire'
import { openHint } from '@parley/protocol/push/hint'
import { decodePushPayload } from '@parley/protocol/push/payload'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { sessionPeerOf } from '../../src/lib/p2p/sessions/index.ts'
import { befriend, peerIdOf, rawAsker, startServicePeer, WAIT } from './harness.ts'
import { startRelayFixture } from '../support/relay.ts'
import { TestPushService } from '../support/push-service.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import type { DeviceListExchange } from '../../src/lib/p2p/sessions/device-lists.ts'
import type { Peer } from './harness.ts'
import type { RelayFixture } from '../support/relay.ts'
import type { HintChat } from '@parley/protocol/push/hint'
import type { NotifySettingRow } from '../../src/lib/db/types.ts'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const cleanup of cleanups.splice(0).reverse()) await cleanup() })

async function relay (): Promise<RelayFixture> {
  const r = await startRelayFixture({
    webrtcDirectPort: 'off',
    dataDirPrefix: 'parley-push-hints-',
    extraArgs: ['--metrics-port', '0', '--push-allow-insecure-loopback', 'on', '--push-coalesce-ms', '500']
  })
  cleanups.push(async () => r.close())
  return r
}

async function peer (r: RelayFixture, name: string): Promise<Peer> {
  const p = await startServicePeer(() => r.multiaddrs.slice(0, 1), new IDBFactory(), name)
  cleanups.push(async () => p.stop())
  return p
}

async function notifyRow (p: Peer): Promise<NotifySettingRow> {
  const row = await p.db.settings.get('notify')
  if (row?.key !== 'notify') throw new Error('no notification key')
  return row
}

async function metric (r: RelayFixture, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${r.process.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

describe('push hints between the app\'s nodes', () => {
  it('Bob\'s notification key reaches Alice\'s contact row; her message and her group\'s, deposited while he is away, carry hints naming her and the group', async () => {
    const service = await TestPushService.start()
    cleanups.push(async () => service.close())
    const r = await relay()
    const vapidKey = JSON.parse(await readFile(join(r.dataDir, 'push-vapid.json'), 'utf8')) as { publicKey: string }
    service.expectVapidKey(fromBase64Url(vapidKey.publicKey))

    const alice = await peer(r, 'Alice')
    const bob = await peer(r, 'Bob')
    // names on: Bob's notification key is made (Alice never makes one: she has nothing to give)
    await bob.node.call('setPushNames', { on: true })
    const bobKey = await notifyRow(bob)
    const { aToB, bToA } = await befriend(alice, bob)
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.state).toBe('accepted') }, WAIT)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hi' })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toContain('hi') }, WAIT)

    // the session started: Bob gives his key, Alice keeps it for his device, Bob marks it taken
    await vi.waitFor(async () => {
      expect((await alice.db.contacts.get(aToB))?.notifyKeys).toEqual({ [peerIdOf(bob)]: bobKey.publicKey })
      expect((await bob.db.contacts.get(bToA))?.notifySent).toEqual({ key: bobKey.publicKey, devices: [peerIdOf(alice)] })
    }, WAIT)
    expect((await bob.db.contacts.get(bToA))?.notifyKeys).toBeUndefined()

    // a key not in its form, sealed on Bob's session as his node would: refused, Alice's row unchanged
    const ask = await rawAsker(bob, alice, DEVICES_PROTOCOL, decodeDevicesReply)
    const itemId = crypto.getRandomValues(new Uint8Array(16))
    const bad = new TextEncoder().encode(JSON.stringify({ type: 'notify', key: `${bobKey.publicKey.slice(0, 42)}B` }))
    const box = await bob.node.components.sessions.seal(sessionPeerOf(peerIdFromString(peerIdOf(alice))), `t${itemId.join('')}`, itemId, bad, async () => { throw new Error('no new session') }, { keep: false })
    expect(await ask(box)).toEqual({ type: 'reject', reason: 'invalid' })
    expect((await alice.db.contacts.get(aToB))?.notifyKeys).toEqual({ [peerIdOf(bob)]: bobKey.publicKey })

    // a group of Alice's with Bob in it
    const { groupId } = await alice.node.call('createGroup', { name: 'Hints', contactIds: [aToB] })
    await vi.waitFor(async () => { expect((await bob.db.groups.get(groupId))?.state).toBe('invited') }, WAIT)
    await bob.node.call('acceptGroup', { groupId })
    await vi.waitFor(async () => { expect((await alice.db.groups.get(groupId))?.heads).toEqual((await bob.db.groups.get(groupId))?.heads) }, WAIT)

    // Bob subscribes, is registered at the relay, and goes away
    const sub = service.subscribe()
    await bob.node.call('setPushSubscription', { endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth, applicationServerKey: fromBase64Url(vapidKey.publicKey) })
    await expect.poll(async () => (await bob.node.call('getPushStatus')).relays.map(s => s.state), WAIT).toEqual(['registered'])
    const connections = await metric(r, 'parley_relay_connections') ?? 0
    await bob.stop()
    await expect.poll(async () => metric(r, 'parley_relay_connections'), WAIT).toBeLessThan(connections)

    await alice.node.call('sendMessage', { contactId: aToB, text: 'are you there?' })
    await alice.node.call('sendGroupMessage', { groupId, text: 'hello group' })

    // what the pushes' hints open to with Bob's key: Alice's account, and the group
    const secret = fromBase64Url(bobKey.secretKey)
    const publicKey = fromBase64Url(bobKey.publicKey)
    const opened = (): HintChat[] => service.pushesTo(sub.id).flatMap(push => {
      expect(push.problems).toEqual([])
      const payload = decodePushPayload(push.plaintext ?? new Uint8Array())
      return (payload.hints ?? []).flatMap(hint => openHint(hint, secret, publicKey) ?? [])
    })
    await expect.poll(() => opened().map(h => `${h.kind}:${h.chat}`).sort(), WAIT).toEqual(expect.arrayContaining([`contact:${peerIdOf(alice)}`, `group:${groupId}`]))
    // no hint names anything else
    for (const hint of opened()) expect([`contact:${peerIdOf(alice)}`, `group:${groupId}`]).toContain(`${hint.kind}:${hint.chat}`)
  }, 120_000)

  it('an app from before the key answers reject invalid: the device is marked and the key not offered again', async () => {
    const r = await relay()
    const alice = await peer(r, 'Alice')
    const bob = await peer(r, 'Bob')
    // Alice plays an older app: her listener knows no notify payload, so answers it as a malformed one
    const libp2p = alice.node.libp2p
    if (libp2p === undefined) throw new Error('no libp2p')
    let asked = 0
    await libp2p.unhandle(DEVICES_PROTOCOL)
    await libp2p.handle(DEVICES_PROTOCOL, async (stream) => {
      asked++
      const frames = lpStream(stream)
      await frames.read()
      await frames.write(encodeDevicesReply({ type: 'reject', reason: 'invalid' }))
      await stream.close()
    }, { runOnLimitedConnection: true })
    await bob.node.call('setPushNames', { on: true })
    const bobKey = await notifyRow(bob)
    const { aToB, bToA } = await befriend(alice, bob)
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.state).toBe('accepted') }, WAIT)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hi' })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toContain('hi') }, WAIT)
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.notifySent).toEqual({ key: bobKey.publicKey, devices: [peerIdOf(alice)] }) }, WAIT)
    // the session started gave Alice Bob's device list too (refused alike, and marked: not again until it changes)
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.devicesSent).toBeGreaterThan(0) }, WAIT)
    expect(asked).toBe(2)
    // a new chance to offer (as a new session or connection gives): Alice is not asked again
    await (bob.node.components.deviceLists as DeviceListExchange).sessionStarted(peerIdOf(alice))
    expect(asked).toBe(2)
    expect((await alice.db.contacts.get(aToB))?.notifyKeys).toBeUndefined()
  }, 60_000)
})
