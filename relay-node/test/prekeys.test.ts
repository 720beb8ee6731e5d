/**
 * `/parley/prekeys/1.0.0` through a real relay, with the package's client:
 * an owner publishes signed records and only it can publish, see or clear
 * its own; others fetch bundles, which consume one-time records, fall back to
 * the last-resort key when none is left or the requester has had its share,
 * and are checked with verifyBundle.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@libp2p/noise'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { describe, expect, it, vi } from 'vitest'
import { clearPrekeys, fetchBundle, prekeyStatus, publishPrekeys, verifyBundle } from '@parley/protocol/prekeys/client'
import { PREKEYS_PROTOCOL, PrekeysRefusedError, decodeReply, encodeRequest } from '@parley/protocol/prekeys/codec'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '@parley/protocol/session/constants'
import { owner, record, upload } from '../../packages/protocol/test/prekeys/helpers.ts'
import { client, defer, metric, relay, useRelayTestDir } from './helpers.ts'
import type { Owner } from '../../packages/protocol/test/prekeys/helpers.ts'
import type { Connection, Ed25519PrivateKey, Libp2p } from '@libp2p/interface'

useRelayTestDir()

interface Person extends Owner { node: Libp2p, connection: Connection }

/** A client connected to the relay, with its identity keys at hand (the app's node has the same). */
async function person (r: { multiaddrs: string[] }): Promise<Person> {
  const node = await client()
  const connection = await node.dial(multiaddr(r.multiaddrs[0] ?? ''))
  const key = (node as unknown as { components: { privateKey: Ed25519PrivateKey } }).components.privateKey
  return { node, connection, ...owner({ secret: key.raw.subarray(0, 32), publicKey: key.publicKey.raw }) }
}

const status = (signedId: number, lastResortId: number, pqOneTime: number, ecOneTime: number): unknown => ({ signedId, lastResortId, pqOneTime, ecOneTime })

async function refusal (promise: Promise<unknown>): Promise<PrekeysRefusedError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(PrekeysRefusedError)
  return err as PrekeysRefusedError
}

describe('prekeys', () => {
  it('keeps an owner\'s records; each FETCH consumes one PQ and one EC one-time record, then the last-resort key with no EC one-time', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0, prekeysPairOneTimePerHour: 10 })
    const [alice, bob] = [await person(r), await person(r)]
    expect(await prekeyStatus(alice.connection)).toEqual(status(0, 0, 0, 0))
    expect(await publishPrekeys(alice.connection, upload(alice, { signedId: 5, lastResortId: 6, pq: 2, ec: 1, firstId: 10 }))).toEqual(status(5, 6, 2, 1))

    const first = await fetchBundle(bob.connection, alice.node.peerId)
    verifyBundle(first, alice.publicKey, alice.multihash)
    expect([first.signed.id, first.pq.kind, first.pq.id, first.ecOneTime?.kind, first.ecOneTime?.id]).toEqual([5, PREKEY_PQ_ONE_TIME, 10, PREKEY_EC_ONE_TIME, 10])
    expect(await prekeyStatus(alice.connection)).toEqual(status(5, 6, 1, 0))
    // by multihash, as the app passes a contact's
    const second = await fetchBundle(bob.connection, alice.multihash)
    expect([second.pq.kind, second.pq.id, second.ecOneTime]).toEqual([PREKEY_PQ_ONE_TIME, 11, undefined])
    const third = await fetchBundle(bob.connection, alice.multihash)
    verifyBundle(third, alice.publicKey, alice.multihash)
    expect([third.signed.id, third.pq.kind, third.pq.id, third.ecOneTime]).toEqual([5, PREKEY_PQ_LAST_RESORT, 6, undefined])
    expect(await prekeyStatus(alice.connection)).toEqual(status(5, 6, 0, 0))

    // a refill adds one-time records; the same signed and last-resort ids are kept, new ones replace them
    expect(await publishPrekeys(alice.connection, upload(alice, { signedId: 5, lastResortId: 6, ec: 2, firstId: 20 }))).toEqual(status(5, 6, 0, 2))
    expect(await publishPrekeys(alice.connection, upload(alice, { signedId: 7, lastResortId: 8, ec: 3, firstId: 20 }))).toEqual(status(7, 8, 0, 3))
    const fourth = await fetchBundle(bob.connection, alice.multihash)
    expect([fourth.signed.id, fourth.pq.id, fourth.ecOneTime?.id]).toEqual([7, 8, 20])
    verifyBundle(fourth, alice.publicKey, alice.multihash)

    expect(await metric(r, 'parley_prekeys_published_total')).toBe(3)
    expect(await metric(r, 'parley_prekeys_fetched_total{pq="one-time"}')).toBe(2)
    expect(await metric(r, 'parley_prekeys_fetched_total{pq="last-resort"}')).toBe(2)
    expect(await metric(r, 'parley_prekeys_owners')).toBe(1)
    expect(await metric(r, 'parley_prekeys_bytes')).toBe(109 + 1261 + 2 * 109)
  })

  it('hands one requester one-time records of one owner in at most 3 bundles an hour, then the last-resort key; others still get theirs', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [alice, bob, carol] = [await person(r), await person(r), await person(r)]
    await publishPrekeys(alice.connection, upload(alice, { pq: 10, ec: 10 }))
    const kinds = async (who: Person): Promise<unknown> => {
      const b = await fetchBundle(who.connection, alice.multihash)
      return [b.pq.kind, b.ecOneTime?.kind]
    }
    for (let i = 0; i < 3; i++) expect(await kinds(bob)).toEqual([PREKEY_PQ_ONE_TIME, PREKEY_EC_ONE_TIME])
    expect(await kinds(bob)).toEqual([PREKEY_PQ_LAST_RESORT, undefined])
    expect(await kinds(bob)).toEqual([PREKEY_PQ_LAST_RESORT, undefined])
    expect(await kinds(carol)).toEqual([PREKEY_PQ_ONE_TIME, PREKEY_EC_ONE_TIME])
    // Bob took 3 of each, Carol 1: the draining stopped at Bob's share
    expect(await prekeyStatus(alice.connection)).toEqual(status(1, 1, 6, 6))
  })

  it('hands requesters from one address one-time records of one owner in at most 10 bundles an hour, whatever their PeerIDs (issue 57: PeerIDs are free)', async () => {
    let now = Date.now()
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 }, { now: () => now })
    const alice = await person(r)
    await publishPrekeys(alice.connection, upload(alice, { pq: 30, ec: 30 }))
    // a drainer on one machine (127.0.0.1 here) with a new PeerID for every FETCH: each PeerID is within its own share
    const drain = async (n: number): Promise<unknown[]> => {
      const kinds: unknown[] = []
      for (let i = 0; i < n; i++) {
        const sybil = await person(r)
        const b = await fetchBundle(sybil.connection, alice.multihash)
        verifyBundle(b, alice.publicKey, alice.multihash)
        kinds.push(b.ecOneTime === undefined ? b.pq.kind : 'one-time')
        await sybil.node.stop()
      }
      return kinds
    }
    expect(await drain(12)).toEqual([...Array<string>(10).fill('one-time'), PREKEY_PQ_LAST_RESORT, PREKEY_PQ_LAST_RESORT])
    expect(await prekeyStatus(alice.connection)).toEqual(status(1, 1, 20, 20))
    expect(await metric(r, 'parley_prekeys_share_spent_total{by="network"}')).toBe(2)
    expect(await metric(r, 'parley_prekeys_share_spent_total{by="peer"}')).toBe(0)
    // an hour later the address has a share again
    now += 60 * 60_000 + 1
    expect(await drain(1)).toEqual(['one-time'])
    expect(await prekeyStatus(alice.connection)).toEqual(status(1, 1, 19, 19))
  })

  it('limits FETCHes a minute per requester (30 by default; 3 here)', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0, prekeysFetchPerMinute: 3 })
    const [alice, bob] = [await person(r), await person(r)]
    await publishPrekeys(alice.connection, upload(alice))
    for (let i = 0; i < 3; i++) await fetchBundle(bob.connection, alice.multihash)
    const err = await refusal(fetchBundle(bob.connection, alice.multihash))
    expect([err.code, err.reason]).toEqual(['rate-limited', 'at most 3 prekey bundles a minute'])
    expect(await metric(r, 'parley_prekeys_rejections_total{code="rate-limited"}')).toBe(1)
  })

  it('lets only the owner publish, see and clear its records: a record signed by another key is refused and nothing of the request is stored', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [alice, mallory] = [await person(r), await person(r)]
    await publishPrekeys(alice.connection, upload(alice, { pq: 1, ec: 1 }))
    // Mallory sends Alice's own (well signed) records: the relay checks them against Mallory's key
    const stolen = await refusal(publishPrekeys(mallory.connection, upload(alice, { pq: 1 })))
    expect([stolen.code, stolen.reason]).toEqual(['bad-request', 'the owner\'s signature on prekey 1/1 does not hold: nothing was stored'])
    // a good upload with one forged one-time record among good ones: nothing of it is stored
    const forged = upload(mallory, { pq: 3, ec: 3 })
    forged.oneTime[4] = record(alice, PREKEY_EC_ONE_TIME, 99)
    expect((await refusal(publishPrekeys(mallory.connection, forged))).reason).toBe('the owner\'s signature on prekey 4/99 does not hold: nothing was stored')
    const altered = upload(mallory)
    altered.signed.publicKey[0] = (altered.signed.publicKey[0] ?? 0) ^ 1
    expect((await refusal(publishPrekeys(mallory.connection, altered))).code).toBe('bad-request')
    expect(await prekeyStatus(mallory.connection)).toEqual(status(0, 0, 0, 0))
    expect((await refusal(fetchBundle(alice.connection, mallory.multihash))).code).toBe('not-found')

    // Mallory's CLEAR and STATUS reach only Mallory's records
    await clearPrekeys(mallory.connection)
    expect(await prekeyStatus(alice.connection)).toEqual(status(1, 1, 1, 1))
    await clearPrekeys(alice.connection)
    expect(await prekeyStatus(alice.connection)).toEqual(status(0, 0, 0, 0))
    const gone = await refusal(fetchBundle(mallory.connection, alice.multihash))
    expect([gone.code, gone.reason]).toEqual(['not-found', 'this relay holds no prekeys for that owner'])
    expect(await metric(r, 'parley_prekeys_rejections_total{code="bad-request"}')).toBe(3)
    expect(await metric(r, 'parley_prekeys_rejections_total{code="not-found"}')).toBe(2)
    expect(await metric(r, 'parley_prekeys_cleared_total')).toBe(1)
    expect(await metric(r, 'parley_prekeys_owners')).toBe(0)
  })

  it('refuses a PeerID of another key type as owner (forbidden) and an owner that is not a PeerID (bad-request)', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const alice = await person(r)
    // a client whose identity is a secp256k1 key: Noise proves it, but it signs no Ed25519 prekeys
    const k1 = await createLibp2p({ privateKey: await generateKeyPair('secp256k1'), transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    defer(async () => k1.stop())
    const connection = await k1.dial(multiaddr(r.multiaddrs[0] ?? ''))
    const err = await refusal(publishPrekeys(connection, upload(alice)))
    expect([err.code, err.reason]).toEqual(['forbidden', 'only an Ed25519 PeerID can publish prekeys'])
    expect([(await refusal(fetchBundle(alice.connection, new Uint8Array([1, 2, 3])))).reason]).toEqual(['the owner is not an Ed25519 PeerID'])
    expect((await refusal(fetchBundle(alice.connection, k1.peerId))).code).toBe('bad-request')
  })

  it('refuses past the quota with nothing stored', async () => {
    const r = await relay({ webrtcDirectPort: null, prekeysOneTimePerKind: 4 })
    const alice = await person(r)
    await publishPrekeys(alice.connection, upload(alice, { pq: 3 }))
    const err = await refusal(publishPrekeys(alice.connection, upload(alice, { signedId: 2, pq: 2, firstId: 10 })))
    expect([err.code, err.reason]).toEqual(['quota', 'at most 4 PQ and 4 EC one-time prekeys; this would make 5 and 0'])
    // the ids held already are skipped, not counted again
    expect(await publishPrekeys(alice.connection, upload(alice, { pq: 4 }))).toEqual(status(1, 1, 4, 0))
  })

  it('answers a malformed request with bad-request, resets it, and keeps serving', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const alice = await person(r)
    const stream = await alice.connection.newStream(PREKEYS_PROTOCOL)
    const frames = lpStream(stream)
    await frames.write(Uint8Array.of(0x02, 0))
    const reply = await frames.read({ signal: AbortSignal.timeout(5000) })
    expect(() => decodeReply('status', reply.subarray())).toThrow(new PrekeysRefusedError('bad-request', 'a prekeys request: 1 bytes after the last field'))
    await vi.waitFor(() => { expect(stream.status).not.toBe('open') }, { timeout: 5000 })
    expect(encodeRequest({ op: 'status' })).toEqual(Uint8Array.of(2))
    expect(await prekeyStatus(alice.connection)).toEqual(status(0, 0, 0, 0))
    expect(await metric(r, 'parley_prekeys_rejections_total{code="bad-request"}')).toBe(1)
  })

  it('keeps records across a restart; one handed out before it stays gone', async () => {
    const first = await relay({ webrtcDirectPort: null })
    const [alice, bob] = [await person(first), await person(first)]
    await publishPrekeys(alice.connection, upload(alice, { signedId: 3, lastResortId: 4, pq: 2, ec: 2 }))
    expect((await fetchBundle(bob.connection, alice.multihash)).pq.id).toBe(1)
    await first.stop()
    const second = await relay({ webrtcDirectPort: null })
    const connection = await bob.node.dial(multiaddr(second.multiaddrs[0] ?? ''))
    const bundle = await fetchBundle(connection, alice.multihash)
    verifyBundle(bundle, alice.publicKey, alice.multihash)
    expect([bundle.signed.kind, bundle.signed.id, bundle.pq.id, bundle.ecOneTime?.id]).toEqual([PREKEY_SIGNED_EC, 3, 2, 2])
    expect(await prekeyStatus(await alice.node.dial(multiaddr(second.multiaddrs[0] ?? '')))).toEqual(status(3, 4, 0, 0))
  })

  it('is off with --prekeys off', async () => {
    const r = await relay({ webrtcDirectPort: null, prekeys: false })
    const alice = await person(r)
    await expect(prekeyStatus(alice.connection)).rejects.toMatchObject({ name: 'UnsupportedProtocolError' })
  })
})
