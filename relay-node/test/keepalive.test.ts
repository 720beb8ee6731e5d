import { EventEmitter } from 'node:events'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { byteStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { createRelayNode } from '../src/index.ts'
import { Keepalive, PING_PROTOCOL, ROUND_TRIP_BYTES, checkConnection, muxerPing } from '../src/keepalive.ts'
import { client, config, defer, useRelayTestDir } from './helpers.ts'
import type { PingableWebSocket } from '../src/keepalive.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

useRelayTestDir()

class FakeSocket extends EventEmitter implements PingableWebSocket {
  pings = 0
  terminated = false
  constructor (private readonly answers: () => boolean) { super() }
  ping (): void {
    this.pings++
    if (this.answers()) queueMicrotask(() => this.emit('pong'))
  }

  terminate (): void {
    this.terminated = true
    this.emit('close')
  }
}

describe('Keepalive', () => {
  afterEach(() => { vi.useRealTimers() })

  it('spreads the pings over the interval and closes a socket that stopped answering within two intervals', async () => {
    vi.useFakeTimers()
    const keepalive = new Keepalive({ intervalMs: 1000, slices: 10, ping: async () => {} })
    let alive = true
    const sockets = Array.from({ length: 100 }, (_, i) => new FakeSocket(() => i !== 7 || alive))
    for (const s of sockets) keepalive.addWebSocket(s)
    keepalive.start({ getConnections: () => [] } as unknown as Libp2p)

    // one turn (a tenth of the interval) pings a tenth of the sockets, not all of them
    await vi.advanceTimersByTimeAsync(100)
    expect(sockets.reduce((n, s) => n + s.pings, 0)).toBe(10)
    await vi.advanceTimersByTimeAsync(900)
    expect(sockets.every(s => s.pings === 1)).toBe(true)

    alive = false
    await vi.advanceTimersByTimeAsync(2000)
    expect(sockets[7]?.terminated).toBe(true)
    expect(sockets.filter(s => s.terminated)).toHaveLength(1)
    expect(keepalive.webSockets).toBe(99)
    keepalive.stop()
  })

  it('pings connections that are not inbound WebSockets over libp2p, and aborts one whose ping fails', async () => {
    vi.useFakeTimers()
    interface FakeConnection { remoteAddr: ReturnType<typeof multiaddr>, direction: 'inbound' | 'outbound', status: 'open', answers: boolean, aborted?: Error, abort(err: Error): void }
    const connection = (addr: string, direction: 'inbound' | 'outbound', answers: boolean): FakeConnection => {
      const c: FakeConnection = { remoteAddr: multiaddr(addr), direction, status: 'open', answers, abort: (err) => { c.aborted = err } }
      return c
    }
    const tcpGood = connection('/ip4/127.0.0.1/tcp/4001', 'outbound', true)
    const tcpDead = connection('/ip4/127.0.0.1/tcp/4002', 'inbound', false)
    const wsOut = connection('/ip4/127.0.0.1/tcp/4003/ws', 'outbound', true)
    const wsIn = connection('/ip4/127.0.0.1/tcp/4004/ws', 'inbound', false)
    const pinged: unknown[] = []
    const keepalive = new Keepalive({
      intervalMs: 1000,
      slices: 2,
      ping: async (c) => {
        pinged.push(c)
        if (!(c as unknown as FakeConnection).answers) throw new Error('no answer')
      }
    })
    keepalive.start({ getConnections: () => [tcpGood, tcpDead, wsOut, wsIn] as unknown as Connection[] } as unknown as Libp2p)
    await vi.advanceTimersByTimeAsync(1000)
    // the inbound WebSocket is watched with ping frames, not libp2p pings
    expect(new Set(pinged)).toEqual(new Set([tcpGood, tcpDead, wsOut]))
    expect(tcpDead.aborted?.message).toBe('no answer')
    expect(tcpGood.aborted).toBeUndefined()
    expect(wsOut.aborted).toBeUndefined()
    keepalive.stop()
  })
})

describe('checkConnection', () => {
  it('uses the muxer\'s ping where the connection\'s muxer has one, and a libp2p ping stream otherwise', async () => {
    const streams: string[] = []
    const newStream = async (protocol: string): Promise<never> => {
      streams.push(protocol)
      throw new Error('no stream here')
    }
    const pings: AbortSignal[] = []
    const withMuxerPing = { newStream, muxer: { ping: async (options: { signal: AbortSignal }) => { pings.push(options.signal); return 3 } } } as unknown as Connection
    const signal = AbortSignal.timeout(1000)
    expect(await checkConnection(withMuxerPing, signal)).toBe(3)
    expect(pings).toEqual([signal])
    expect(streams).toEqual([])
    // WebRTC-Direct's data-channel muxer has no ping; a connection without a muxer neither
    for (const other of [{ newStream, muxer: {} }, { newStream }]) {
      expect(muxerPing(other as unknown as Connection)).toBeUndefined()
      await expect(checkConnection(other as unknown as Connection, signal)).rejects.toThrow('no stream here')
    }
    expect(streams).toEqual([PING_PROTOCOL, PING_PROTOCOL])
  })
})

describe('relay keepalive', () => {
  it('closes a WebSocket that does not answer ping frames, and keeps a client that does', async () => {
    // a handshake timeout far away: only the keepalive can close the silent socket
    const r = await createRelayNode(config({ webrtcDirectPort: null, handshakeTimeoutMs: 120_000 }), { keepaliveIntervalMs: 500 })
    defer(async () => r.stop())
    const good = await client()
    const connection = await good.dial(multiaddr(r.multiaddrs[0] ?? ''))

    const parts = (r.wsMultiaddrs[0] ?? '').split('/')
    const silent = new WebSocket(`ws://${parts[2] ?? ''}:${parts[4] ?? ''}`, { autoPong: false })
    silent.on('error', () => {})
    const closed = new Promise<number>(resolve => silent.once('close', (code) => { resolve(code) }))
    // closed by the keepalive: the server terminates it, without a close frame
    expect(await closed).toBe(1006)

    // the libp2p client answered every ping frame (its WebSocket does that itself) and is still connected
    expect(connection.status).toBe('open')
    expect(r.node.getConnections(good.peerId)).toHaveLength(1)
  })

  it('checks each connection itself with its muxer\'s ping: of two TCP connections from one peer, both are pinged and kept', async () => {
    const r = await createRelayNode(config({ webrtcDirectPort: null, tcpPort: 0 }), { keepaliveIntervalMs: 500 })
    defer(async () => r.stop())
    const peer = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    defer(async () => peer.stop())
    // a libp2p ping stream would come here: the muxer's ping makes none
    const pingStreams: string[] = []
    await peer.handle(PING_PROTOCOL, async (stream, connection) => {
      pingStreams.push(connection.id)
      const bytes = byteStream(stream)
      await bytes.write(await bytes.read({ bytes: ROUND_TRIP_BYTES }))
      await stream.close()
    })
    const address = multiaddr(r.tcpMultiaddrs[0] ?? '')
    const first = await peer.dial(address)
    const second = await peer.dial(address, { force: true })
    expect(second.id).not.toBe(first.id)

    await vi.waitFor(() => { expect(r.node.getConnections(peer.peerId)).toHaveLength(2) }, { timeout: 5_000, interval: 20 })
    // which of the relay's two connections to the peer its keepalive pinged (their muxers' pings, counted)
    const pingedOn = new Set<string>()
    for (const connection of r.node.getConnections(peer.peerId)) {
      const ping = muxerPing(connection)
      expect(ping, 'a yamux connection has a muxer ping').toBeDefined()
      const muxer = Reflect.get(connection, 'muxer') as { ping(options: { signal: AbortSignal }): Promise<number> }
      const original = muxer.ping.bind(muxer)
      muxer.ping = async (options) => {
        pingedOn.add(connection.id)
        return original(options)
      }
    }
    const relaySide = r.node.getConnections(peer.peerId).map(c => c.id).sort()
    // libp2p's ping by PeerID would have taken the same one of the two every time
    await vi.waitFor(() => { expect([...pingedOn].sort()).toEqual(relaySide) }, { timeout: 10_000, interval: 50 })
    // both still open, and no ping stream was ever opened
    expect(first.status).toBe('open')
    expect(second.status).toBe('open')
    expect(pingStreams).toEqual([])
  })

  it('closes a TCP connection whose muxer stopped answering pings', async () => {
    const r = await createRelayNode(config({ webrtcDirectPort: null, tcpPort: 0 }), { keepaliveIntervalMs: 500 })
    defer(async () => r.stop())
    // yamux's own keepalive off: only the relay pings. It still answers libp2p pings (a ping stream would find it alive)
    const peer = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux({ enableKeepAlive: false })], services: { identify: identify(), ping: ping() } })
    defer(async () => peer.stop())
    const connection = await peer.dial(multiaddr(r.tcpMultiaddrs[0] ?? ''))
    const muxer = Reflect.get(connection, 'muxer') as { handlePing(header: unknown): void }
    // the peer's muxer now takes PING frames without answering them, as a peer that has gone would
    muxer.handlePing = () => {}
    const closed = new Promise<void>(resolve => { peer.addEventListener('connection:close', () => { resolve() }, { once: true }) })
    await closed
    expect(connection.status).not.toBe('open')
    expect(r.node.getConnections(peer.peerId)).toHaveLength(0)
  })
})
