import { describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  circuitRelayAddress, connectedOver, dhtStatus, needsWebRtc, relayInfo, reservedRelayIds, transportName
} from '../../../../src/lib/p2p/relays/network-snapshot.ts'
import type { RelayRow } from '../../../../src/lib/db/types.ts'
import type { Libp2p } from '@libp2p/interface'

/** The Network panel's pure pieces: reservations from our addresses, relay states, transports, the DHT read defensively. */

const R1 = '/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWR1'
const ME = '12D3KooWMe'

function row (extra: Partial<RelayRow> = {}): RelayRow {
  return { multiaddr: R1, peerId: '12D3KooWR1', source: 'default', active: true, failures: 0, ...extra }
}

function nodeWith (services: Record<string, unknown>): Pick<Libp2p, 'services'> {
  return { services }
}

describe('reservations from our addresses', () => {
  it('takes the relay part of circuit addresses, also of inbound-style ones', () => {
    expect(circuitRelayAddress(`${R1}/p2p-circuit/p2p/${ME}`)).toBe(R1)
    expect(circuitRelayAddress(`/p2p/12D3KooWR2/p2p-circuit/p2p/${ME}`)).toBe('/p2p/12D3KooWR2')
    expect(circuitRelayAddress(`${R1}/p2p-circuit/webrtc/p2p/${ME}`)).toBe(R1)
    expect(circuitRelayAddress('/ip4/127.0.0.1/tcp/1/ws/p2p-circuit')).toBeUndefined()
    expect(circuitRelayAddress(R1)).toBeUndefined()
    expect(circuitRelayAddress('/p2p-circuit')).toBeUndefined()
  })

  it('counts each relay once, whatever its addresses', () => {
    const ids = reservedRelayIds([
      `${R1}/p2p-circuit/p2p/${ME}`,
      `${R1}/p2p-circuit/webrtc/p2p/${ME}`,
      `/ip4/127.0.0.1/udp/9002/webrtc-direct/certhash/uEiA/p2p/12D3KooWR1/p2p-circuit/p2p/${ME}`,
      `/ip4/127.0.0.1/tcp/9003/ws/p2p/12D3KooWR3/p2p-circuit/p2p/${ME}`,
      '/webrtc'
    ])
    expect([...ids].sort()).toEqual(['12D3KooWR1', '12D3KooWR3'])
  })
})

describe('which relay address we are connected over', () => {
  const RELAY = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
  const ws = `/ip4/127.0.0.1/tcp/9001/ws/p2p/${RELAY}`
  const webrtcDirect = `/ip4/127.0.0.1/udp/9002/webrtc-direct/certhash/uEiBp7bYzi0e1iBplzmCmrB0dQm0zGK5yq6PWVKaRDCOc4A/p2p/${RELAY}`
  const open = (address: string, status: 'open' | 'closed' = 'open'): { remotePeer: ReturnType<typeof peerIdFromString>, remoteAddr: ReturnType<typeof multiaddr>, status: 'open' | 'closed' } =>
    ({ remotePeer: peerIdFromString(RELAY), remoteAddr: multiaddr(address), status })

  it('is the address whose transport the open connection uses, not every address of that relay', () => {
    const connections = [open(ws)]
    expect(connectedOver({ multiaddr: ws, peerId: RELAY }, connections)).toBe(true)
    expect(connectedOver({ multiaddr: webrtcDirect, peerId: RELAY }, connections)).toBe(false)
    expect(connectedOver({ multiaddr: webrtcDirect, peerId: RELAY }, [open(webrtcDirect)])).toBe(true)
  })

  it('is none for a closed connection, or one to another peer over the same transport', () => {
    expect(connectedOver({ multiaddr: ws, peerId: RELAY }, [open(ws, 'closed')])).toBe(false)
    expect(connectedOver({ multiaddr: ws.replace(RELAY, '12D3KooWR1'), peerId: '12D3KooWR1' }, [open(ws)])).toBe(false)
  })
})

describe('relayInfo', () => {
  it.each([
    ['disabled wins over anything', row({ active: false, failures: 3 }), { connected: true, reserved: true }, 'disabled'],
    ['reserved: connected and one of our addresses goes through it', row(), { connected: true, reserved: true }, 'reserved'],
    ['connected without a reservation', row(), { connected: true, reserved: false }, 'connected'],
    ['failing: not connected, failures, no dial under way', row({ failures: 2 }), { kept: 'waiting' as const, connected: false, reserved: false }, 'failing'],
    ['connecting while a dial is under way, even after failures', row({ failures: 2 }), { kept: 'dialing' as const, connected: false, reserved: false }, 'connecting'],
    ['connecting: never tried yet', row(), { connected: false, reserved: false }, 'connecting'],
    ['standby: the relay is connected over another of its addresses, not this one', row(), { kept: 'connected' as const, connected: false, reserved: false }, 'standby'],
    ['standby, even with failures of this address before', row({ failures: 1 }), { kept: 'connected' as const, connected: false, reserved: false }, 'standby'],
    ['unavailable: this browser cannot dial it (wins over failures and over a dial)', row({ failures: 4 }), { kept: 'dialing' as const, connected: false, reserved: false, dialable: false }, 'unavailable'],
    ['disabled wins over unavailable', row({ active: false }), { connected: false, reserved: false, dialable: false }, 'disabled']
  ])('%s', (_why, relay, live, state) => {
    expect(relayInfo(relay, live).state).toBe(state)
  })

  it('carries the row\'s statistics, and no absent field', () => {
    expect(relayInfo(row({ lastConnected: 5, lastRtt: 12, failures: 0 }), { connected: true, reserved: false })).toEqual({
      multiaddr: R1, peerId: '12D3KooWR1', source: 'default', active: true, state: 'connected', lastConnected: 5, lastRtt: 12, failures: 0
    })
    expect(Object.keys(relayInfo(row(), { connected: false, reserved: false }))).not.toContain('lastRtt')
  })
})

describe('needsWebRtc', () => {
  it.each([
    ['/ip4/1.2.3.4/udp/9/webrtc-direct/certhash/uEiA/p2p/12D3KooWR1', true],
    [`${R1}/p2p-circuit/webrtc/p2p/${ME}`, true],
    [R1, false],
    ['/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWR1', false]
  ])('%s: %s', (address, needs) => {
    expect(needsWebRtc(address)).toBe(needs)
  })
})

describe('transportName', () => {
  it.each([
    [R1, 'WebSocket'],
    ['/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWR1', 'secure WebSocket'],
    ['/dns4/relay.example.org/tcp/443/tls/ws/p2p/12D3KooWR1', 'secure WebSocket'],
    ['/ip4/1.2.3.4/udp/9/webrtc-direct/certhash/uEiA/p2p/12D3KooWR1', 'WebRTC-Direct'],
    ['/ip4/1.2.3.4/udp/9/quic-v1/webtransport/certhash/uEiA/p2p/12D3KooWR1', 'WebTransport'],
    [`${R1}/p2p-circuit/webrtc/p2p/${ME}`, 'WebRTC'],
    [`${R1}/p2p-circuit/p2p/${ME}`, 'circuit relay'],
    ['/ip4/1.2.3.4/tcp/4001', 'TCP'],
    ['/memory/x', 'other']
  ])('%s is %s', (address, name) => {
    expect(transportName(address)).toBe(name)
  })
})

describe('dhtStatus', () => {
  it('says not running when the node has no DHT, or it is stopped', () => {
    expect(dhtStatus(nodeWith({}))).toEqual({ running: false })
    expect(dhtStatus(nodeWith({ dht: null }))).toEqual({ running: false })
    expect(dhtStatus(nodeWith({ dht: { isStarted: () => false, routingTable: { size: 3 } } }))).toEqual({ running: false })
  })

  it('reads the routing table size and the mode when there is one', () => {
    expect(dhtStatus(nodeWith({ dht: { isStarted: () => true, getMode: () => 'client', routingTable: { size: 3 } } }))).toEqual({
      running: true, mode: 'client', routingTableSize: 3
    })
    // a shape it does not know: running, size 0, no mode
    expect(dhtStatus(nodeWith({ dht: { getMode: () => 'other', routingTable: { size: 'many' } } }))).toEqual({ running: true, routingTableSize: 0 })
  })
})
