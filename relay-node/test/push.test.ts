/**
 * `/parley/push/1.0.0` on relay-node, in process: a registration signed by
 * its device over its own connection is taken and answered with the VAPID
 * key and limits; every other kind is refused with its code and stores
 * nothing; removal; the bound per PeerID; subscriptions and the VAPID key
 * survive a restart; KEY, unsigned, answers the key and limits, or `off` with
 * `--push off`, which refuses the rest with `off`. (Pushes themselves:
 * tests/integration/push.test.ts, against a real process.)
 */
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { p256 } from '@noble/curves/nist.js'
import { PushRefusedError, encodePushRequest } from '@parley/protocol/push/codec'
import { pushKeyRequest, pushRequest } from '@parley/protocol/push/client'
import { PUSH_SUBSCRIPTIONS_PER_PEER } from '../src/push/constants.ts'
import { client, dataDir, defer, metric, relay, useRelayTestDir } from './helpers.ts'
import { createRelayNode } from '../src/index.ts'
import { config } from './helpers.ts'
import type { PushErrorName } from '@parley/protocol/push/constants'
import type { PushRequestFields } from '@parley/protocol/push/codec'
import type { RelayNode } from '../src/index.ts'
import type { Connection, Ed25519PrivateKey, Libp2p } from '@libp2p/interface'

useRelayTestDir()

interface Device { node: Libp2p, connection: Connection, key: Ed25519PrivateKey, multihash: Uint8Array }

async function device (r: RelayNode): Promise<Device> {
  const node = await client()
  const connection = await node.dial(multiaddr(r.multiaddrs[0] ?? ''))
  const key = (node as unknown as { components: { privateKey: Ed25519PrivateKey } }).components.privateKey
  return { node, connection, key, multihash: node.peerId.toMultihash().bytes }
}

const browserKey = (): Uint8Array => p256.getPublicKey(p256.utils.randomSecretKey(), false)

function registration (r: RelayNode, d: Device, overrides: Partial<Extract<PushRequestFields, { op: 'register' }>> = {}): Extract<PushRequestFields, { op: 'register' }> {
  return {
    op: 'register',
    time: Date.now(),
    nonce: crypto.getRandomValues(new Uint8Array(16)),
    relay: r.node.peerId.toMultihash().bytes,
    subject: d.multihash,
    endpoint: 'https://push.example.net/wpush/v2/one',
    p256dh: browserKey(),
    auth: crypto.getRandomValues(new Uint8Array(16)),
    ...overrides
  }
}

async function send (d: Device, fields: PushRequestFields, signer: Ed25519PrivateKey = d.key): ReturnType<typeof pushRequest> {
  return pushRequest(d.connection, { op: fields.op, frame: await encodePushRequest(fields, async b => signer.sign(b)) })
}

async function refusal (promise: Promise<unknown>): Promise<PushErrorName | 'taken'> {
  return promise.then(() => 'taken' as const, (err: unknown) => { if (err instanceof PushRefusedError) return err.code; throw err })
}

describe('push registration', () => {
  it('takes a signed registration and answers with the VAPID key and the limits', async () => {
    const r = await relay({ metricsPort: 0 })
    const alice = await device(r)
    const reply = await send(alice, registration(r, alice))
    expect(reply.op).toBe('register')
    if (reply.op !== 'register') return
    expect(reply.vapidKey).toEqual(r.pushVapidKey)
    expect(reply).toMatchObject({ maxSubscriptions: PUSH_SUBSCRIPTIONS_PER_PEER, pushesPerMinute: 6, coalesceMs: 2000, payloadBytes: 768 })
    expect(reply.expiresAt - Date.now()).toBeGreaterThan(29 * 86_400_000)
    expect(await metric(r, 'parley_push_subscriptions')).toBe(1)
  })

  it('answers KEY, unsigned and before any registration, with the VAPID key and the limits; stores nothing', async () => {
    const r = await relay({ metricsPort: 0 })
    const alice = await device(r)
    const reply = await pushKeyRequest(alice.connection)
    expect(reply).toEqual({ op: 'key', push: 'on', vapidKey: r.pushVapidKey, maxSubscriptions: PUSH_SUBSCRIPTIONS_PER_PEER, pushesPerMinute: 6, coalesceMs: 2000, payloadBytes: 768, subscriptionDays: 30 })
    // the key REGISTER names is the same
    const registered = await send(alice, registration(r, alice))
    expect(registered.op === 'register' ? registered.vapidKey : undefined).toEqual(reply.push === 'on' ? reply.vapidKey : undefined)
    expect(await metric(r, 'parley_push_subscriptions')).toBe(1)
  })

  it('refuses a KEY frame with anything after its type byte (bad-request)', async () => {
    const r = await relay({ metricsPort: 0 })
    const alice = await device(r)
    expect(await refusal(pushRequest(alice.connection, { op: 'remove', frame: Uint8Array.of(0x03, 0x00) }))).toBe('bad-request')
    expect(await metric(r, 'parley_push_rejections_total{code="bad-request"}')).toBe(1)
  })

  it('refuses what is not the device\'s own, fresh, https registration, with its code, storing nothing', async () => {
    const r = await relay({ metricsPort: 0 })
    const alice = await device(r)
    const mallory = await device(r)
    const other = await createRelayNode(config({ dataDir: `${dataDir}/other`, webrtcDirectPort: null }))
    defer(async () => other.stop())
    const fresh = registration(r, alice)
    await send(alice, fresh)
    expect(await metric(r, 'parley_push_subscriptions')).toBe(1)
    const endpoint = 'https://push.example.net/wpush/v2/two'
    const cases: Array<[string, Promise<unknown>, PushErrorName]> = [
      ['signed by another PeerID', send(alice, registration(r, alice, { endpoint }), mallory.key), 'bad-signature'],
      ['for another PeerID, over this one\'s connection', send(alice, registration(r, mallory, { endpoint }), mallory.key), 'wrong-peer'],
      ['for another relay', send(alice, registration(other, alice, { endpoint })), 'wrong-relay'],
      ['ten minutes old', send(alice, registration(r, alice, { endpoint, time: Date.now() - 600_000 })), 'stale'],
      ['replayed (the same nonce)', send(alice, { ...registration(r, alice, { endpoint }), nonce: fresh.nonce }), 'replayed'],
      ['older than the one held', send(alice, registration(r, alice, { time: fresh.time - 1 })), 'replayed'],
      ['plain http', send(alice, registration(r, alice, { endpoint: 'http://push.example.net/x' })), 'bad-endpoint'],
      ['http on loopback without the test flag', send(alice, registration(r, alice, { endpoint: 'http://127.0.0.1:8080/push/x' })), 'bad-endpoint'],
      ['to an IP address', send(alice, registration(r, alice, { endpoint: 'https://10.1.2.3/x' })), 'bad-endpoint']
    ]
    for (const [what, promise, code] of cases) expect({ what, code: await refusal(promise) }).toEqual({ what, code })
    expect(await metric(r, 'parley_push_subscriptions')).toBe(1)
    expect(await metric(r, 'parley_push_rejections_total{code="replayed"}')).toBe(2)
  })

  it('removes a subscription on a signed removal, once', async () => {
    const r = await relay({ metricsPort: 0 })
    const alice = await device(r)
    const fields = registration(r, alice)
    await send(alice, fields)
    const removal = { op: 'remove' as const, time: fields.time + 1, nonce: crypto.getRandomValues(new Uint8Array(16)), relay: fields.relay, subject: fields.subject, endpoint: fields.endpoint }
    expect(await send(alice, removal)).toEqual({ op: 'remove', removed: true })
    expect(await send(alice, { ...removal, time: fields.time + 2, nonce: crypto.getRandomValues(new Uint8Array(16)) })).toEqual({ op: 'remove', removed: false })
    expect(await metric(r, 'parley_push_subscriptions')).toBe(0)
    expect(await metric(r, 'parley_push_subscriptions_dropped_total{reason="removed"}')).toBe(1)
  })

  it('holds a few subscriptions per PeerID: a new one past them replaces the least recently registered', async () => {
    const r = await relay({ metricsPort: 0 })
    const alice = await device(r)
    for (let i = 0; i <= PUSH_SUBSCRIPTIONS_PER_PEER; i++) await send(alice, registration(r, alice, { endpoint: `https://push.example.net/wpush/${i}` }))
    expect(await metric(r, 'parley_push_subscriptions')).toBe(PUSH_SUBSCRIPTIONS_PER_PEER)
    expect(await metric(r, 'parley_push_subscriptions_dropped_total{reason="replaced"}')).toBe(1)
  })

  it('keeps subscriptions and its VAPID key across a restart', async () => {
    const first = await createRelayNode(config({ metricsPort: 0 }))
    const alice = await device(first)
    await send(alice, registration(first, alice))
    const key = first.pushVapidKey
    await alice.node.stop()
    await first.stop()
    const again = await relay({ metricsPort: 0 })
    expect(again.pushVapidKey).toEqual(key)
    expect(await metric(again, 'parley_push_subscriptions')).toBe(1)
  })

  it('forgets a subscription not registered again within 30 days (the relay\'s clock, moved by the test)', async () => {
    let now = 1_800_000_000_000
    const first = await createRelayNode(config({ metricsPort: 0 }), { now: () => now })
    const alice = await device(first)
    await send(alice, registration(first, alice, { time: now }))
    await alice.node.stop()
    await first.stop()
    now += 30 * 86_400_000 - 1
    const before = await createRelayNode(config({ metricsPort: 0 }), { now: () => now })
    expect(await metric(before, 'parley_push_subscriptions')).toBe(1)
    await before.stop()
    now += 1
    const after = await relay({ metricsPort: 0 }, { now: () => now })
    await expect.poll(async () => metric(after, 'parley_push_subscriptions_dropped_total{reason="expired"}')).toBe(1)
    expect(await metric(after, 'parley_push_subscriptions')).toBe(0)
  })

  it('with --push off answers KEY `off` and refuses REGISTER and REMOVE with `off`, keeping nothing', async () => {
    const r = await relay({ push: false, metricsPort: 0 })
    const alice = await device(r)
    expect(r.pushVapidKey).toBeUndefined()
    expect(await pushKeyRequest(alice.connection)).toEqual({ op: 'key', push: 'off' })
    expect(await refusal(send(alice, registration(r, alice)))).toBe('off')
    const { p256dh: _p, auth: _a, ...common } = registration(r, alice)
    expect(await refusal(send(alice, { ...common, op: 'remove' }))).toBe('off')
    expect(await metric(r, 'parley_push_subscriptions')).toBeUndefined()
  })
})
