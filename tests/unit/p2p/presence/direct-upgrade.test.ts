import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DirectUpgrader, MAX_UPGRADE_ATTEMPTS, SIGNALING_PROTOCOL } from '../../../../src/lib/p2p/presence/direct-upgrade.ts'
import { LIVENESS_PROBE_TIMEOUT_MS } from '../../../../src/lib/p2p/presence/probe-direct.ts'
import { FakeLibp2p, fakeConnection, relayedConnection, testCapabilities, testLogger, testStatus } from '../../../support/fake-components.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { StatusBoard } from '../../../../src/lib/p2p/kernel/status.ts'
import type { IdentifyResult, PeerId } from '@libp2p/interface'

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

/** A started upgrader on a fake node; `accepted` says what the contact book answers, `capabilities` what this browser can do. */
function setUp (accepted: { now: boolean }, capabilities = testCapabilities(), inGroup = { now: false }): { node: FakeLibp2p, events: TypedEventEmitter<ParleyEvents>, status: StatusBoard } {
  vi.useFakeTimers()
  const node = new FakeLibp2p(peer, {})
  // the dial itself is not what these tests are about: it fails, and the upgrader backs off
  node.dialer = async () => { throw new Error('no WebRTC in this test') }
  const events = new TypedEventEmitter<ParleyEvents>()
  const status = testStatus(events)
  upgrader = new DirectUpgrader({ logger: testLogger(), events, status, capabilities, libp2p: node, contactBook: { isAccepted: async () => accepted.now }, groupBook: { sharesGroup: async () => inGroup.now } })
  upgrader.start()
  return { node, events, status }
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

  it('upgrades a relayed connection to a member of a group we are in who is not a contact; not to a stranger', async () => {
    const { node } = setUp({ now: false }, testCapabilities(), { now: true })
    node.open(relayedConnection(peer, RELAY, { direction: 'outbound' }))
    await settle()
    expect(node.dials).toEqual([webRtcTarget()])
    upgrader?.stop()
    const stranger = setUp({ now: false }, testCapabilities(), { now: false })
    stranger.node.open(relayedConnection(peer, RELAY, { direction: 'outbound' }))
    await settle()
    expect(stranger.node.dials).toEqual([])
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

/** What identify reports of the peer over `connection`: the protocols it serves. */
function identified (connection: ReturnType<typeof relayedConnection>, protocols: string[]): CustomEvent<IdentifyResult> {
  return new CustomEvent('peer:identify', { detail: { peerId: peer, protocols, connection, listenAddrs: [] } as unknown as IdentifyResult })
}

describe('DirectUpgrader where a direct connection cannot happen', () => {
  it('tries nothing when this browser has no WebRTC: it stops serving the signalling protocol and says why', async () => {
    const capabilities = testCapabilities({ webrtc: false })
    const { node, status } = setUp({ now: true }, capabilities)
    await upgrader?.afterStart()
    expect(node.unhandled).toEqual([SIGNALING_PROTOCOL])
    node.open(relayedConnection(peer, RELAY, { direction: 'outbound' }))
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(node.dials).toEqual([])
    expect(status.current.direct[peer.toString()]).toEqual({ state: 'unsupportedHere', attempts: 0 })
  })

  it('a tab saying "no WebRTC" after start cancels what was planned', async () => {
    const capabilities = testCapabilities()
    const { node, events, status } = setUp({ now: true }, capabilities)
    node.open(relayedConnection(peer, RELAY, { direction: 'outbound' }))
    await settle()
    expect(node.dials).toHaveLength(1) // failed: a retry is planned
    capabilities.current = { ...capabilities.current, webrtc: false }
    events.safeDispatchEvent('capabilities', { detail: capabilities.current })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(node.dials).toHaveLength(1)
    expect(node.unhandled).toEqual([SIGNALING_PROTOCOL])
    expect(status.current.direct[peer.toString()]?.state).toBe('unsupportedHere')
  })

  it('a peer that refuses the signalling protocol is not tried again, and its outlook says why', async () => {
    const { node, status } = setUp({ now: true })
    node.dialer = async () => { throw Object.assign(new Error('protocol selection failed'), { name: 'UnsupportedProtocolError' }) }
    node.open(relayedConnection(peer, RELAY, { direction: 'outbound' }))
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(node.dials).toEqual([webRtcTarget()])
    expect(status.current.direct[peer.toString()]).toEqual({ state: 'unsupportedThere', attempts: 1 })
  })

  it('identify without the signalling protocol says their browser cannot, on either side; with it, the outlook clears', async () => {
    const { node, status } = setUp({ now: true })
    const inbound = relayedConnection(peer, RELAY, { direction: 'inbound' })
    node.open(inbound)
    node.safeDispatchEvent('peer:identify', identified(inbound, ['/ipfs/ping/1.0.0', '/parley/chat/1.0.0']))
    expect(status.current.direct[peer.toString()]).toEqual({ state: 'unsupportedThere', attempts: 0 })
    node.safeDispatchEvent('peer:identify', identified(inbound, ['/ipfs/ping/1.0.0', SIGNALING_PROTOCOL]))
    expect(status.current.direct[peer.toString()]).toBeUndefined()
    await settle()
    expect(node.dials).toEqual([]) // inbound: the other side dials
  })

  it('a dial handed back a relayed connection (libp2p joined it to another dial of the peer) is a failed attempt, tried again', async () => {
    const { node, status } = setUp({ now: true })
    const relayed = relayedConnection(peer, RELAY, { direction: 'outbound' })
    node.dialer = async () => relayed
    node.open(relayed)
    await settle()
    expect(node.dials).toEqual([webRtcTarget()])
    expect(status.current.direct[peer.toString()]).toEqual({ state: 'trying', attempts: 1 })
    await vi.advanceTimersByTimeAsync(60 * 60_000)
    expect(node.dials).toHaveLength(MAX_UPGRADE_ATTEMPTS)
    expect(status.current.direct[peer.toString()]).toEqual({ state: 'failed', attempts: MAX_UPGRADE_ATTEMPTS })
  })

  it('gives up after its attempts with the outlook "failed", and forgets it when the peer disconnects', async () => {
    const { node, status } = setUp({ now: true })
    const relayed = relayedConnection(peer, RELAY, { direction: 'outbound' })
    node.open(relayed)
    await settle()
    expect(status.current.direct[peer.toString()]).toEqual({ state: 'trying', attempts: 1 })
    await vi.advanceTimersByTimeAsync(60 * 60_000)
    expect(node.dials).toHaveLength(MAX_UPGRADE_ATTEMPTS)
    expect(status.current.direct[peer.toString()]).toEqual({ state: 'failed', attempts: MAX_UPGRADE_ATTEMPTS })
    node.close(relayed)
    expect(status.current.direct[peer.toString()]).toBeUndefined()
  })
})

describe('DirectUpgrader.checkDirect (a peer connection\'s ICE went disconnected)', () => {
  /** A direct WebRTC connection to `to` whose streams open while `alive.now`, and otherwise never. */
  function direct (to: PeerId, alive: { now: boolean }, opened: string[]): ReturnType<typeof fakeConnection> {
    return fakeConnection({
      remotePeer: to,
      remoteAddr: `${RELAY}/p2p-circuit/webrtc/p2p/${to.toString()}`,
      newStream: async (protocol: string) => {
        opened.push(protocol)
        if (!alive.now) return await new Promise<never>(() => {})
        return { close: async () => {}, abort: () => {} }
      }
    } as Parameters<typeof fakeConnection>[0])
  }

  it('closes the direct connections that carry nothing within the probe time, and leaves the others', async () => {
    const { node } = setUp({ now: true })
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const deadOne = { now: true }
    const opened: string[] = []
    const dead = direct(peer, deadOne, opened)
    const live = direct(other, { now: true }, opened)
    const relayed = relayedConnection(other, RELAY, { direction: 'outbound', newStream: async () => { throw new Error('the relayed connection is not probed') } })
    node.open(dead)
    node.open(live)
    node.open(relayed)
    await settle()
    const afterOpen = opened.length

    deadOne.now = false
    upgrader?.checkDirect()
    // a second call while the probes run starts no second probe
    upgrader?.checkDirect()
    await settle()
    expect(opened.length - afterOpen).toBe(2)
    await vi.advanceTimersByTimeAsync(LIVENESS_PROBE_TIMEOUT_MS - 1)
    expect(dead.status).toBe('open')
    await vi.advanceTimersByTimeAsync(1)
    expect(dead.status).toBe('closed')
    expect(dead.aborted?.message).toMatch(/ICE went disconnected/)
    expect(live.status).toBe('open')
    expect(relayed.status).toBe('open')
  })

  it('does nothing once stopped', async () => {
    const { node } = setUp({ now: true })
    const opened: string[] = []
    const connection = direct(peer, { now: false }, opened)
    node.open(connection)
    await settle()
    const before = opened.length
    upgrader?.stop()
    upgrader?.checkDirect()
    await vi.advanceTimersByTimeAsync(LIVENESS_PROBE_TIMEOUT_MS * 2)
    expect(opened.length).toBe(before)
  })
})
