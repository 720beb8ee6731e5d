/**
 * `/parley/nearby/1.0.0` through a real relay: only peers that registered are
 * listed, and only to registered peers of the same network; a registration
 * ends when withdrawn or when its peer disconnects; limits and malformed
 * requests are refused with a code and change nothing.
 */
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { describe, expect, it, vi } from 'vitest'
import { parseConfig } from '../src/config/parse.ts'
import { silentLogger } from '../src/log.ts'
import { NearbyRegistry, circuitAddresses, nearbyNetwork, startNearby } from '../src/nearby.ts'
import { nearbyRequest, peerIdOfEntry } from '@parley/protocol/nearby/client'
import { MAX_NEARBY_REQUEST_BYTES, NEARBY_PROTOCOL, NearbyRefusedError, decodeNearbyReply } from '@parley/protocol/nearby/codec'
import { client, defer, hasCircuit, metric, relay, stoppedClock, useRelayTestDir } from './helpers.ts'
import type { NearbyMetrics } from '../src/nearby.ts'
import type { NearbyErrorName } from '@parley/protocol/nearby/codec'
import type { RelayConfig, RelayNode } from '../src/index.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

useRelayTestDir()

const WAIT = { timeout: 10_000, interval: 50 }

interface Person { node: Libp2p, connection: Connection }

/** A client connected to the relay over WebSockets, holding a reservation there (as the app's node does). */
async function person (r: RelayNode): Promise<Person> {
  const node = await client()
  const connection = await node.dial(multiaddr(r.wsMultiaddrs[0] ?? ''))
  await vi.waitFor(() => { expect(hasCircuit(node)).toBe(true) }, WAIT)
  return { node, connection }
}

async function list (p: Person): Promise<Array<{ peer: string, name: string, addresses: string[] }>> {
  const reply = await nearbyRequest(p.connection, { op: 'list' })
  return reply.entries.map(e => ({ peer: peerIdOfEntry(e), name: e.name, addresses: e.addresses }))
}

async function names (p: Person): Promise<string[]> {
  return (await list(p)).map(e => e.name)
}

describe('nearby on a relay', () => {
  it('lists registered peers from the same address to each other, with a circuit address that reaches them; not those who did not opt in', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [alice, bob, carol] = [await person(r), await person(r), await person(r)]
    await nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })
    await nearbyRequest(bob.connection, { op: 'register', name: 'Bob' })

    const seenByAlice = await list(alice)
    expect(seenByAlice.map(e => [e.peer, e.name])).toEqual([[bob.node.peerId.toString(), 'Bob']])
    expect(await names(bob)).toEqual(['Alice'])
    const address = seenByAlice[0]?.addresses[0] ?? ''
    expect(address).toBe(`${r.wsMultiaddrs[0] ?? ''}/p2p-circuit/p2p/${bob.node.peerId.toString()}`)
    // the address works: Alice reaches Bob through the relay
    const toBob = await alice.node.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) })
    expect(toBob.remotePeer.equals(bob.node.peerId)).toBe(true)

    // Carol did not opt in: nobody sees her, and she sees nobody
    await expect(nearbyRequest(carol.connection, { op: 'list' })).rejects.toMatchObject({ name: 'NearbyRefusedError', code: 'not-registered' })
    expect((await list(alice)).map(e => e.peer)).not.toContain(carol.node.peerId.toString())

    // registering again renames, it takes no second place
    await nearbyRequest(bob.connection, { op: 'register', name: 'Bobby' })
    expect(await names(alice)).toEqual(['Bobby'])
    expect(await metric(r, 'parley_nearby_registrations')).toBe(2)
    expect(await metric(r, 'parley_nearby_registered_total')).toBe(3)
    expect(await metric(r, 'parley_nearby_lists_total')).toBe(4)
    expect(await metric(r, 'parley_nearby_rejections_total{code="not-registered"}')).toBe(1)
  })

  it('lists only peers holding a reservation (the others cannot be reached through the relay)', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const alice = await person(r)
    // a node that does not listen on /p2p-circuit never reserves
    const node = await createLibp2p({ transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    defer(async () => node.stop())
    const connection = await node.dial(multiaddr(r.wsMultiaddrs[0] ?? ''))
    await nearbyRequest(connection, { op: 'register', name: 'Unreserved' })
    await nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })
    expect(await names(alice)).toEqual([])
    expect(await names({ node, connection })).toEqual(['Alice'])
  })

  it('forgets a registration at once when withdrawn, and when its peer disconnects', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [alice, bob] = [await person(r), await person(r)]
    await nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })
    await nearbyRequest(bob.connection, { op: 'register', name: 'Bob' })
    expect(await names(bob)).toEqual(['Alice'])

    expect((await nearbyRequest(alice.connection, { op: 'unregister' })).removed).toBe(true)
    expect(await names(bob)).toEqual([])
    await expect(nearbyRequest(alice.connection, { op: 'list' })).rejects.toMatchObject({ code: 'not-registered' })
    expect((await nearbyRequest(alice.connection, { op: 'unregister' })).removed).toBe(false)

    await nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })
    expect(await names(bob)).toEqual(['Alice'])
    await alice.node.stop()
    await vi.waitFor(async () => { expect(await names(bob)).toEqual([]) }, WAIT)
    expect(await metric(r, 'parley_nearby_removed_total{reason="withdrawn"}')).toBe(1)
    expect(await metric(r, 'parley_nearby_removed_total{reason="disconnected"}')).toBe(1)
    expect(await metric(r, 'parley_nearby_registrations')).toBe(1)
  })

  it('refuses over the per-address share, over the total and over the rate, with a code, changing nothing', async () => {
    // the relay's own nearby service is off; this one has small limits
    const r = await relay({ webrtcDirectPort: null, nearby: false })
    const refused: NearbyErrorName[] = []
    const metrics: NearbyMetrics = { registered: () => {}, removed: () => {}, listed: () => {}, refused: (code) => { refused.push(code) } }
    const service = await startNearby(r.node, {
      maxInboundStreams: 8, draining: () => false, reserved: () => true, log: silentLogger, metrics, maxPerIp: 2, maxRegistrations: 2, ratePerPeer: 4, now: stoppedClock()
    })
    defer(async () => service.stop())
    const [alice, bob, carol] = [await person(r), await person(r), await person(r)]
    await nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })
    await nearbyRequest(bob.connection, { op: 'register', name: 'Bob' })
    await expect(nearbyRequest(carol.connection, { op: 'register', name: 'Carol' })).rejects.toMatchObject({ code: 'per-ip' })
    expect(service.size).toBe(2)
    expect(await names(alice)).toEqual(['Bob'])

    // Alice has used 2 of her 4 requests (register, list); two more pass, the fifth is refused
    expect(await names(alice)).toEqual(['Bob'])
    expect(await names(alice)).toEqual(['Bob'])
    await expect(nearbyRequest(alice.connection, { op: 'list' })).rejects.toMatchObject({ code: 'rate-limited' })
    expect(refused).toEqual(['per-ip', 'rate-limited'])

    const registry = new NearbyRegistry(10, 2)
    expect(registry.register(alice.node.peerId, 'A', '10.0.0.1')).toBe('ok')
    expect(registry.register(bob.node.peerId, 'B', '10.0.0.2')).toBe('ok')
    expect(registry.register(carol.node.peerId, 'C', '10.0.0.3')).toBe('full')
    // renaming is not a new registration: allowed when full
    expect(registry.register(bob.node.peerId, 'B2', '10.0.0.2')).toBe('ok')
    expect(registry.size).toBe(2)
    expect(registry.nearby(alice.node.peerId.toString(), 10, () => true)?.map(x => x.name)).toEqual(['B2'])
  })

  it('answers a malformed request with bad-request and resets it, resets an oversized one, registers nothing, and keeps serving', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const alice = await person(r)
    const send = async (body: Uint8Array): Promise<unknown> => {
      const stream = await alice.connection.newStream(NEARBY_PROTOCOL)
      const frames = lpStream(stream)
      await frames.write(body)
      const reply = await frames.read({ signal: AbortSignal.timeout(5000) })
      await vi.waitFor(() => { expect(stream.status).not.toBe('open') }, WAIT)
      try {
        decodeNearbyReply('register', reply.subarray())
        return undefined
      } catch (err) {
        return err
      }
    }
    const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
    const register = (name: Uint8Array): Uint8Array => Uint8Array.from([0x01, ...name])
    const unknown = await send(Uint8Array.of(0x09))
    expect(unknown).toBeInstanceOf(NearbyRefusedError)
    expect(unknown).toMatchObject({ code: 'bad-request', reason: 'a nearby request: unknown operation 9' })
    expect(await send(register(new Uint8Array(0)))).toMatchObject({ code: 'bad-request', reason: 'a nearby request: the name is empty' })
    expect(await send(register(Uint8Array.of(0xc3, 0x28)))).toMatchObject({ code: 'bad-request', reason: 'a nearby request: the name is not valid UTF-8' })
    expect(await send(register(utf8('x'.repeat(65))))).toMatchObject({ reason: 'a nearby request: the name is longer than 64 characters' })
    expect(await send(register(utf8('Eve\u0007')))).toMatchObject({ reason: 'a nearby request: the name contains control characters' })
    expect(await send(register(utf8(' Eve')))).toMatchObject({ reason: 'a nearby request: the name has spaces at its start or end' })
    expect(await send(Uint8Array.of(0x03, 0x00))).toMatchObject({ reason: 'a nearby request: 1 bytes after the last field' })

    const oversized = await alice.connection.newStream(NEARBY_PROTOCOL)
    const big = lpStream(oversized, { maxDataLength: 4 * MAX_NEARBY_REQUEST_BYTES })
    await big.write(new Uint8Array(MAX_NEARBY_REQUEST_BYTES + 1).fill(0x41)).catch(() => {})
    await expect(big.read({ signal: AbortSignal.timeout(5000) })).rejects.toThrow()

    expect(await metric(r, 'parley_nearby_registrations')).toBe(0)
    expect(await metric(r, 'parley_nearby_rejections_total{code="bad-request"}')).toBe(7)
    // the relay and Alice's connection are fine
    expect(r.node.status).toBe('started')
    await nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })
    expect(await names(alice)).toEqual([])
  })

  it('says unavailable while the relay drains', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const alice = await person(r)
    void r.drain(60_000)
    await expect(nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('is on by default and off with --nearby false (the protocol is not served)', async () => {
    expect((parseConfig([], {}) as RelayConfig).nearby).toBe(true)
    expect((parseConfig(['--nearby', 'false'], {}) as RelayConfig).nearby).toBe(false)
    expect((parseConfig([], { PARLEY_RELAY_NEARBY: 'off' }) as RelayConfig).nearby).toBe(false)
    expect(() => parseConfig(['--nearby', 'maybe'], {})).toThrow(/--nearby \(PARLEY_RELAY_NEARBY\) must be "on" or "off"/)
    const r = await relay({ webrtcDirectPort: null, nearby: false })
    const alice = await person(r)
    await expect(nearbyRequest(alice.connection, { op: 'register', name: 'Alice' })).rejects.toMatchObject({ name: 'UnsupportedProtocolError' })
  })
})

describe('who is nearby', () => {
  const near = (a: string, b: string): boolean => nearbyNetwork(a) === nearbyNetwork(b)

  it('the same public address (one NAT), and nothing else public', () => {
    expect(near('203.0.113.7', '203.0.113.7')).toBe(true)
    expect(near('203.0.113.7', '203.0.113.8')).toBe(false)
    // carrier-grade NAT space is shared by strangers
    expect(near('100.64.0.1', '100.64.0.2')).toBe(false)
    expect(near('2001:db8::1', '2001:db8:0:0:0:0:0:1')).toBe(true)
    expect(near('2001:db8::1', '2001:db8::2')).toBe(false)
  })

  it('one private network: the same IPv4 /24 or IPv6 /64; loopback and link-local are one each', () => {
    expect(near('192.168.1.10', '192.168.1.23')).toBe(true)
    expect(near('192.168.1.10', '192.168.2.10')).toBe(false)
    expect(near('10.1.2.3', '10.1.2.200')).toBe(true)
    expect(near('172.16.5.1', '172.16.5.9')).toBe(true)
    // 172.32/16 is not private
    expect(near('172.32.5.1', '172.32.5.9')).toBe(false)
    expect(near('127.0.0.1', '127.0.0.2')).toBe(true)
    expect(near('127.0.0.1', '::1')).toBe(true)
    expect(near('169.254.1.1', '169.254.200.3')).toBe(true)
    expect(near('fe80::1%eth0', 'fe80::abcd')).toBe(true)
    expect(near('fd12:3456:789a:1::5', 'fd12:3456:789a:1::6')).toBe(true)
    expect(near('fd12:3456:789a:1::5', 'fd12:3456:789a:2::5')).toBe(false)
    // an IPv4-mapped IPv6 address is its IPv4 address
    expect(near('::ffff:192.168.1.10', '192.168.1.99')).toBe(true)
    // private and public never meet
    expect(near('192.168.1.10', '203.0.113.7')).toBe(false)
  })

  it('circuit addresses go through the relay, the asker\'s transport first', () => {
    const relayId = '12D3KooWRelay'
    const addresses = circuitAddresses(
      [`/ip4/10.0.0.1/tcp/9090/ws/p2p/${relayId}`, `/ip4/10.0.0.1/udp/9091/webrtc-direct/certhash/uEiA/p2p/${relayId}`],
      '/ip4/10.0.0.7/udp/5000/webrtc-direct', 'PEER')
    expect(addresses).toEqual([
      `/ip4/10.0.0.1/udp/9091/webrtc-direct/certhash/uEiA/p2p/${relayId}/p2p-circuit/p2p/PEER`,
      `/ip4/10.0.0.1/tcp/9090/ws/p2p/${relayId}/p2p-circuit/p2p/PEER`
    ])
  })
})
