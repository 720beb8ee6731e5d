/**
 * InstanceWatch against fake relays (in-memory stream pairs): it tells each
 * relay of our list which instance this browser profile is (the same id
 * after a restart), shows the union of what the relays say with each other
 * copy counted once, believes no one outside the list, asks a relay without
 * the protocol again only after it reconnects, retries a refusal with
 * back-off, refuses a relay that lists this instance itself, and leaves
 * politely when it stops.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { UnsupportedProtocolError } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  INSTANCE_ID_BYTES, INSTANCE_PROTOCOL, decodeInstanceHello, encodeInstanceError, encodeInstanceOthers, instanceHex
} from '@parley/protocol/instance/codec'
import { instanceId } from '../../../../src/lib/db/settings.ts'
import { InstanceWatch } from '../../../../src/lib/p2p/instances/instance-watch.ts'
import { FakeLibp2p, fakeConnection, testLogger, testStatus } from '../../../support/fake-components.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

const WAIT = { timeout: 5_000, interval: 10 }

/** The relay's end of one instance stream. */
interface RelayEnd {
  stream: Stream
  frames: LengthPrefixedStream<Stream>
  /** the instance id the node said HELLO with (hex) */
  hello: string
}

interface FakeRelay {
  peer: PeerId
  /** every instance stream the node opened, oldest first */
  ends: RelayEnd[]
  /** streams asked for, answered or not */
  asked: number
  /** how the next stream is answered: with a stream pair (default), or by this error */
  refuse?: Error
  /** with `refuse`: the connection is closed first (a relay over its limits) */
  closeOnRefuse?: boolean
  connect(): Connection
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const cleanup of cleanups.splice(0).reverse()) await cleanup() })

async function setup (kept: (peer: PeerId) => boolean = () => true, retry = { initialMs: 20, maxMs: 40 }): Promise<{
  db: ParleyDb
  libp2p: FakeLibp2p
  status: ReturnType<typeof testStatus>
  watch: InstanceWatch
  relay(): Promise<FakeRelay>
}> {
  const db = await openTestDb()
  const libp2p = new FakeLibp2p(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), {})
  const status = testStatus(new TypedEventEmitter<ParleyEvents>())
  const watch = new InstanceWatch({ db, logger: testLogger(), libp2p, keeper: { keepsPeer: kept }, status }, { retry })
  cleanups.push(() => { watch.stop() }, () => { db.close() })
  const relay = async (): Promise<FakeRelay> => {
    const relay: FakeRelay = {
      peer: peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
      ends: [],
      asked: 0,
      connect: () => {
        const connection = fakeConnection({
          remotePeer: relay.peer,
          newStream: async (protocol) => {
            expect(protocol).toBe(INSTANCE_PROTOCOL)
            relay.asked++
            if (relay.refuse != null) {
              if (relay.closeOnRefuse === true) {
                await connection.close()
                libp2p.close(connection)
              }
              throw relay.refuse
            }
            const [node, remote] = await streamPair({ protocol })
            const frames = lpStream(remote)
            const end: RelayEnd = { stream: remote, frames, hello: '' }
            relay.ends.push(end)
            void frames.read().then((frame) => { end.hello = instanceHex(decodeInstanceHello(frame.subarray())) }, () => {})
            return node
          }
        })
        libp2p.open(connection)
        return connection
      }
    }
    return relay
  }
  return { db, libp2p, status, watch, relay }
}

const id = (fill: number): Uint8Array => new Uint8Array(INSTANCE_ID_BYTES).fill(fill)

/** The relay's last stream, once the node said HELLO on it. */
async function helloOn (relay: FakeRelay, count = 1): Promise<RelayEnd> {
  await vi.waitFor(() => { expect(relay.ends.filter(e => e.hello !== '')).toHaveLength(count) }, WAIT)
  return relay.ends[count - 1] as RelayEnd
}

describe('InstanceWatch', () => {
  it('says HELLO with this profile\'s id to each relay of the list, and shows the union of what they say, each copy once', async () => {
    const { db, watch, status, relay, libp2p } = await setup()
    await watch.start()
    const [r1, r2] = [await relay(), await relay()]
    r1.connect()
    watch.afterStart()
    r2.connect()
    const [e1, e2] = [await helloOn(r1), await helloOn(r2)]
    // the id is this browser profile's, the same after a restart
    expect(e1.hello).toBe(instanceHex(await instanceId(db)))
    expect(e2.hello).toBe(e1.hello)
    expect(watch.instance).toBe(e1.hello)
    expect(status.current.elsewhere).toBeUndefined()

    const before = Date.now()
    await e1.frames.write(encodeInstanceOthers([]))
    await e1.frames.write(encodeInstanceOthers([{ id: id(0xa), ageS: 60 }]))
    await vi.waitFor(() => { expect(status.current.elsewhere?.count).toBe(1) }, WAIT)
    // both relays see copy A, R2 also copy B: two other copies, not three
    await e2.frames.write(encodeInstanceOthers([{ id: id(0xa), ageS: 59 }, { id: id(0xb), ageS: 5 }]))
    await vi.waitFor(() => { expect(status.current.elsewhere?.count).toBe(2) }, WAIT)
    const since = status.current.elsewhere?.since ?? 0
    expect(since).toBeGreaterThanOrEqual(before - 60_000 - 1000)
    expect(since).toBeLessThanOrEqual(Date.now() - 60_000)

    // B goes; then R1's connection closes: what it said goes with it
    await e2.frames.write(encodeInstanceOthers([{ id: id(0xa), ageS: 60 }]))
    await vi.waitFor(() => { expect(status.current.elsewhere?.count).toBe(1) }, WAIT)
    await e2.frames.write(encodeInstanceOthers([]))
    const [c1] = libp2p.getConnections(r1.peer)
    if (c1 == null) throw new Error('no connection to R1')
    libp2p.close(c1)
    e1.stream.abort(new Error('connection closed'))
    await vi.waitFor(() => { expect(status.current.elsewhere).toBeUndefined() }, WAIT)

    // a new node on the same profile (a reload, a worker that died) says the same id
    const again = new InstanceWatch({ db, logger: testLogger(), libp2p, keeper: { keepsPeer: () => true }, status })
    cleanups.push(() => { again.stop() })
    watch.stop()
    await again.start()
    expect(again.instance).toBe(e1.hello)
  })

  it('believes only relays of its list: no stream to anyone else', async () => {
    const { watch, relay, status } = await setup(() => false)
    await watch.start()
    watch.afterStart()
    const stranger = await relay()
    stranger.connect()
    // nothing to wait for: the decision is made on the connection event itself
    expect(stranger.asked).toBe(0)
    expect(status.current.elsewhere).toBeUndefined()
  })

  it('does not ask a relay without the protocol again until it reconnects', async () => {
    const { watch, relay, libp2p } = await setup()
    await watch.start()
    watch.afterStart()
    const old = await relay()
    old.refuse = new UnsupportedProtocolError('protocol selection failed')
    const first = old.connect()
    await vi.waitFor(() => { expect(watch.relayState(old.peer.toString())).toBe('unsupported') }, WAIT)
    expect(old.asked).toBe(1)
    // a second connection to it (a transport switch) does not ask again: decided on the connection event itself
    old.connect()
    libp2p.close(first)
    expect(old.asked).toBe(1)
    // it disconnects and comes back (upgraded, say): asked again
    for (const c of libp2p.getConnections(old.peer)) libp2p.close(c)
    old.refuse = undefined
    old.connect()
    await helloOn(old)
    expect(old.asked).toBe(2)
  })

  it('asks again after the back-off when the relay refuses, and believes no relay that lists this instance itself', async () => {
    const { db, watch, relay, status } = await setup()
    await watch.start()
    watch.afterStart()
    const r = await relay()
    r.connect()
    const refused = await helloOn(r)
    await refused.frames.write(encodeInstanceError('too-many', 'your PeerID holds 8 instance streams here already'))
    await refused.stream.close()
    // asked again on a new stream after the (shortened) back-off
    const liar = await helloOn(r, 2)
    await liar.frames.write(encodeInstanceOthers([{ id: await instanceId(db), ageS: 1 }]))
    await vi.waitFor(() => { expect(liar.stream.status).not.toBe('open') }, WAIT)
    expect(status.current.elsewhere).toBeUndefined()
    // and again: this time an honest answer
    const honest = await helloOn(r, 3)
    await honest.frames.write(encodeInstanceOthers([{ id: id(0xc), ageS: 0 }]))
    await vi.waitFor(() => { expect(status.current.elsewhere?.count).toBe(1) }, WAIT)
  })

  it('waits out the back-off when a stream fails at once and its connection goes with it, whatever other connection is open', async () => {
    const { watch, relay } = await setup(() => true, { initialMs: 60_000, maxMs: 60_000 })
    const r = await relay()
    // a relay over its limits closes each connection as a stream is asked of it
    r.refuse = new Error('Unexpected EOF - stream closed while reading 0/1 bytes')
    r.closeOnRefuse = true
    for (let i = 0; i < 3; i++) r.connect()
    await watch.start()
    watch.afterStart()
    await vi.waitFor(() => { expect(watch.relayState(r.peer.toString())).toBe('retrying') }, WAIT)
    // the two connections still open were not asked in a loop, one after the other
    expect(r.asked).toBe(1)
  })

  it('leaves when it stops: the stream is closed, which the relay hears, and the status forgets the other copies', async () => {
    const { watch, relay, status } = await setup()
    await watch.start()
    watch.afterStart()
    const r = await relay()
    r.connect()
    const end = await helloOn(r)
    await end.frames.write(encodeInstanceOthers([{ id: id(0xd), ageS: 3 }]))
    await vi.waitFor(() => { expect(status.current.elsewhere?.count).toBe(1) }, WAIT)
    watch.stop()
    expect(status.current.elsewhere).toBeUndefined()
    // the relay reads the end of the node's side: nothing more than the HELLO came
    await expect(end.frames.read({ signal: AbortSignal.timeout(2_000) })).rejects.toMatchObject({ name: 'UnexpectedEOFError' })
  })
})
