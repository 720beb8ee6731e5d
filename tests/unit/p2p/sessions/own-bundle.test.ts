/**
 * A browser's own bundle, from the browser (own-bundle.ts): over
 * `/parley/prekeys/1.0.0` (in-memory stream pairs), a FETCH of our own
 * bundle is answered with the keeper's signed and last-resort keys, signed
 * by us; every other request is refused in words, a malformed or oversize
 * one too (the stream reset), and a peer over the rate is refused; the
 * service answers on after each.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { PrekeysRefusedError, fetchOwnBundle, prekeyStatus, publishPrekeys, clearPrekeys, verifyBundle } from '@parley/protocol/prekeys/client'
import { PREKEYS_PROTOCOL, decodeReply } from '@parley/protocol/prekeys/codec'
import { PREKEY_PQ_LAST_RESORT, PREKEY_SIGNED_EC } from '@parley/protocol/session/constants'
import { decodeRecord } from '@parley/protocol/session/records'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { OWN_BUNDLE_PER_MINUTE, OwnBundleService } from '../../../../src/lib/p2p/sessions/own-bundle.ts'
import { OwnKeys } from '../../../../src/lib/p2p/sessions/own-keys.ts'
import { PrekeyKeeper } from '../../../../src/lib/p2p/sessions/prekey-keeper.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Connection, Libp2pEvents, PeerId, Stream, StreamHandler } from '@libp2p/interface'

const R1 = '/dns4/r1.example/tcp/443/wss/p2p/12D3KooWR1'

let db: ParleyDb
let keeper: PrekeyKeeper
let service: OwnBundleService
let relays: MemoryPrekeyRelays
let me: PeerId
let handler: StreamHandler
/** the inbound side of every stream opened, and each handler run */
let inbound: Stream[]
let handled: Array<Promise<void>>
/** how the service registered its handler */
let handleCalls: unknown[][]

beforeEach(async () => {
  db = await openTestDb()
  const key = await generateKeyPair('Ed25519')
  me = peerIdFromPrivateKey(key)
  const ownKeys = new OwnKeys({ identity: { privateKey: () => key } })
  relays = new MemoryPrekeyRelays()
  keeper = new PrekeyKeeper({
    db,
    logger: testLogger(),
    libp2p: new TypedEventEmitter<Libp2pEvents>(),
    events: new TypedEventEmitter<ParleyEvents>(),
    relayList: { active: () => [R1] },
    ownKeys,
    prekeyDirectory: relays.as(ownKeys.identity())
  })
  const libp2p = {
    peerId: me,
    handle: vi.fn(async (_protocol: string | string[], h: StreamHandler) => { handler = h }),
    unhandle: vi.fn(async () => {})
  }
  service = new OwnBundleService({ libp2p, logger: testLogger(), prekeys: keeper })
  await service.start()
  handleCalls = libp2p.handle.mock.calls
  inbound = []
  handled = []
})

afterEach(async () => {
  await service.stop()
  keeper.stop()
  db.close()
})

/** A connection from `remote` to us: each stream it opens is handed to the service. */
async function connectionFrom (remote?: PeerId): Promise<Connection> {
  const remotePeer = remote ?? peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return {
    remotePeer,
    newStream: async () => {
      const [out, inb] = await streamPair({ protocol: PREKEYS_PROTOCOL })
      inbound.push(inb)
      handled.push(Promise.resolve(handler(inb, { remotePeer } as unknown as Connection)))
      return out
    }
  } as unknown as Connection
}

/** What R1 holds of our prekeys. */
function onRelay (): ReturnType<ReturnType<MemoryPrekeyRelays['as']>['statusOf']> {
  return relays.as({ publicKey: me.publicKey!.raw, multihash: me.toMultihash().bytes }).statusOf(R1)
}

/** Writes `body` as one frame and resolves the reply to a FETCH, or its refusal. */
async function raw (connection: Connection, body: Uint8Array): Promise<unknown> {
  const frames = lpStream(await connection.newStream(PREKEYS_PROTOCOL))
  await frames.write(body)
  return Promise.resolve().then(async () => decodeReply('fetch', (await frames.read()).subarray())).catch((err: unknown) => err)
}

describe('our own bundle, from us (/parley/prekeys/1.0.0 in the app)', () => {
  it('a FETCH of our bundle (over relayed connections too) gets our signed and last-resort keys, signed by us, no one-time key: the ones our relays hold', async () => {
    expect(handleCalls).toEqual([[PREKEYS_PROTOCOL, expect.any(Function), expect.objectContaining({ runOnLimitedConnection: true })]])
    await keeper.syncAll()
    const bundle = await fetchOwnBundle(await connectionFrom(), me, { signal: AbortSignal.timeout(5_000) })
    verifyBundle(bundle, me.publicKey!.raw, me.toMultihash().bytes)
    expect(bundle.pq.kind).toBe(PREKEY_PQ_LAST_RESORT)
    expect(bundle.ecOneTime).toBeUndefined()
    const status = onRelay()
    expect([bundle.signed.id, bundle.pq.id]).toEqual([status.signedId, status.lastResortId])
    // nothing of the relay's one-time stock was touched
    expect(status.pqOneTime).toBeGreaterThan(0)
  })

  it('with no keys yet (no relay ever reached), it makes them, and the relays get the same ones later', async () => {
    expect(await db.prekeys.count()).toBe(0)
    const bundle = await fetchOwnBundle(await connectionFrom(), me)
    verifyBundle(bundle, me.publicKey!.raw, me.toMultihash().bytes)
    await keeper.syncAll()
    const status = onRelay()
    expect([bundle.signed.id, bundle.pq.id]).toEqual([status.signedId, status.lastResortId])
    expect(decodeRecord((await db.prekeys.get([PREKEY_PQ_LAST_RESORT, bundle.pq.id]))!.record).record.id).toBe(bundle.pq.id)
  })

  it('refuses in words: another owner\'s bundle (not-found), publish, status and clear (forbidden); and answers on', async () => {
    const connection = await connectionFrom()
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await expect(fetchOwnBundle(connection, other)).rejects.toMatchObject({ code: 'not-found', reason: expect.stringMatching(/no prekeys but its own/) })
    await expect(prekeyStatus(connection)).rejects.toMatchObject({ code: 'forbidden', reason: expect.stringMatching(/its own bundle only/) })
    await expect(clearPrekeys(connection)).rejects.toEqual(expect.objectContaining({ code: 'forbidden' }))
    await expect(prekeyStatus(connection)).rejects.toBeInstanceOf(PrekeysRefusedError)
    await keeper.syncAll()
    const rows = await db.prekeys.toArray()
    const record = (kind: number): ReturnType<typeof decodeRecord>['record'] => decodeRecord(rows.find(r => r.kind === kind)!.record).record
    await expect(publishPrekeys(connection, { signed: record(PREKEY_SIGNED_EC), lastResort: record(PREKEY_PQ_LAST_RESORT), oneTime: [] })).rejects.toMatchObject({ code: 'bad-request' })
    expect((await fetchOwnBundle(connection, me)).pq.kind).toBe(PREKEY_PQ_LAST_RESORT)
    await Promise.all(handled)
  })

  it('a malformed request is answered bad-request and its stream reset; a frame over the limit too, unread', async () => {
    const connection = await connectionFrom()
    // FETCH with an owner of length 0
    expect(await raw(connection, new Uint8Array([0x03, 0x00]))).toMatchObject({ code: 'bad-request' })
    // a PUBLISH of a relay's size: refused on its length alone
    const publish = new Uint8Array(2000)
    publish[0] = 0x01
    expect(await raw(connection, publish)).toMatchObject({ code: 'bad-request', reason: expect.stringMatching(/at most 128 bytes/) })
    await Promise.all(handled)
    expect(inbound.map(s => s.status)).toEqual(['aborted', 'aborted'])
    expect((await fetchOwnBundle(connection, me)).pq.kind).toBe(PREKEY_PQ_LAST_RESORT)
  })

  it(`a peer gets ${OWN_BUNDLE_PER_MINUTE} a minute, then rate-limited; another peer is still answered`, async () => {
    const greedy = await connectionFrom()
    for (let i = 0; i < OWN_BUNDLE_PER_MINUTE; i++) await fetchOwnBundle(greedy, me)
    await expect(fetchOwnBundle(greedy, me)).rejects.toMatchObject({ code: 'rate-limited' })
    expect((await fetchOwnBundle(await connectionFrom(), me)).pq.kind).toBe(PREKEY_PQ_LAST_RESORT)
  })
})
