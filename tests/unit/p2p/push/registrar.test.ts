/**
 * The push registrar (src/lib/p2p/push/registrar.ts) against relays that
 * answer by hand (pushRequest replaced), on a hand-moved clock: it signs each
 * request with the node's key for the relay named; registers only where the
 * relay's VAPID key is the subscription's (the other is asked to remove it and
 * never asked again); renews after 7 days, not before; tries a refusal that
 * may pass again after the retry time, one that will not pass never; `off`
 * as a relay without the protocol; a new
 * reservation is asked at once; null removes it; a bad subscription stores
 * nothing.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { p256 } from '@noble/curves/nist.js'
import { PushRefusedError, decodePushRequest, verifyPushRequest } from '@parley/protocol/push/codec'
import { toBase64Url } from '@parley/protocol/base64'
import { pushSetting } from '../../../../src/lib/db/settings.ts'
import { PUSH_RENEW_AFTER_MS, PUSH_RETRY_AFTER_MS, PushRegistrar } from '../../../../src/lib/p2p/push/registrar.ts'
import { openTestDb } from '../../db/helpers.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { PushErrorName } from '@parley/protocol/push/constants'
import type { PushRequest } from '@parley/protocol/push/codec'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

/** What the relays were asked, and what each answers. */
const asked: Array<{ relay: string, request: PushRequest }> = []
const answers = new Map<string, { vapidKey: Uint8Array } | { refuse: PushErrorName }>()

vi.mock('@parley/protocol/push/client', () => ({
  pushRequest: async (_connection: unknown, signed: { frame: Uint8Array }) => {
    const request = decodePushRequest(signed.frame)
    const relay = peerIdOfMultihash(request.relay)
    asked.push({ relay, request })
    const answer = answers.get(relay)
    if (answer === undefined) throw new Error('no such relay')
    if ('refuse' in answer) throw new PushRefusedError(answer.refuse, '')
    if (request.op === 'remove') return { op: 'remove', removed: true }
    return { op: 'register', vapidKey: answer.vapidKey, expiresAt: clock + 30 * 86_400_000, maxSubscriptions: 4, pushesPerMinute: 6, coalesceMs: 2000, payloadBytes: 128 }
  }
}))

let clock = 1_800_000_000_000
let db: ParleyDb
let key: Ed25519PrivateKey
let me: PeerId
let relays: PeerId[]
/** the relays our circuit addresses go through */
let reserved: PeerId[]
let registrar: PushRegistrar
const byMultihash = new Map<string, string>()
const peerIdOfMultihash = (bytes: Uint8Array): string => byMultihash.get(toBase64Url(bytes)) ?? 'unknown'

const point = (): Uint8Array => p256.getPublicKey(p256.utils.randomSecretKey(), false)
const keyA = point()
const keyB = point()
const subscription = { endpoint: 'https://push.example.net/wpush/v2/abc', p256dh: point(), auth: new Uint8Array(16).fill(7), applicationServerKey: keyA }

const opsTo = (relay: PeerId): string[] => asked.filter(a => a.relay === relay.toString()).map(a => a.request.op)

beforeEach(async () => {
  asked.length = 0
  answers.clear()
  db = await openTestDb()
  key = await generateKeyPair('Ed25519')
  me = peerIdFromPrivateKey(key)
  relays = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
  for (const r of relays) byMultihash.set(toBase64Url(r.toMultihash().bytes), r.toString())
  reserved = relays.slice(0, 2)
  const [r0, r1, r2] = relays as [PeerId, PeerId, PeerId]
  answers.set(r0.toString(), { vapidKey: keyA })
  answers.set(r1.toString(), { vapidKey: keyB })
  answers.set(r2.toString(), { vapidKey: keyA })
  const libp2p = {
    peerId: me,
    getMultiaddrs: () => reserved.map(r => multiaddr(`/ip4/127.0.0.1/tcp/4001/ws/p2p/${r.toString()}/p2p-circuit/p2p/${me.toString()}`)),
    getConnections: () => [{ status: 'open', limits: undefined }],
    addEventListener: () => {},
    removeEventListener: () => {}
  }
  registrar = new PushRegistrar({ db, logger: testLogger(), libp2p: libp2p as never, identity: { privateKey: () => key } }, { now: () => clock })
  await registrar.start()
})

afterEach(() => {
  registrar.stop()
  db.close()
})

describe('the push registrar', () => {
  it('registers, signed by the node, only where the VAPID key is the subscription\'s; renews after 7 days, never asks the other again', async () => {
    const [r0, r1] = relays as [PeerId, PeerId]
    const status = await registrar.set(subscription)
    expect(status.enabled).toBe(true)
    expect(status.relays.map(r => [r.relay, r.state])).toEqual([[r0.toString(), 'registered'], [r1.toString(), 'other-key']])
    expect(status.relays[1]?.vapidKey).toBe(toBase64Url(keyB))
    expect(opsTo(r0)).toEqual(['register'])
    // the relay with another key holds it for a moment only
    expect(opsTo(r1)).toEqual(['register', 'remove'])
    for (const { relay, request } of asked) {
      expect(verifyPushRequest(request)).toBe(true)
      expect(request.subject).toEqual(me.toMultihash().bytes)
      expect(peerIdOfMultihash(request.relay)).toBe(relay)
      expect(request.endpoint).toBe(subscription.endpoint)
    }
    // each request later than the one before
    const times = asked.map(a => a.request.time)
    expect(times).toEqual([...times].sort((x, y) => x - y))
    expect(new Set(times).size).toBe(times.length)
    const stored = await pushSetting(db)
    expect(stored.subscription).toMatchObject({ endpoint: subscription.endpoint, applicationServerKey: toBase64Url(keyA) })
    expect(stored.relays[r0.toString()]).toMatchObject({ state: 'registered', at: clock })

    asked.length = 0
    clock += PUSH_RENEW_AFTER_MS - 1
    await registrar.reconcile()
    expect(asked).toEqual([])
    clock += 1
    await registrar.reconcile()
    expect(opsTo(r0)).toEqual(['register'])
    expect(opsTo(r1)).toEqual([])
  })

  it('asks a new reservation at once; a refusal that may pass again after the retry time, one that will not never', async () => {
    const [r0, r1, r2] = relays as [PeerId, PeerId, PeerId]
    answers.set(r0.toString(), { refuse: 'rate-limited' })
    answers.set(r1.toString(), { refuse: 'bad-endpoint' })
    const status = await registrar.set({ ...subscription })
    expect(status.relays.map(r => [r.state, r.code])).toEqual([['refused', 'rate-limited'], ['refused', 'bad-endpoint']])

    answers.set(r0.toString(), { vapidKey: keyA })
    answers.set(r1.toString(), { vapidKey: keyA })
    asked.length = 0
    clock += PUSH_RETRY_AFTER_MS - 1
    await registrar.reconcile()
    expect(asked).toEqual([])
    clock += 1
    await registrar.reconcile()
    expect(opsTo(r0)).toEqual(['register'])
    expect(opsTo(r1)).toEqual([])

    // a reservation on a relay not asked yet
    reserved = [r0, r1, r2]
    await registrar.reconcile()
    expect(opsTo(r2)).toEqual(['register'])
    expect(registrar.status().relays.map(r => r.state)).toEqual(['registered', 'refused', 'registered'])
  })

  it('takes a relay that refuses with `off` (--push off) as one without the protocol, and asks it again after the retry time', async () => {
    const [r0, r1] = relays as [PeerId, PeerId]
    answers.set(r1.toString(), { refuse: 'off' })
    const status = await registrar.set(subscription)
    expect(status.relays.map(r => [r.relay, r.state])).toEqual([[r0.toString(), 'registered'], [r1.toString(), 'unsupported']])
    expect((await pushSetting(db)).relays[r1.toString()]).toBeUndefined()

    answers.set(r1.toString(), { vapidKey: keyA })
    asked.length = 0
    clock += PUSH_RETRY_AFTER_MS - 1
    await registrar.reconcile()
    expect(opsTo(r1)).toEqual([])
    clock += 1
    await registrar.reconcile()
    expect(opsTo(r1)).toEqual(['register'])
    expect(registrar.status().relays.map(r => r.state)).toEqual(['registered', 'registered'])
  })

  it('null removes it from every relay that holds it; a bad subscription is refused and stores nothing', async () => {
    const [r0, r1] = relays as [PeerId, PeerId]
    await registrar.set(subscription)
    const before = await pushSetting(db)
    await expect(registrar.set({ ...subscription, endpoint: 'ftp://push.example.net/x' })).rejects.toMatchObject({ code: 'pushEndpointInvalid' })
    await expect(registrar.set({ ...subscription, auth: new Uint8Array(15) })).rejects.toMatchObject({ code: 'pushKeyInvalid', params: { key: 'auth' } })
    await expect(registrar.set({ ...subscription, applicationServerKey: new Uint8Array(65) })).rejects.toMatchObject({ code: 'pushKeyInvalid', params: { key: 'applicationServerKey' } })
    expect(await pushSetting(db)).toEqual(before)

    asked.length = 0
    expect(await registrar.set(null)).toEqual({ enabled: false, relays: [] })
    expect(opsTo(r0)).toEqual(['remove'])
    // it holds none: nothing to ask
    expect(opsTo(r1)).toEqual([])
    expect(await pushSetting(db)).toMatchObject({ subscription: null, relays: {} })
    // off: nothing is registered on a reconcile
    clock += PUSH_RENEW_AFTER_MS
    await registrar.reconcile()
    expect(opsTo(r0)).toEqual(['remove'])
  })
})
