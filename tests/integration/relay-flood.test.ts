/**
 * A relay-node process under a flood — reservation attempts, streams opened
 * and held, oversized WebSocket messages, silent and half-finished handshakes —
 * bounded in count and time, all on loopback. Its memory stays bounded, each
 * kind of abuse is refused and counted by reason, and two people connected
 * throughout keep chatting through it.
 */
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { spawnRelay } from '../../scripts/lib/relay-process.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { befriend, startServicePeer, WAIT } from './harness.ts'
import type { Peer } from './harness.ts'
import type { RelayProcess } from '../../scripts/lib/relay-process.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { Libp2p } from '@libp2p/interface'

const FLOOD = {
  reservationClients: 60,
  streamClients: 3,
  streamsEach: 64,
  oversizedMessages: 30,
  silentSockets: 120,
  slowlorisSockets: 40
}
/** relay-node's RSS may grow by at most this much during the flood */
const MAX_RSS_GROWTH_MB = 150

let dir: string
let relay: RelayProcess
const stops: Array<() => Promise<unknown>> = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-flood-'))
  relay = await spawnRelay({
    dataDir: join(dir, 'relay'),
    webrtcDirectPort: 'off',
    extraArgs: [
      '--metrics-port', '0',
      '--max-reservations', '40', '--max-reservations-per-ip', '30', '--reservation-rate-per-ip', '60',
      '--max-connections', '200', '--max-connections-per-ip', '150', '--connection-rate-per-ip', '40',
      // every flood client comes from 127.0.0.1: its pending-handshake share lets most of the 60 reservation clients in at once
      '--max-pending-connections', '48', '--max-pending-connections-per-ip', '40', '--handshake-timeout-ms', '4000',
      '--ws-max-frame-bytes', '131072', '--max-inbound-streams', '8'
    ]
  })
  stops.push(async () => relay.stop())
})

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
  await rm(dir, { recursive: true, force: true })
})

async function rssMb (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN) / 1024
}

async function metric (sample: string): Promise<number> {
  const text = await (await fetch(`${relay.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  return Number(line?.slice(sample.length + 1) ?? NaN)
}

const rejections = async (kind: 'reservation' | 'connection', reason: string): Promise<number> =>
  metric(`parley_relay_${kind}_rejections_total{reason="${reason}"}`)

async function floodClient (): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  stops.push(async () => node.stop())
  return node
}

const settle = async <T>(work: Array<Promise<T>>): Promise<Array<PromiseSettledResult<T>>> => Promise.allSettled(work)

/** Clients that each try to hold a reservation: beyond the caps and rates they are refused. */
async function floodReservations (): Promise<number> {
  const clients = await Promise.all(Array.from({ length: FLOOD.reservationClients }, async () => floodClient()))
  await settle(clients.map(async c => c.dial(multiaddr(relay.multiaddrs[0] ?? ''), { signal: AbortSignal.timeout(15_000) })))
  const holds = (c: Libp2p): boolean => c.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit'))
  const holding = (): number => clients.filter(holds).length
  // a reservation is requested right after the connection: wait until every client still
  // connected holds one or was refused (under load, some connections are refused or time out instead)
  await vi.waitFor(async () => {
    const refused = await rejections('reservation', 'per-ip') + await rejections('reservation', 'capacity') + await rejections('reservation', 'rate')
    const waiting = clients.filter(c => c.getConnections().length > 0 && !holds(c)).length
    expect(waiting).toBeLessThanOrEqual(refused)
  }, { timeout: 30_000, interval: 200 })
  return holding()
}

/** Connections made before the flood that then open many streams of one protocol and hold them. */
async function streamFlooders (): Promise<() => Promise<number>> {
  const connections = await Promise.all(Array.from({ length: FLOOD.streamClients }, async () =>
    (await floodClient()).dial(multiaddr(relay.multiaddrs[0] ?? ''), { signal: AbortSignal.timeout(15_000) })))
  return async () => {
    let open = 0
    for (const connection of connections) {
      const results = await settle(Array.from({ length: FLOOD.streamsEach }, async () => connection.newStream(DHT_PROTOCOL, { maxOutboundStreams: FLOOD.streamsEach })))
      const openNow = (): number => results.filter(r => r.status === 'fulfilled' && r.value.status === 'open').length
      // the relay resets those beyond its per-protocol limit as they arrive
      await vi.waitFor(() => { expect(openNow()).toBeLessThanOrEqual(8) }, WAIT)
      open += openNow()
    }
    return open
  }
}

/** WebSocket clients that each send one message far over the relay's frame limit. */
async function floodOversized (): Promise<number[]> {
  const [, , host, , port] = (relay.wsMultiaddrs[0] ?? '').split('/')
  const codes = await settle(Array.from({ length: FLOOD.oversizedMessages }, async () => {
    const ws = new WebSocket(`ws://${host ?? ''}:${port ?? ''}`)
    ws.on('error', () => {})
    const closed = new Promise<number>(resolve => ws.once('close', (code) => { resolve(code) }))
    // refused before it opens when too many handshakes are pending
    await new Promise((resolve) => { ws.once('open', resolve); ws.once('close', resolve) })
    if (ws.readyState === WebSocket.OPEN) ws.send(new Uint8Array(4 * 1024 * 1024))
    return closed
  }))
  return codes.flatMap(c => c.status === 'fulfilled' ? [c.value] : [])
}

/** Sockets that connect and say nothing, or stop in the middle of the HTTP upgrade. */
async function floodHalfOpen (): Promise<number> {
  const [, , host, , port] = (relay.wsMultiaddrs[0] ?? '').split('/')
  const sockets = Array.from({ length: FLOOD.silentSockets + FLOOD.slowlorisSockets }, (_, i) => {
    const socket = connect({ host, port: Number(port) })
    socket.on('error', () => {})
    if (i >= FLOOD.silentSockets) socket.once('connect', () => { socket.write('GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n') })
    return new Promise<void>(resolve => socket.once('close', () => { resolve() }))
  })
  // every one of them is closed by the relay: refused at once, or after the handshake timeout
  await Promise.all(sockets)
  return sockets.length
}

describe('relay-node under a flood', () => {
  it('stays bounded in memory, refuses and counts the abuse, and keeps relaying chat for clients connected throughout', async () => {
    const alice: Peer = await startServicePeer(() => relay.multiaddrs, undefined, 'Alice')
    stops.push(async () => alice.stop())
    const bob: Peer = await startServicePeer(() => relay.multiaddrs, undefined, 'Bob')
    stops.push(async () => bob.stop())
    const { aToB, bToA } = await befriend(alice, bob)
    const delivered = async (from: Peer, to: ContactId, text: string): Promise<void> => {
      await from.node.call('sendMessage', { contactId: to, text: text })
      await vi.waitFor(async () => {
        expect((await chatMessages(from.db, to)).find(m => m.body === text)?.state).toBe('delivered')
      }, { timeout: 30_000, interval: 100 })
    }
    await delivered(alice, aToB, 'before the flood')

    const floodStreams = await streamFlooders()
    const baseline = await rssMb(relay.pid)
    let peak = baseline
    const sampler = setInterval(() => { void rssMb(relay.pid).then(mb => { peak = Math.max(peak, mb) }, () => {}) }, 100)
    stops.push(async () => { clearInterval(sampler) })

    // both ways, one message after another, for as long as the flood lasts (and at least 5)
    let chatted = 0
    let flooding = true
    const chatting = (async () => {
      while (flooding || chatted < 5) {
        await delivered(chatted % 2 === 0 ? bob : alice, chatted % 2 === 0 ? bToA : aToB, `during the flood ${chatted}`)
        chatted++
      }
    })()
    // one kind after another (a half-open flood fills the handshake slots, so that nothing else would even connect)
    const flood = (async () => {
      const held = await floodReservations()
      const openStreams = await floodStreams()
      const closeCodes = await floodOversized()
      const halfOpen = await floodHalfOpen()
      flooding = false
      return { held, openStreams, closeCodes, halfOpen }
    })()
    const [{ held, openStreams, closeCodes, halfOpen }] = await Promise.all([flood, chatting])
    clearInterval(sampler)

    // the caps held
    expect(held).toBeLessThanOrEqual(30 - 2)
    expect(openStreams).toBeLessThanOrEqual(FLOOD.streamClients * 8)
    // every oversized message closed its WebSocket (1009), unless it was refused before it opened (1006)
    expect(closeCodes).toHaveLength(FLOOD.oversizedMessages)
    expect(closeCodes.every(c => c === 1009 || c === 1006)).toBe(true)
    const tooLarge = closeCodes.filter(c => c === 1009).length
    expect(tooLarge).toBeGreaterThan(0)
    expect(halfOpen).toBe(FLOOD.silentSockets + FLOOD.slowlorisSockets)
    // each kind of abuse was counted by reason
    expect(await rejections('reservation', 'per-ip') + await rejections('reservation', 'capacity') + await rejections('reservation', 'rate')).toBeGreaterThan(0)
    expect(await rejections('connection', 'frame-too-large')).toBe(tooLarge)
    expect(await rejections('connection', 'handshake-timeout')).toBeGreaterThan(0)
    // all of it from one address: its share of the pending-handshake slots ran out first
    expect(await rejections('connection', 'pending-per-ip') + await rejections('connection', 'pending')).toBeGreaterThan(0)
    // memory stayed bounded (30 × 4 MiB of oversized messages alone would be 120 MiB if buffered)
    console.log(`relay-node RSS: ${baseline.toFixed(1)} MB before, ${peak.toFixed(1)} MB at the peak of the flood; ${chatted} messages delivered during it`)
    expect(peak - baseline).toBeLessThan(MAX_RSS_GROWTH_MB)

    // the two people connected throughout chatted during the flood, and still do
    expect(chatted).toBeGreaterThanOrEqual(5)
    await delivered(alice, aToB, 'after the flood')
    await delivered(bob, bToA, 'after the flood, back')
    const health = await fetch(`${relay.opsUrl ?? ''}/healthz`)
    expect(health.status).toBe(200)
  }, 180_000)
})
