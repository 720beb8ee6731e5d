/**
 * `/parley/instance/1.0.0` through a real relay: two running copies of one
 * identity (two libp2p nodes with the same key) each hear of the other at
 * once, and of its end when its connection closes; one node on two streams
 * (two connections, or a stream replaced) is one instance; limits, drain and
 * malformed frames are refused with a code, change nothing, and the relay
 * keeps serving.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { describe, expect, it, vi } from 'vitest'
import { parseConfig } from '../src/config/parse.ts'
import { InstanceRegistry, startInstances } from '../src/instances.ts'
import { silentLogger } from '../src/log.ts'
import { watchInstances } from '@parley/protocol/instance/client'
import { INSTANCE_ID_BYTES, INSTANCE_PROTOCOL, InstanceRefusedError, MAX_INSTANCES_PER_PEER, decodeInstanceFrame, instanceHex } from '@parley/protocol/instance/codec'
import { defer, metric, relay, stoppedClock, useRelayTestDir } from './helpers.ts'
import type { InstanceMetrics } from '../src/instances.ts'
import type { InstanceErrorName } from '@parley/protocol/instance/codec'
import type { RelayConfig, RelayNode } from '../src/index.ts'
import type { Connection, Libp2p, PrivateKey } from '@libp2p/interface'

useRelayTestDir()

const WAIT = { timeout: 10_000, interval: 20 }

const newId = (): Uint8Array => crypto.getRandomValues(new Uint8Array(INSTANCE_ID_BYTES))

/** A node connected to the relay over WebSockets; `key` makes it a copy of another identity. */
async function connect (r: RelayNode, key?: PrivateKey): Promise<{ node: Libp2p, connection: Connection }> {
  const node = await createLibp2p({
    ...(key == null ? {} : { privateKey: key }),
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  defer(async () => node.stop())
  const connection = await node.dial(multiaddr(r.wsMultiaddrs[0] ?? ''))
  return { node, connection }
}

/** What `fn` throws (undefined when it returns). */
function thrown (fn: () => unknown): unknown {
  try {
    fn()
    return undefined
  } catch (err) {
    return err
  }
}

interface Watch {
  /** the hex ids of the other instances, in every OTHERS frame so far */
  views: string[][]
  latest(): string[] | undefined
  /** how the watch ended: 'clean', or the error */
  ended: Promise<'clean' | Error>
  leave(): void
}

function watch (connection: Connection, id: Uint8Array): Watch {
  const views: string[][] = []
  const controller = new AbortController()
  defer(async () => { controller.abort() })
  const ended = watchInstances(connection, id, {
    signal: controller.signal,
    onOthers: (others) => { views.push(others.map(o => instanceHex(o.id))) }
  }).then(() => 'clean' as const, (err: unknown) => err as Error)
  return { views, latest: () => views.at(-1), ended, leave: () => { controller.abort() } }
}

describe('instances on a relay', () => {
  it('tells two copies of one identity about each other at once, and the one left when the other goes', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const key = await generateKeyPair('Ed25519')
    const original = await connect(r, key)
    const copy = await connect(r, key)
    const stranger = await connect(r)
    const [a, b, c] = [newId(), newId(), newId()]

    const first = watch(original.connection, a)
    await vi.waitFor(() => { expect(first.latest()).toEqual([]) }, WAIT)
    const strangers = watch(stranger.connection, c)
    await vi.waitFor(() => { expect(strangers.latest()).toEqual([]) }, WAIT)
    const second = watch(copy.connection, b)
    await vi.waitFor(() => { expect(second.latest()).toEqual([instanceHex(a)]) }, WAIT)
    await vi.waitFor(() => { expect(first.latest()).toEqual([instanceHex(b)]) }, WAIT)
    // another identity's instances are none of theirs, and theirs none of its
    expect(strangers.views).toEqual([[]])
    expect(await metric(r, 'parley_instance_streams')).toBe(3)
    expect(await metric(r, 'parley_instance_copies')).toBe(1)
    expect(await metric(r, 'parley_instance_registered_total')).toBe(3)

    // the copy's browser goes: its connection closes, and the original hears at once
    await copy.node.stop()
    await vi.waitFor(() => { expect(first.latest()).toEqual([]) }, WAIT)
    expect(await metric(r, 'parley_instance_copies')).toBe(0)
    expect(await metric(r, 'parley_instance_streams')).toBe(2)
    // the original's stream carries on
    expect(first.views).toEqual([[], [instanceHex(b)], []])
  })

  it('says how long the other copy has been running, oldest first', async () => {
    let now = 1_000_000
    const r = await relay({ webrtcDirectPort: null, instances: false })
    const service = await startInstances(r.node, { draining: () => false, log: silentLogger, metrics: { registered: () => {}, refused: () => {} }, now: () => now })
    defer(async () => service.stop())
    const key = await generateKeyPair('Ed25519')
    const [one, two, three] = [await connect(r, key), await connect(r, key), await connect(r, key)]
    const [a, b] = [newId(), newId()]
    watch(one.connection, a)
    await vi.waitFor(() => { expect(service.streams).toBe(1) }, WAIT)
    now += 90_500
    watch(two.connection, b)
    await vi.waitFor(() => { expect(service.streams).toBe(2) }, WAIT)
    now += 30_000
    const ages: number[][] = []
    const controller = new AbortController()
    defer(async () => { controller.abort() })
    void watchInstances(three.connection, newId(), { signal: controller.signal, onOthers: (others) => { ages.push(others.map(o => o.ageS)) } }).catch(() => {})
    await vi.waitFor(() => { expect(ages).toEqual([[120, 30]]) }, WAIT)
  })

  it('counts one node on two streams once: the same instance id over two connections is no copy, and it stays while either stream is open', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const key = await generateKeyPair('Ed25519')
    const id = newId()
    // a browser switching transports holds two connections to the relay for a while
    const [ws1, ws2, other] = [await connect(r, key), await connect(r, key), await connect(r, key)]
    const one = watch(ws1.connection, id)
    const two = watch(ws2.connection, id)
    await vi.waitFor(() => { expect(one.latest()).toEqual([]) }, WAIT)
    await vi.waitFor(() => { expect(two.latest()).toEqual([]) }, WAIT)
    expect(await metric(r, 'parley_instance_copies')).toBe(0)
    expect(await metric(r, 'parley_instance_streams')).toBe(2)

    // a real second copy sees the instance once, not twice
    const copy = watch(other.connection, newId())
    await vi.waitFor(() => { expect(copy.latest()).toEqual([instanceHex(id)]) }, WAIT)
    // one of the node's connections closes: it is still live through the other
    await ws1.connection.close()
    await vi.waitFor(async () => { expect(await metric(r, 'parley_instance_streams')).toBe(2) }, WAIT)
    expect(copy.latest()).toEqual([instanceHex(id)])
    // the node leaves politely (closes its stream): gone at once
    two.leave()
    expect(await two.ended).toBe('clean')
    await vi.waitFor(() => { expect(copy.latest()).toEqual([]) }, WAIT)
    expect(await metric(r, 'parley_instance_streams')).toBe(1)
  })

  it('refuses past the streams of one PeerID, past the total, over the rate and while draining, with a code, changing nothing', async () => {
    const registry = new InstanceRegistry<string>(MAX_INSTANCES_PER_PEER + 1)
    const id = newId()
    for (let i = 0; i < MAX_INSTANCES_PER_PEER; i++) expect(registry.add('peer', i === 0 ? id : newId(), `s${i}`).result).toBe('ok')
    expect(registry.add('peer', newId(), 'one more').result).toBe('too-many')
    expect(registry.add('another', newId(), 'a').result).toBe('ok')
    expect(registry.add('third', newId(), 'b').result).toBe('full')
    expect(registry.streams).toBe(MAX_INSTANCES_PER_PEER + 1)
    expect(registry.others('peer', id)).toHaveLength(MAX_INSTANCES_PER_PEER - 1)
    // removing a stream that is not there changes nothing
    expect(registry.remove('peer', id, 'not a stream')).toBe(false)
    expect(registry.remove('peer', id, 's0')).toBe(true)
    expect(registry.streams).toBe(MAX_INSTANCES_PER_PEER)

    const r = await relay({ webrtcDirectPort: null, instances: false })
    const refused: InstanceErrorName[] = []
    const metrics: InstanceMetrics = { registered: () => {}, refused: (code) => { refused.push(code) } }
    let draining = false
    const service = await startInstances(r.node, { draining: () => draining, log: silentLogger, metrics, maxStreams: 1, ratePerPeer: 3, now: stoppedClock() })
    defer(async () => service.stop())
    const alice = await connect(r)
    const bob = await connect(r)
    const held = watch(alice.connection, newId())
    await vi.waitFor(() => { expect(held.latest()).toEqual([]) }, WAIT)
    expect(await watch(bob.connection, newId()).ended).toMatchObject({ name: 'InstanceRefusedError', code: 'full' })
    expect(service.streams).toBe(1)

    held.leave()
    await vi.waitFor(() => { expect(service.streams).toBe(0) }, WAIT)
    // Bob has used 1 of his 3 hellos; two more pass, the fourth is refused
    const again = watch(bob.connection, newId())
    await vi.waitFor(() => { expect(again.latest()).toEqual([]) }, WAIT)
    again.leave()
    await vi.waitFor(() => { expect(service.streams).toBe(0) }, WAIT)
    const third = watch(bob.connection, newId())
    await vi.waitFor(() => { expect(third.latest()).toEqual([]) }, WAIT)
    third.leave()
    await vi.waitFor(() => { expect(service.streams).toBe(0) }, WAIT)
    const fourth = await watch(bob.connection, newId()).ended
    expect(fourth).toBeInstanceOf(InstanceRefusedError)
    expect(fourth).toMatchObject({ code: 'rate-limited', reason: 'at most 3 instance hellos a minute' })

    draining = true
    expect(await watch(alice.connection, newId()).ended).toMatchObject({ code: 'unavailable' })
    expect(refused).toEqual(['full', 'rate-limited', 'unavailable'])
    expect(service.streams).toBe(0)
  })

  it('answers a malformed hello, or anything after it, with bad-request and resets the stream; a silent one is reset; the relay keeps serving', async () => {
    const r = await relay({ webrtcDirectPort: null, instances: false })
    const refused: InstanceErrorName[] = []
    const service = await startInstances(r.node, { draining: () => false, log: silentLogger, metrics: { registered: () => {}, refused: (code) => { refused.push(code) } }, helloTimeoutMs: 300 })
    defer(async () => service.stop())
    const key = await generateKeyPair('Ed25519')
    const alice = await connect(r, key)
    const aliceCopy = await connect(r, key)
    const send = async (bodies: Uint8Array[]): Promise<unknown> => {
      const stream = await alice.connection.newStream(INSTANCE_PROTOCOL)
      const frames = lpStream(stream)
      for (const body of bodies) await frames.write(body)
      let answer: unknown
      try {
        // a good hello is answered first; the error frame comes last
        while (true) decodeInstanceFrame((await frames.read({ signal: AbortSignal.timeout(5000) })).subarray())
      } catch (err) {
        answer = err
      }
      await vi.waitFor(() => { expect(stream.status).not.toBe('open') }, WAIT)
      return answer
    }
    const hello = (id: Uint8Array): Uint8Array => Uint8Array.from([0x01, ...id])
    expect(await send([Uint8Array.of(0x02, ...newId())])).toMatchObject({ code: 'bad-request', reason: 'an instance hello: unknown frame type 2' })
    expect(await send([hello(new Uint8Array(15))])).toMatchObject({ code: 'bad-request', reason: 'an instance hello: 17 bytes, not 16' })
    expect(await send([new Uint8Array(0)])).toMatchObject({ code: 'bad-request', reason: 'an instance hello: the frame is empty' })
    // a length prefix over the hello's 17 bytes is refused before its body is read
    const prefixOnly = await alice.connection.newStream(INSTANCE_PROTOCOL)
    prefixOnly.send(Uint8Array.of(0xc8, 0x01))
    const answer = await lpStream(prefixOnly).read({ signal: AbortSignal.timeout(5000) })
    expect(thrown(() => decodeInstanceFrame(answer.subarray()))).toMatchObject({ code: 'bad-request', reason: 'Invalid instance frame: length prefix is longer than 1 bytes' })
    // one sent whole is reset unanswered once more than 64 bytes wait unread
    await expect(send([new Uint8Array(200)])).resolves.toMatchObject({ name: 'StreamResetError' })
    expect(await send([hello(newId()), Uint8Array.of(0x01)])).toMatchObject({ code: 'bad-request', reason: 'nothing may follow the hello' })
    // a stream that never says hello is reset after the time limit, unanswered
    const silent = await alice.connection.newStream(INSTANCE_PROTOCOL)
    await vi.waitFor(() => { expect(silent.status).not.toBe('open') }, WAIT)
    // six malformed streams (the reset one's answer could not be written, but it was refused all the same)
    expect(refused).toEqual(new Array(6).fill('bad-request'))
    await vi.waitFor(() => { expect(service.streams).toBe(0) }, WAIT)

    // the relay and Alice's connection are fine: her copy and she see each other
    expect(r.node.status).toBe('started')
    const [a, b] = [newId(), newId()]
    const one = watch(alice.connection, a)
    const two = watch(aliceCopy.connection, b)
    await vi.waitFor(() => { expect(one.latest()).toEqual([instanceHex(b)]) }, WAIT)
    await vi.waitFor(() => { expect(two.latest()).toEqual([instanceHex(a)]) }, WAIT)
  })

  it('is on by default and off with --instances off (the protocol is not served)', async () => {
    expect((parseConfig([], {}) as RelayConfig).instances).toBe(true)
    expect((parseConfig([], {}) as RelayConfig).maxInstanceStreams).toBe(12_288)
    expect((parseConfig(['--instances', 'off'], {}) as RelayConfig).instances).toBe(false)
    expect((parseConfig([], { PARLEY_RELAY_MAX_INSTANCE_STREAMS: '100' }) as RelayConfig).maxInstanceStreams).toBe(100)
    expect(() => parseConfig(['--max-instance-streams', '0'], {})).toThrow(/--max-instance-streams \(PARLEY_RELAY_MAX_INSTANCE_STREAMS\) must be between 1 and 1000000/)
    const r = await relay({ webrtcDirectPort: null, instances: false })
    const alice = await connect(r)
    expect(await watch(alice.connection, newId()).ended).toMatchObject({ name: 'UnsupportedProtocolError' })
  })
})
