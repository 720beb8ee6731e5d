import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRelayNode, parseConfig } from '../../relay-node/src/index.ts'
import { nodeContract } from '../../src/lib/contract/index.ts'
import { SchemaError } from '../../src/lib/contract/schema.ts'
import { testRelay } from '../../src/lib/p2p/relays/relay-test.ts'
import { startHarness, WAIT } from './harness.ts'
import { expectRefusal } from '../support/words.ts'
import type { RelayConfig, RelayNode } from '../../relay-node/src/index.ts'
import type { Harness, Peer } from './harness.ts'
import type { Libp2p } from '@libp2p/interface'

/**
 * Relay management in the worker's node against real relay-nodes on
 * loopback: a relay added at run time is dialed and reserved on, tested,
 * removed (and hung up on, as the relay sees it); a test says in words why
 * an address is no use: nothing there, the wrong peer, not a relay, no answer.
 */

let harness: Harness
let second: RelayNode
let secondDir: string
let alice: Peer

async function randomPeerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

/** A loopback port nothing listens on: bound, then released. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  if (address === null || typeof address === 'string') throw new Error('no TCP port')
  return address.port
}

function aliceId (): string {
  return alice.node.libp2p?.peerId.toString() ?? ''
}

beforeAll(async () => {
  harness = await startHarness()
  secondDir = await mkdtemp(join(tmpdir(), 'parley-relay-2-'))
  second = await createRelayNode({ ...(parseConfig([], {}) as RelayConfig), port: 0, dataDir: secondDir, webrtcDirectPort: null })
  alice = await harness.startPeer(undefined, 'Alice')
})

afterAll(async () => {
  await harness.close()
  await second.stop()
  await rm(secondDir, { recursive: true, force: true })
})

describe('relays at run time', () => {
  it('adds a relay: dialed at once, reserved on, tested with an RTT; removed: the relay sees the node hang up', async () => {
    const address = second.wsMultiaddrs[0] ?? ''
    const added = await alice.node.call('addRelay', { multiaddr: address })
    expect(added).toMatchObject({ multiaddr: address, peerId: second.peerId, source: 'user', active: true })
    await vi.waitFor(async () => {
      const relay = ((await alice.node.call('listRelays')).relays).find(r => r.multiaddr === address)
      expect(relay?.state).toBe('reserved')
    }, WAIT)
    expect(second.node.getConnections().some(c => c.remotePeer.toString() === aliceId())).toBe(true)
    // our circuit address through it is in the status, so the greeter tells contacts
    expect(alice.node.status.addresses.some(a => a.startsWith(`${address}/p2p-circuit`))).toBe(true)

    const { rtt } = await alice.node.call('testRelay', { multiaddr: address })
    expect(rtt).toBeGreaterThanOrEqual(0)
    expect(await alice.db.relays.get(address)).toMatchObject({ lastRtt: rtt, failures: 0, lastConnected: expect.any(Number) })
    // libp2p's connection monitor pings each connection on a stream of ping's own protocol: a test
    // pressed while that stream is open pings too (with ping's default of one such stream it was
    // refused, "Too many outbound protocol streams", and the panel said the relay closed the connection)
    const toSecond = alice.node.libp2p?.getConnections().find(c => c.remotePeer.toString() === second.peerId && c.status === 'open')
    if (toSecond === undefined) throw new Error('no open connection to the added relay')
    const monitorPing = await toSecond.newStream('/ipfs/ping/1.0.0', { runOnLimitedConnection: true })
    expect((await alice.node.call('testRelay', { multiaddr: address })).rtt).toBeGreaterThanOrEqual(0)
    // with every ping stream our node allows already open, the test says so, and the relay's row
    // does not count it as the relay's failure
    const before = await alice.db.relays.get(address)
    const secondPing = await toSecond.newStream('/ipfs/ping/1.0.0', { runOnLimitedConnection: true })
    await expectRefusal(alice.node.call('testRelay', { multiaddr: address }), 'RelayTestBusyError', 'This device is still checking its connection to this relay. Try the test again in a moment.')
    expect(await alice.db.relays.get(address)).toEqual(before)
    await Promise.all([monitorPing.close(), secondPing.close()])

    const network = await alice.node.call('getNetwork')
    expect(network.reachability).toBe('relayed')
    expect(network.reservations).toBe(2)
    expect(network.connections.filter(c => c.role === 'relay').map(c => c.peerId).sort()).toEqual([harness.relay.peerId, second.peerId].sort())

    expect(await alice.node.call('removeRelay', { multiaddr: address })).toEqual({ outcome: 'removed' })
    expect(await alice.db.relays.get(address)).toBeUndefined()
    await vi.waitFor(() => {
      expect(second.node.getConnections().filter(c => c.remotePeer.toString() === aliceId())).toEqual([])
    }, WAIT)
    await vi.waitFor(() => {
      expect(alice.node.status.addresses.some(a => a.includes(second.peerId))).toBe(false)
    }, WAIT)
    // the shipped relay stays
    expect(alice.node.status.phase).toBe('online')
  })

  it('disabling the shipped relay hangs up on it; removing it keeps it disabled; enabling brings the reservation back', async () => {
    const shipped = harness.relay.multiaddrs[0] ?? ''
    await alice.node.call('setRelayActive', { multiaddr: shipped, active: false })
    await vi.waitFor(() => {
      expect(harness.relay.node.getConnections().filter(c => c.remotePeer.toString() === aliceId())).toEqual([])
      expect(alice.node.status.phase).toBe('offline')
    }, WAIT)
    expect(await alice.node.call('removeRelay', { multiaddr: shipped })).toEqual({ outcome: 'disabled' })
    expect(((await alice.node.call('listRelays')).relays).find(r => r.multiaddr === shipped)).toMatchObject({ state: 'disabled', source: 'default' })

    await alice.node.call('setRelayActive', { multiaddr: shipped, active: true })
    await vi.waitFor(() => { expect(alice.node.status.phase).toBe('online') }, WAIT)
  })

  it('refuses garbage, a duplicate and malformed params in words, storing nothing', async () => {
    const listed = async (): Promise<unknown[]> => (await alice.db.relays.toArray()).map(r => [r.multiaddr, r.source, r.active])
    const before = await listed()
    await expectRefusal(alice.node.call('addRelay', { multiaddr: 'relay.example.org:443' }), 'InvalidRelayAddressError', 'The relay address "relay.example.org:443" is not a full multiaddr ending in /p2p/<PeerID>.')
    await expect(alice.node.call('addRelay', { multiaddr: harness.relay.multiaddrs[0] ?? '' })).rejects.toMatchObject({ name: 'DuplicateRelayError' })
    // malformed params never reach the node: the contract refuses them at the RPC edge
    expect(() => nodeContract.methods.addRelay.params.parse({ address: 'x' })).toThrow(SchemaError)
    await expect(alice.node.call('testRelay', { multiaddr: `/ip4/127.0.0.1/tcp/9/ws/p2p/${await randomPeerId()}` })).rejects.toMatchObject({ name: 'UnknownRelayError' })
    expect(await listed()).toEqual(before)
  })
})

describe('testing a relay says why it is no use', () => {
  it('nothing listens at the address: unreachable, recorded as a failure', async () => {
    const nowhere = `/ip4/127.0.0.1/tcp/${await closedPort()}/ws/p2p/${await randomPeerId()}`
    await alice.node.call('addRelay', { multiaddr: nowhere })
    await expectRefusal(alice.node.call('testRelay', { multiaddr: nowhere }), 'RelayUnreachableError', /^The relay is unreachable: nothing accepted a connection at this address/)
    expect((await alice.db.relays.get(nowhere))?.failures).toBeGreaterThan(0)
    await vi.waitFor(async () => {
      expect(((await alice.node.call('listRelays')).relays).find(r => r.multiaddr === nowhere)?.state).toBe('failing')
    }, WAIT)
    await alice.node.call('removeRelay', { multiaddr: nowhere })
  })

  it('another peer answers: the wrong PeerID', async () => {
    const port = (second.wsMultiaddrs[0] ?? '').split('/')[4]
    const impostor = `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${await randomPeerId()}`
    await alice.node.call('addRelay', { multiaddr: impostor })
    await expectRefusal(alice.node.call('testRelay', { multiaddr: impostor }), 'WrongRelayPeerError', /but not the relay with PeerID .*check the \/p2p\/ part of the address/)
    await alice.node.call('removeRelay', { multiaddr: impostor })
  })

  it('a libp2p peer that does not relay: not a relay-node', async () => {
    const plain: Libp2p = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping() }
    })
    try {
      const address = plain.getMultiaddrs()[0]?.toString() ?? ''
      await alice.node.call('addRelay', { multiaddr: address })
      await expectRefusal(alice.node.call('testRelay', { multiaddr: address }), 'NotARelayError', /it is not a relay-node: it does not offer circuit relay/)
      await alice.node.call('removeRelay', { multiaddr: address })
    } finally {
      await plain.stop()
    }
  })

  it('a server that accepts and never answers: timed out, in words', async () => {
    const sockets = new Set<Socket>()
    const silent: Server = createServer((socket) => { sockets.add(socket) })
    await new Promise<void>((resolve) => { silent.listen(0, '127.0.0.1', resolve) })
    try {
      const address = silent.address()
      if (address === null || typeof address === 'string') throw new Error('no TCP port')
      const node = alice.node.libp2p
      if (node == null) throw new Error('the node is not running')
      await expectRefusal(testRelay(node, `/ip4/127.0.0.1/tcp/${address.port}/ws/p2p/${await randomPeerId()}`, { timeoutMs: 500 }), 'RelayTestTimeoutError', 'The relay did not answer within 0.5 s: it may be down, or a firewall drops the connection.')
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => { silent.close(() => { resolve() }) })
    }
  })
})
