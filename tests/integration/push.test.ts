/**
 * Web Push from a real relay-node process (issue 59, the relay's half), to a
 * push service on loopback (tests/support/push-service.ts) that checks what
 * a browser's push service checks and decrypts each push with the
 * subscription's own key: a device registers (signed), goes away, and a
 * burst of 20 items for it is one push that says only which relay, how
 * many, and the sealed hints its depositor attached (which only the
 * device's notification key opens), in 768 bytes whether or not hints
 * came; a connected device gets none; 404 and 410 forget the
 * subscription; a registration signed by another PeerID, a replayed one and
 * a non-https endpoint are refused and store nothing; removal works;
 * KEY tells a device the VAPID key its pushes are signed with, before it
 * registers; `--push off` answers KEY `off`, refuses the rest and makes no key. The devices are bare libp2p nodes: the app's
 * side (its service worker) is a later increment.
 */
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { PushRefusedError, encodePushRequest } from '@parley/protocol/push/codec'
import { pushKeyRequest, pushRequest } from '@parley/protocol/push/client'
import { PUSH_HINT_SLOTS, PUSH_PAYLOAD_V2_BYTES } from '@parley/protocol/push/constants'
import { makeNotifyKeyPair, openHint, sealHint } from '@parley/protocol/push/hint'
import { decodePushPayload } from '@parley/protocol/push/payload'
import { startRelayFixture } from '../support/relay.ts'
import { TestPushService } from '../support/push-service.ts'
import type { RelayFixture } from '../support/relay.ts'
import type { TestSubscription } from '../support/push-service.ts'
import type { PushErrorName } from '@parley/protocol/push/constants'
import type { PushRequestFields } from '@parley/protocol/push/codec'
import type { Connection, Ed25519PrivateKey, Libp2p } from '@libp2p/interface'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const cleanup of cleanups.splice(0).reverse()) await cleanup() })

/** Pushes are awaited as conditions; the relay's window here is 5 s (--push-coalesce-ms), far more than 20 deposits take on loopback. */
const WAIT = { timeout: 20_000, interval: 50 }
const COALESCE_MS = 5000

interface Device { node: Libp2p, connection: Connection, key: Ed25519PrivateKey, peerId: string, multihash: Uint8Array }

async function start (extraArgs: string[] = []): Promise<{ relay: RelayFixture, service: TestPushService }> {
  const service = await TestPushService.start()
  cleanups.push(async () => service.close())
  const relay = await startRelayFixture({
    webrtcDirectPort: 'off',
    dataDirPrefix: 'parley-push-',
    extraArgs: ['--metrics-port', '0', '--push-allow-insecure-loopback', 'on', '--push-coalesce-ms', String(COALESCE_MS), ...extraArgs]
  })
  cleanups.push(async () => relay.close())
  return { relay, service }
}

async function device (relay: RelayFixture): Promise<Device> {
  const key = await generateKeyPair('Ed25519') as Ed25519PrivateKey
  const node = await createLibp2p({ privateKey: key, transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
  cleanups.push(async () => node.stop())
  const connection = await node.dial(multiaddr(relay.multiaddrs[0] ?? ''))
  return { node, connection, key, peerId: node.peerId.toString(), multihash: node.peerId.toMultihash().bytes }
}

/** The relay's VAPID public key as its data directory holds it (base64url). */
async function vapidKeyOf (relay: RelayFixture): Promise<string> {
  return (JSON.parse(await readFile(join(relay.dataDir, 'push-vapid.json'), 'utf8')) as { publicKey: string }).publicKey
}

async function metric (relay: RelayFixture, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${relay.process.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

function registration (relay: RelayFixture, d: Device, sub: Pick<TestSubscription, 'endpoint' | 'p256dh' | 'auth'>): Extract<PushRequestFields, { op: 'register' }> {
  return {
    op: 'register',
    time: Date.now(),
    nonce: crypto.getRandomValues(new Uint8Array(16)),
    relay: peerIdFromString(relay.process.peerId).toMultihash().bytes,
    subject: d.multihash,
    endpoint: sub.endpoint,
    p256dh: sub.p256dh,
    auth: sub.auth
  }
}

async function signed (fields: PushRequestFields, signer: Ed25519PrivateKey): Promise<{ op: PushRequestFields['op'], frame: Uint8Array }> {
  return { op: fields.op, frame: await encodePushRequest(fields, async b => signer.sign(b)) }
}

async function codeOf (promise: Promise<unknown>): Promise<PushErrorName | 'taken'> {
  return promise.then(() => 'taken' as const, (err: unknown) => { if (err instanceof PushRefusedError) return err.code; throw err })
}

/** Registers `sub` for `d`, tells the push service the announced key, and takes `d` away from the relay. */
async function registerAndLeave (relay: RelayFixture, service: TestPushService, d: Device, ...subs: TestSubscription[]): Promise<void> {
  for (const sub of subs) {
    const reply = await pushRequest(d.connection, await signed(registration(relay, d, sub), d.key))
    if (reply.op === 'register') service.expectVapidKey(reply.vapidKey)
  }
  await d.node.stop()
  await expect.poll(async () => metric(relay, 'parley_relay_connections'), WAIT).toBe(0)
}

/** aes128gcm: salt 16, record size 4, key id 1 + 65, the padded payload and its delimiter, the tag 16 */
const PUSH_BODY_BYTES = 16 + 4 + 1 + 65 + PUSH_PAYLOAD_V2_BYTES + 1 + 16

async function deposit (from: Device, to: Device, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, async (_, i) =>
    mailboxRequest(from.connection, { op: 'deposit', id: crypto.getRandomValues(new Uint8Array(16)), recipient: to.multihash, item: new TextEncoder().encode(`secret message ${i} from ${from.peerId}`) })))
}

describe('Web Push from relay-node', () => {
  it('a burst of 20 items for a device that is away is one push, saying only which relay, how many and the sealed hints, in 768 bytes', async () => {
    const { relay, service } = await start()
    const bob = await device(relay)
    // as a tab does: the key first (KEY, unsigned), then a subscription made with it
    const key = await pushKeyRequest(bob.connection)
    if (key.push !== 'on') throw new Error('the relay has push off')
    expect(Buffer.from(key.vapidKey).toString('base64url')).toBe(await vapidKeyOf(relay))
    expect(key).toMatchObject({ coalesceMs: COALESCE_MS, subscriptionDays: 30 })
    const sub = service.subscribe({ applicationServerKey: key.vapidKey })
    await registerAndLeave(relay, service, bob, sub)
    const alice = await device(relay)
    await deposit(alice, bob, 18)
    // two come with hints sealed to Bob's notification key (from Alice, and from a group)
    const notify = makeNotifyKeyPair()
    const group = '0123456789abcdef0123456789abcdef'
    for (const hint of [{ kind: 'contact' as const, chat: alice.peerId }, { kind: 'group' as const, chat: group }]) {
      await mailboxRequest(alice.connection, { op: 'deposit', id: crypto.getRandomValues(new Uint8Array(16)), recipient: bob.multihash, item: new Uint8Array(64), hint: sealHint(hint, notify.publicKey) })
    }

    await expect.poll(async () => metric(relay, 'parley_push_sent_total'), WAIT).toBe(1)
    expect(await metric(relay, 'parley_push_coalesced_total')).toBe(19)
    // every one of the 20 items is in that push: none is left to send another
    const pushes = service.pushesTo(sub.id)
    expect(pushes).toHaveLength(1)
    const [push] = pushes
    expect(push?.problems).toEqual([])
    expect(push).toMatchObject({ status: 201, ttl: '43200', urgency: 'high', topic: 'parley', claims: { aud: service.origin } })
    expect(push?.bodyBytes).toBe(PUSH_BODY_BYTES)
    const plaintext = push?.plaintext ?? new Uint8Array()
    expect(plaintext.byteLength).toBe(PUSH_PAYLOAD_V2_BYTES)
    const payload = decodePushPayload(plaintext)
    expect(payload).toMatchObject({ relay: relay.process.peerId, items: 20 })
    expect(payload.hints).toHaveLength(PUSH_HINT_SLOTS)
    // the hints rode through as they were sealed, newest first; the other slots open as nothing
    expect(payload.hints?.map(h => openHint(h, notify.secretKey, notify.publicKey))).toEqual([
      { kind: 'group', chat: group }, { kind: 'contact', chat: alice.peerId }, undefined, undefined
    ])
    const text = new TextDecoder().decode(plaintext)
    // no sender, no content, no group in clear
    expect(text).not.toContain(alice.peerId)
    expect(text).not.toContain('secret')
    expect(text).not.toContain(group)
  }, 60_000)

  it('sends nothing for a device connected to the relay', async () => {
    const { relay, service } = await start()
    const bob = await device(relay)
    const bobSub = service.subscribe()
    await pushRequest(bob.connection, await signed(registration(relay, bob, bobSub), bob.key))
    const alice = await device(relay)
    await deposit(alice, bob, 3)
    // counted when stored: the relay never starts a push for them
    expect(await metric(relay, 'parley_push_skipped_total')).toBe(3)
    // and a device that is away, in the same moment, gets its push
    const carol = await device(relay)
    const carolSub = service.subscribe()
    const reply = await pushRequest(carol.connection, await signed(registration(relay, carol, carolSub), carol.key))
    if (reply.op === 'register') service.expectVapidKey(reply.vapidKey)
    await carol.node.stop()
    await expect.poll(async () => metric(relay, 'parley_relay_connections'), WAIT).toBe(2)
    await deposit(alice, carol, 1)
    await expect.poll(() => service.pushesTo(carolSub.id).length, WAIT).toBe(1)
    // without a hint the push is the same size as one with hints
    expect(service.pushesTo(carolSub.id)[0]?.bodyBytes).toBe(PUSH_BODY_BYTES)
    expect(service.pushesTo(bobSub.id)).toEqual([])
    expect(await metric(relay, 'parley_push_sent_total')).toBe(1)
  }, 60_000)

  it('forgets a subscription its push service answers 404 or 410 for', async () => {
    const { relay, service } = await start()
    const bob = await device(relay)
    const gone404 = service.subscribe()
    const gone410 = service.subscribe()
    service.answerNext(gone404.id, 404)
    service.answerNext(gone410.id, 410)
    await registerAndLeave(relay, service, bob, gone404, gone410)
    expect(await metric(relay, 'parley_push_subscriptions')).toBe(2)
    const alice = await device(relay)
    await deposit(alice, bob, 1)
    await expect.poll(async () => metric(relay, 'parley_push_subscriptions_dropped_total{reason="gone"}'), WAIT).toBe(2)
    expect(await metric(relay, 'parley_push_subscriptions')).toBe(0)
    expect(await metric(relay, 'parley_push_failed_total{reason="gone"}')).toBe(2)
    expect(await metric(relay, 'parley_push_sent_total')).toBe(0)
    // nothing is left to push to
    await deposit(alice, bob, 1)
    expect(service.received.map(r => r.status).sort()).toEqual([404, 410])
  }, 60_000)

  it('refuses a registration signed by another PeerID, a replayed one and a non-https endpoint, storing nothing; removes on request', async () => {
    const { relay, service } = await start()
    const bob = await device(relay)
    const mallory = await device(relay)
    const sub = service.subscribe()
    expect(await codeOf(pushRequest(bob.connection, await signed(registration(relay, bob, sub), mallory.key)))).toBe('bad-signature')
    expect(await codeOf(pushRequest(bob.connection, await signed(registration(relay, bob, { ...sub, endpoint: 'http://push.example.net/wpush/1' }), bob.key)))).toBe('bad-endpoint')
    expect(await metric(relay, 'parley_push_subscriptions')).toBe(0)

    const fields = registration(relay, bob, sub)
    const once = await signed(fields, bob.key)
    expect((await pushRequest(bob.connection, once)).op).toBe('register')
    expect(await codeOf(pushRequest(bob.connection, once))).toBe('replayed')
    expect(await metric(relay, 'parley_push_subscriptions')).toBe(1)

    const removal: PushRequestFields = { op: 'remove', time: fields.time + 1, nonce: crypto.getRandomValues(new Uint8Array(16)), relay: fields.relay, subject: fields.subject, endpoint: fields.endpoint }
    expect(await pushRequest(bob.connection, await signed(removal, bob.key))).toEqual({ op: 'remove', removed: true })
    expect(await metric(relay, 'parley_push_subscriptions')).toBe(0)
    expect(await metric(relay, 'parley_push_subscriptions_dropped_total{reason="removed"}')).toBe(1)
    expect(await metric(relay, 'parley_push_rejections_total{code="bad-signature"}')).toBe(1)
  }, 60_000)

  it('with --push off answers KEY `off`, refuses a registration with `off`, and makes no VAPID key', async () => {
    const { relay, service } = await start(['--push', 'off'])
    const bob = await device(relay)
    expect(await pushKeyRequest(bob.connection)).toEqual({ op: 'key', push: 'off' })
    expect(await codeOf(pushRequest(bob.connection, await signed(registration(relay, bob, service.subscribe()), bob.key)))).toBe('off')
    await expect(access(join(relay.dataDir, 'push-vapid.json'))).rejects.toThrow(/ENOENT/)
    expect(await metric(relay, 'parley_push_subscriptions')).toBeUndefined()
  }, 60_000)
})
