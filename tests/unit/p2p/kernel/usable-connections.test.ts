import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { bestConnection, dialPeer, markCarriesData, pathTo } from '../../../../src/lib/p2p/kernel/connections.ts'
import { DirectUpgrader } from '../../../../src/lib/p2p/presence/direct-upgrade.ts'
import { PROBE_PROTOCOL, PROBE_TIMEOUT_MS } from '../../../../src/lib/p2p/presence/probe-direct.ts'
import { networkSnapshot } from '../../../../src/lib/p2p/relays/network-snapshot.ts'
import { FakeLibp2p, fakeConnection, relayedConnection, testCapabilities, testLogger, testStatus } from '../../../support/fake-components.ts'
import type { FakeConnection } from '../../../support/fake-components.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

/**
 * A new direct WebRTC connection is not used (chat, files, the path badge)
 * until its probe has negotiated a stream over it: libp2p's answering side can
 * register one whose ICE never connected, and while upgrades are retried such
 * connections follow one another (the NAT lab saw Bob's badge say "direct" for
 * 30 s in a pair that can only be relayed). Fakes: tests/support/fake-components.ts.
 */

const RELAY = '/ip4/203.0.113.1/tcp/9090/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

let peer: PeerId

beforeAll(async () => {
  peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
})

function relayed (direction: 'inbound' | 'outbound' = 'outbound'): FakeConnection {
  return relayedConnection(peer, RELAY, { id: `relayed-${direction}`, direction })
}

/** A direct WebRTC connection as the answering side registers it; `newStream` decides what the probe sees. */
function webRtc (newStream: (protocol: string, options: { signal: AbortSignal }) => Promise<Partial<Stream>>): FakeConnection {
  return fakeConnection({ id: 'webrtc', direction: 'inbound', remotePeer: peer, remoteAddr: `/webrtc/p2p/${peer.toString()}`, newStream })
}

function fakeNode (connections: Connection[]): FakeLibp2p {
  const node = new FakeLibp2p(peer, {})
  node.connections = connections
  return node
}

/** An upgrader on `node`, started; every connection it finds usable goes to `usable`. */
function upgraderOn (node: FakeLibp2p, usable: Connection[]): DirectUpgrader {
  const events = new TypedEventEmitter<ParleyEvents>()
  events.addEventListener('connection:usable', (evt) => { usable.push(evt.detail) })
  const upgrader = new DirectUpgrader({ logger: testLogger(), events, status: testStatus(events), capabilities: testCapabilities(), libp2p: node, contactBook: { isAccepted: async () => true }, groupBook: { sharesGroup: async () => false } })
  upgrader.start()
  return upgrader
}

const answers = async (): Promise<Partial<Stream>> => ({ close: async () => {}, abort: () => {} })
const neverOpens = async (): Promise<never> => await new Promise<never>(() => {})

describe('which connection carries our traffic', () => {
  it('keeps to the relayed connection while a new direct WebRTC one has not carried a stream', () => {
    const direct = webRtc(answers)
    const node = fakeNode([relayed(), direct])
    expect(bestConnection(node, peer)?.id).toBe('relayed-outbound')
    expect(pathTo(node, peer)).toBe('relayed')
    markCarriesData(direct)
    expect(bestConnection(node, peer)).toBe(direct)
    expect(pathTo(node, peer)).toBe('direct')
  })

  it('does not use an unproven direct connection even when it is the only one', () => {
    const node = fakeNode([webRtc(answers)])
    expect(bestConnection(node, peer)).toBeUndefined()
    expect(pathTo(node, peer)).toBeUndefined()
  })

  it('uses direct connections of other transports (a relay over WebSockets or WebRTC-Direct) without a probe', () => {
    const wsDirect = fakeConnection({ id: 'ws', remotePeer: peer, remoteAddr: '/ip4/203.0.113.1/tcp/9090/ws' })
    const node = fakeNode([relayed(), wsDirect])
    expect(bestConnection(node, peer)).toBe(wsDirect)
  })

  it('never picks a closed connection', () => {
    const direct = webRtc(answers)
    markCarriesData(direct)
    direct.abort(new Error('gone'))
    const node = fakeNode([relayed(), direct])
    expect(pathTo(node, peer)).toBe('relayed')
  })
})

describe('the Network panel', () => {
  it('lists an unproven direct connection as being checked, and counts it as direct only once it carried a stream', async () => {
    const direct = webRtc(answers)
    const node = fakeNode([relayed(), direct])
    const input = { rows: [], kept: () => undefined, dialable: () => true, contactName: async () => 'Alice' }
    const before = await networkSnapshot(node, input)
    expect(before.connections.map(c => [c.path, c.checking ?? false])).toEqual([['relayed', false], ['direct', true]])
    expect(before.directConnections).toBe(0)
    markCarriesData(direct)
    const after = await networkSnapshot(node, input)
    expect(after.connections.map(c => [c.path, c.checking ?? false])).toEqual([['relayed', false], ['direct', false]])
    expect(after.directConnections).toBe(1)
  })
})

describe('DirectUpgrader probes every new direct WebRTC connection', () => {
  afterEach(() => { vi.useRealTimers() })

  it('makes one that negotiates the probe usable and says so', async () => {
    const protocols: string[] = []
    const direct = webRtc(async (protocol) => { protocols.push(protocol); return await answers() })
    const node = fakeNode([relayed('inbound')])
    const usable: Connection[] = []
    const upgrader = upgraderOn(node, usable)
    try {
      node.open(direct)
      await vi.waitFor(() => { expect(usable).toEqual([direct]) })
      expect(protocols).toEqual([PROBE_PROTOCOL])
      expect(pathTo(node, peer)).toBe('direct')
      expect(direct.aborted).toBeUndefined()
    } finally {
      upgrader.stop()
    }
  })

  it('closes one whose data channel never opens, and the path stays relayed all along', async () => {
    vi.useFakeTimers()
    const direct = webRtc(neverOpens)
    const node = fakeNode([relayed('inbound')])
    const usable: Connection[] = []
    const upgrader = upgraderOn(node, usable)
    try {
      node.open(direct)
      await vi.advanceTimersByTimeAsync(PROBE_TIMEOUT_MS - 1)
      expect(pathTo(node, peer)).toBe('relayed')
      expect(direct.aborted).toBeUndefined()
      await vi.advanceTimersByTimeAsync(1)
      expect(direct.aborted?.message).toMatch(/carried no data/)
      expect(usable).toEqual([])
      expect(pathTo(node, peer)).toBe('relayed')
    } finally {
      upgrader.stop()
    }
  })
})

describe('dialPeer', () => {
  it('a dial that fails while a usable connection to the peer is open (libp2p closed the joined dial as a duplicate) gives that connection', async () => {
    const node = fakeNode([])
    const opened = relayed()
    node.dialer = async () => {
      node.connections = [opened]
      throw new Error('Remote closed connection during opening')
    }
    expect(await dialPeer(node, peer, peer, AbortSignal.timeout(10_000))).toBe(opened)
    expect(node.dials).toEqual([peer.toString()])
  })

  it('with no usable connection open, or once the caller gave up, the dial error stands', async () => {
    const lost = new Error('Remote closed connection during opening')
    const node = fakeNode([])
    node.dialer = async () => { throw lost }
    await expect(dialPeer(node, peer, peer, AbortSignal.timeout(10_000))).rejects.toBe(lost)
    // an unproven direct WebRTC connection is not usable
    node.connections = [webRtc(async () => ({}))]
    await expect(dialPeer(node, peer, peer, AbortSignal.timeout(10_000))).rejects.toBe(lost)
    const gaveUp = new AbortController()
    node.connections = [relayed()]
    node.dialer = async () => { gaveUp.abort(); throw lost }
    await expect(dialPeer(node, peer, peer, gaveUp.signal)).rejects.toBe(lost)
  })
})
