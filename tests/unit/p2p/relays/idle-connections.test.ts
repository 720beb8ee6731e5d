/**
 * Issue 27: IdleConnections closes the direct connections the DHT left
 * behind once they carried no stream for IDLE_CONNECTION_MS, clearing
 * kad-dht's keep-alive tag first, and leaves alone what the app keeps: the
 * served relays, a relay holding our reservation, contacts' relayed and
 * WebRTC connections, and anything carrying a stream.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IDLE_CHECK_MS, IDLE_CONNECTION_MS, IdleConnections, KAD_DHT_KEEP_ALIVE_TAG } from '../../../../src/lib/p2p/relays/idle-connections.ts'
import { FakeLibp2p, fakeConnection, relayedConnection, testLogger } from '../../../support/fake-components.ts'
import type { FakeConnection } from '../../../support/fake-components.ts'
import type { PeerId } from '@libp2p/interface'

const T0 = Date.UTC(2026, 10, 27, 12)

let now: number
let node: FakeLibp2p
let kept: Set<string>
let idle: IdleConnections

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/** A direct connection to a new peer, opened `ago` ms before now, with `streams` open streams. */
async function direct (ago: number, streams = 0): Promise<FakeConnection> {
  const connection = fakeConnection({ remotePeer: await newPeer(), openedAt: now - ago, streams: Array.from({ length: streams }, () => ({})) })
  node.open(connection)
  return connection
}

async function tag (peerId: PeerId, ...names: string[]): Promise<void> {
  await node.peerStore.merge(peerId, { tags: Object.fromEntries(names.map(name => [name, { value: 1 }])) })
}

const tagsOf = async (peerId: PeerId): Promise<string[]> => [...(await node.peerStore.get(peerId)).tags.keys()].sort()

beforeEach(async () => {
  now = T0
  node = new FakeLibp2p(await newPeer(), {})
  kept = new Set()
  idle = new IdleConnections({ logger: testLogger(), libp2p: node as never, keeper: { keepsPeer: (peerId) => kept.has(peerId.toString()) } }, { now: () => now })
  idle.start()
})

afterEach(() => {
  idle.stop()
  vi.useRealTimers()
})

describe('IdleConnections', () => {
  it('closes a relay connection that carried no stream for IDLE_CONNECTION_MS, clearing only kad-dht\'s keep-alive tag', async () => {
    const old = await direct(IDLE_CONNECTION_MS)
    const young = await direct(IDLE_CONNECTION_MS - 1)
    await tag(old.remotePeer, KAD_DHT_KEEP_ALIVE_TAG, 'kad-close')
    await idle.check()
    expect(old.status).toBe('closed')
    expect(await tagsOf(old.remotePeer)).toEqual(['kad-close'])
    expect(young.status).toBe('open')
    now += 1
    await idle.check()
    expect(young.status).toBe('closed')
  })

  it('counts the idle time from the last check that saw a stream', async () => {
    const busy = await direct(10 * IDLE_CONNECTION_MS, 1)
    await idle.check()
    expect(busy.status).toBe('open')
    busy.streams.length = 0
    now += IDLE_CONNECTION_MS - 1
    await idle.check()
    expect(busy.status).toBe('open')
    now += 1
    await idle.check()
    expect(busy.status).toBe('closed')
  })

  it('leaves the served relays, a relay tagged keep-alive by another service, and contacts\' relayed and WebRTC connections open', async () => {
    const served = await direct(10 * IDLE_CONNECTION_MS)
    kept.add(served.remotePeer.toString())
    const reserved = await direct(10 * IDLE_CONNECTION_MS)
    await tag(reserved.remotePeer, 'keep-alive-circuit-relay', KAD_DHT_KEEP_ALIVE_TAG)
    const contact = await newPeer()
    const relayed = relayedConnection(contact, `/ip4/127.0.0.1/tcp/9090/ws/p2p/${served.remotePeer.toString()}`, { openedAt: now - 10 * IDLE_CONNECTION_MS })
    const webrtc = fakeConnection({ remotePeer: contact, remoteAddr: `/ip4/127.0.0.1/tcp/9090/ws/p2p/${served.remotePeer.toString()}/p2p-circuit/webrtc/p2p/${contact.toString()}`, openedAt: now - 10 * IDLE_CONNECTION_MS })
    node.open(relayed)
    node.open(webrtc)
    await idle.check()
    expect([served, reserved, relayed, webrtc].map(c => c.status)).toEqual(['open', 'open', 'open', 'open'])
    expect(await tagsOf(reserved.remotePeer)).toEqual([KAD_DHT_KEEP_ALIVE_TAG, 'keep-alive-circuit-relay'].sort())
  })

  it('aborts a connection whose close fails', async () => {
    const stuck = await direct(IDLE_CONNECTION_MS)
    stuck.close = async () => { throw new Error('the close timed out') }
    await idle.check()
    expect(stuck.aborted?.message).toBe('the close timed out')
    expect(stuck.status).toBe('closed')
  })

  it('looks every IDLE_CHECK_MS once started, and no more once stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const first = await direct(IDLE_CONNECTION_MS)
    idle.afterStart()
    await vi.advanceTimersByTimeAsync(IDLE_CHECK_MS - 1)
    expect(first.status).toBe('open')
    await vi.advanceTimersByTimeAsync(1)
    expect(first.status).toBe('closed')
    idle.stop()
    const second = await direct(IDLE_CONNECTION_MS)
    await vi.advanceTimersByTimeAsync(10 * IDLE_CHECK_MS)
    expect(second.status).toBe('open')
  })
})
