import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2pNode } from '../../../../src/lib/p2p/root/libp2p.ts'
import type { Libp2p, Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Which of the node's transports would dial each kind of relay address. The
 * transport manager picks the first transport whose `dialFilter` accepts the
 * address (libp2p 3.3 `DefaultTransportManager.dialTransportForMultiaddr`,
 * dist/src/transport-manager.js); `components` is a public field of the
 * Libp2p class (dist/src/libp2p.d.ts), not of the Libp2p interface.
 */

const RELAY = '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
const CONTACT = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const CERTHASH_1 = 'uEiBL9RIvNEVUxTveLruM0rfj0WAK1jHDhaXXzOI8d4VFmg'
const CERTHASH_2 = 'uEiDbwbTJAP_kjVdbXaXGOAQBJfZdsP4-JElLduqYZFfZhg'
const WSS = `/dns4/relay.example.org/tcp/443/wss/p2p/${RELAY}`
const WEBRTC_DIRECT = `/ip4/203.0.113.7/udp/9091/webrtc-direct/certhash/${CERTHASH_1}/p2p/${RELAY}`
const WEBTRANSPORT = `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/${CERTHASH_1}/certhash/${CERTHASH_2}/p2p/${RELAY}`

interface WithTransportManager {
  components: { transportManager: { dialTransportForMultiaddr(ma: Multiaddr): Transport | undefined } }
}

let node: Libp2p

beforeAll(async () => {
  node = await createLibp2pNode({
    privateKey: await generateKeyPair('Ed25519'),
    // the transports are libp2p's own: no feature's protocol is needed
    protocols: {},
    isBlocked: () => false,
    rtcConfiguration: () => ({ iceServers: [] }),
    webRtcHere: () => true
  })
  return async () => { await node.stop() }
})

afterEach(() => {
  vi.unstubAllGlobals()
})

/** The `Symbol.toStringTag` of the transport that would dial `address`, or undefined when none would. */
function dialerOf (address: string): string | undefined {
  const manager = (node as unknown as WithTransportManager).components.transportManager
  return manager.dialTransportForMultiaddr(multiaddr(address))?.[Symbol.toStringTag]
}

describe('the Parley node dials every relay address kind the app accepts', () => {
  it('secure WebSocket: @libp2p/websockets', () => {
    expect(dialerOf(WSS)).toBe('@libp2p/websockets')
    expect(dialerOf(`/ip4/127.0.0.1/tcp/9090/ws/p2p/${RELAY}`)).toBe('@libp2p/websockets')
  })

  it('WebRTC-Direct with a certhash: @libp2p/webrtc-direct', () => {
    expect(dialerOf(WEBRTC_DIRECT)).toBe('@libp2p/webrtc-direct')
  })

  it('WebTransport with certhashes: @libp2p/webtransport, where the browser has WebTransport', () => {
    // its dialFilter only looks for the global (Chromium has it in windows and workers, Node has none)
    vi.stubGlobal('WebTransport', class {})
    expect(dialerOf(WEBTRANSPORT)).toBe('@libp2p/webtransport')
    // without certhashes there is no certificate to pin, so no transport takes it
    expect(dialerOf(`/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/p2p/${RELAY}`)).toBeUndefined()
  })

  it('no WebTransport in the browser: nothing dials that address (the others still work)', () => {
    vi.stubGlobal('WebTransport', undefined)
    expect(dialerOf(WEBTRANSPORT)).toBeUndefined()
    expect(dialerOf(WSS)).toBe('@libp2p/websockets')
  })

  it('circuit addresses go to the relay transport, and …/p2p-circuit/webrtc to WebRTC', () => {
    expect(dialerOf(`${WSS}/p2p-circuit/p2p/${CONTACT}`)).toBe('@libp2p/circuit-relay-v2-transport')
    expect(dialerOf(`${WSS}/p2p-circuit/webrtc/p2p/${CONTACT}`)).toBe('@libp2p/webrtc')
  })

  it('plain TCP and QUIC, which a browser cannot dial, have no transport', () => {
    expect(dialerOf(`/ip4/1.2.3.4/tcp/4001/p2p/${RELAY}`)).toBeUndefined()
    expect(dialerOf(`/ip4/1.2.3.4/udp/4001/quic-v1/p2p/${RELAY}`)).toBeUndefined()
  })
})
