import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DirectUpgrader } from '../../../../src/lib/node/presence/direct-upgrade.ts'
import { FakeLibp2p, fakeConnection, relayedConnection, testLogger } from '../../../support/fake-components.ts'
import type { ParleyEvents } from '../../../../src/lib/node/kernel/events.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * When the upgrade to direct WebRTC starts. A relayed connection that opens
 * before the peer is an accepted contact (a contact request in flight: the
 * text form `peerid@address`, or any invite the other side accepts later)
 * must be upgraded once the contact is accepted on our side, by the side that
 * dialled it, without waiting for the next connection (a reload).
 */

const RELAY = '/ip4/203.0.113.1/tcp/9090/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

let peer: PeerId
let upgrader: DirectUpgrader | undefined

beforeAll(async () => {
  peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
})

afterEach(() => {
  upgrader?.stop()
  vi.useRealTimers()
})

/** Runs what is due now (the upgrader plans a fresh attempt at delay 0) and the promises it awaits, on fake timers. */
async function settle (): Promise<void> {
  await vi.advanceTimersByTimeAsync(0)
}

/** A started upgrader on a fake node; `accepted` says what the contact book answers. */
function setUp (accepted: { now: boolean }): { node: FakeLibp2p, events: TypedEventEmitter<ParleyEvents> } {
  vi.useFakeTimers()
  const node = new FakeLibp2p(peer, {})
  // the dial itself is not what these tests are about: it fails, and the upgrader backs off
  node.dialer = async () => { throw new Error('no WebRTC in this test') }
  const events = new TypedEventEmitter<ParleyEvents>()
  upgrader = new DirectUpgrader({ logger: testLogger(), events, libp2p: node, contactBook: { isAccepted: async () => accepted.now } })
  upgrader.start()
  return { node, events }
}

const webRtcTarget = (): string => `${RELAY}/p2p-circuit/webrtc/p2p/${peer.toString()}`

describe('DirectUpgrader and contact acceptance', () => {
  it('upgrades a relayed connection opened before the peer was a contact, once they are accepted', async () => {
    const accepted = { now: false }
    const { node, events } = setUp(accepted)
    node.open(relayedConnection(peer, RELAY, { direction: 'outbound' }))
    // the open found no contact: nothing is dialled
    await settle()
    expect(node.dials).toEqual([])

    accepted.now = true
    events.safeDispatchEvent('contact:accepted', { detail: { peerId: peer.toString() } })
    await settle()
    expect(node.dials).toEqual([webRtcTarget()])
  })

  it('leaves the upgrade to the side that dialled: an inbound relayed connection is not upgraded from here', async () => {
    const { node, events } = setUp({ now: true })
    node.open(relayedConnection(peer, RELAY, { direction: 'inbound' }))
    events.safeDispatchEvent('contact:accepted', { detail: { peerId: peer.toString() } })
    await settle()
    expect(node.dials).toEqual([])
  })

  it('does nothing when a direct connection is open already, or for a PeerID that does not parse', async () => {
    const accepted = { now: false }
    const { node, events } = setUp(accepted)
    node.open(relayedConnection(peer, RELAY, { direction: 'outbound' }))
    node.open(fakeConnection({ id: 'ws', remotePeer: peer, remoteAddr: '/ip4/203.0.113.7/tcp/443/wss' }))
    accepted.now = true
    events.safeDispatchEvent('contact:accepted', { detail: { peerId: peer.toString() } })
    events.safeDispatchEvent('contact:accepted', { detail: { peerId: 'not a peer id' } })
    await settle()
    expect(node.dials).toEqual([])
  })
})
