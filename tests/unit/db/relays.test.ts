import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { InvalidRelayAddressError } from '../../../src/lib/db/errors.ts'
import {
  activeRelays, addUserRelay, listRelays, MAX_DISCOVERED_RELAYS, MAX_USER_RELAYS, noteDiscoveredRelay, parseRelayAddress,
  recordRelayResult, relayAddressProblem, relayPeerId, removeRelay, setRelayActive, syncDefaultRelays
} from '../../../src/lib/db/relays.ts'
import type { RelayRow } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { rejection, rejectionWords, wordsOf } from '../../support/words.ts'

const A = '/dns4/a.example/tcp/443/wss/p2p/12D3KooWA'
const B = '/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWB'
const C = '/dns4/c.example/tcp/443/wss/p2p/12D3KooWC'
const USER = '/dns4/mine.example/tcp/443/wss/p2p/12D3KooWMine'
const FOUND = '/ip4/10.0.0.5/tcp/4001/ws/p2p/12D3KooWFound'

let db: ParleyDb

beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

function userRow (multiaddr: string, peerId: string): RelayRow {
  return { multiaddr, peerId, source: 'user', active: false, lastConnected: 7, lastRtt: 70, failures: 3 }
}

describe('relayPeerId', () => {
  it('takes the trailing /p2p/ component, also of circuit addresses', () => {
    expect(relayPeerId(A)).toBe('12D3KooWA')
    expect(relayPeerId(`${A}/p2p-circuit/p2p/12D3KooWTarget`)).toBe('12D3KooWTarget')
  })

  it('rejects addresses without a trailing PeerID', () => {
    for (const bad of ['/ip4/1.2.3.4/tcp/1/ws', `${A}/p2p-circuit`, '/p2p/', 'p2p/12D3KooWA', '']) {
      expect(() => relayPeerId(bad)).toThrow(InvalidRelayAddressError)
    }
    expect(wordsOf(() => relayPeerId('/p2p/'))).toBe('The relay address "/p2p/" is not a full multiaddr ending in /p2p/<PeerID>.')
    expect(new InvalidRelayAddressError('relayAddressInvalid', { address: 'x', problem: 'relayProblemNotFull' }).name).toBe('InvalidRelayAddressError')
  })
})

const PEER = '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
/** sha2-256 multihashes, multibase base64url, as relays announce them */
const CERTHASH_1 = 'uEiBL9RIvNEVUxTveLruM0rfj0WAK1jHDhaXXzOI8d4VFmg'
const CERTHASH_2 = 'uEiDbwbTJAP_kjVdbXaXGOAQBJfZdsP4-JElLduqYZFfZhg'
const WSS = `/dns4/relay.example.org/tcp/443/wss/p2p/${PEER}`
const WEBRTC_DIRECT = `/ip4/203.0.113.7/udp/9091/webrtc-direct/certhash/${CERTHASH_1}/p2p/${PEER}`
const WEBTRANSPORT = `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/${CERTHASH_1}/certhash/${CERTHASH_2}/p2p/${PEER}`

describe('parseRelayAddress', () => {
  it.each([
    ['WebSocket', `/ip4/127.0.0.1/tcp/9090/ws/p2p/${PEER}`, 'ws'],
    ['WebSocket over IPv6', `/ip6/::1/tcp/9090/ws/p2p/${PEER}`, 'ws'],
    ['secure WebSocket (/wss)', WSS, 'wss'],
    ['secure WebSocket (/tls/ws)', `/dns/relay.example.org/tcp/443/tls/ws/p2p/${PEER}`, 'wss'],
    ['secure WebSocket (/tls/sni/…/ws)', `/ip4/1.2.3.4/tcp/443/tls/sni/relay.example.org/ws/p2p/${PEER}`, 'wss'],
    ['WebRTC-Direct with its certhash', WEBRTC_DIRECT, 'webrtc-direct'],
    ['WebRTC-Direct over IPv6', `/ip6/2001:db8::7/udp/9091/webrtc-direct/certhash/${CERTHASH_1}/p2p/${PEER}`, 'webrtc-direct'],
    ['WebTransport with two certhashes (Go/Rust relays)', WEBTRANSPORT, 'webtransport'],
    ['WebTransport with one certhash, by DNS name', `/dns6/relay.example.org/udp/443/quic-v1/webtransport/certhash/${CERTHASH_1}/p2p/${PEER}`, 'webtransport']
  ])('accepts %s', (_kind, address, transport) => {
    expect(parseRelayAddress(address)).toEqual({ peerId: PEER, transport })
    expect(relayAddressProblem(address)).toBeUndefined()
  })

  it.each([
    ['garbage', 'garbage', /"garbage" is not a full multiaddr ending in \/p2p\/<PeerID>/],
    ['an empty string', '', /"" is not a full multiaddr ending in \/p2p\/<PeerID>/],
    ['an address without /p2p/', '/dns4/relay.example.org/tcp/443/wss', /is not a full multiaddr ending in \/p2p\/<PeerID>/],
    ['a bare /p2p/<id>', `/p2p/${PEER}`, /is not a full multiaddr ending in \/p2p\/<PeerID>/],
    ['a PeerID with characters no PeerID has', '/ip4/1.2.3.4/tcp/1/ws/p2p/not-a-peer!', /is not a full multiaddr/],
    ['a circuit address', `${WSS}/p2p-circuit/p2p/12D3KooWTarget`, /is a circuit address through another relay, not a relay's own address/],
    ['no host protocol', `/tcp/443/wss/p2p/${PEER}`, /must start with the relay's host: \/ip4\/, \/ip6\/, \/dns\/, \/dns4\/ or \/dns6\//],
    ['a bad IPv4 address', `/ip4/999.0.0.1/tcp/1/ws/p2p/${PEER}`, /"999\.0\.0\.1", which is not a valid \/ip4\/ host/],
    ['no transport', `/dns4/relay.example.org/p2p/${PEER}`, /names no transport after the host/],
    ['plain TCP (only Node can dial it)', `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`, /is plain TCP, which a browser cannot dial; use the relay's WebSocket/],
    ['plain QUIC', `/ip4/1.2.3.4/udp/4001/quic-v1/p2p/${PEER}`, /is plain QUIC, which a browser cannot dial/],
    ['plain UDP', `/ip4/1.2.3.4/udp/4001/p2p/${PEER}`, /is plain UDP, which a browser cannot dial/],
    ['an unknown transport', `/ip4/1.2.3.4/sctp/4001/p2p/${PEER}`, /uses \/sctp\/, which a browser cannot dial/],
    ['something else over TCP', `/ip4/1.2.3.4/tcp/80/http/p2p/${PEER}`, /uses \/tcp\/<port>\/http, which a browser cannot dial/],
    ['port 0', `/ip4/1.2.3.4/tcp/0/ws/p2p/${PEER}`, /has no valid \/tcp\/ port \(1 to 65535\)/],
    ['a port above 65535', `/ip4/1.2.3.4/udp/70000/webrtc-direct/certhash/${CERTHASH_1}/p2p/${PEER}`, /has no valid \/udp\/ port/],
    ['WebRTC-Direct without a certhash', `/ip4/1.2.3.4/udp/9091/webrtc-direct/p2p/${PEER}`, /is WebRTC-Direct without \/certhash\/<hash>, which a browser needs/],
    ['WebTransport without a certhash', `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/p2p/${PEER}`, /is WebTransport without \/certhash\/<hash>/],
    ['three certhashes', `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/${CERTHASH_1}/certhash/${CERTHASH_2}/certhash/${CERTHASH_1}/p2p/${PEER}`, /has 3 certhashes; a WebTransport address carries one or two/],
    ['something after webrtc-direct other than certhashes', `/ip4/1.2.3.4/udp/9091/webrtc-direct/certhash/${CERTHASH_1}/ws/p2p/${PEER}`, /has a malformed WebRTC-Direct part/],
    ['an overlong address', `/dns4/${'a'.repeat(1100)}/tcp/443/wss/p2p/${PEER}`, /is longer than 1024 characters/]
  ])('refuses %s, saying why in words', (_kind, address, why) => {
    expect(() => parseRelayAddress(address)).toThrow(InvalidRelayAddressError)
    expect(wordsOf(() => parseRelayAddress(address))).toMatch(why)
    expect(relayAddressProblem(address)?.code).toMatch(/^relayProblem/)
  })

  it('quotes at most 100 characters of the address', () => {
    const bad = `/ip4/1.2.3.4/tcp/4001/${'x'.repeat(200)}/p2p/${PEER}`
    expect(wordsOf(() => parseRelayAddress(bad))).toContain(`"${bad.slice(0, 100)}" `)
  })
})

describe('syncDefaultRelays', () => {
  it('adds the shipped relays as active defaults with parsed PeerIDs', async () => {
    await syncDefaultRelays(db, [A, B, A])
    expect(await listRelays(db)).toEqual([
      { multiaddr: A, peerId: '12D3KooWA', source: 'default', active: true, failures: 0 },
      { multiaddr: B, peerId: '12D3KooWB', source: 'default', active: true, failures: 0 }
    ])
  })

  it('drops defaults no longer shipped, keeps stats of the rest and never touches user or discovered rows', async () => {
    await syncDefaultRelays(db, [A, B])
    await recordRelayResult(db, A, { ok: true, rtt: 12, now: 1_000 })
    const mine = userRow(USER, '12D3KooWMine')
    const alsoDefault = userRow(C, '12D3KooWC')
    const found: RelayRow = { multiaddr: FOUND, peerId: '12D3KooWFound', source: 'discovered', active: true, failures: 0 }
    await db.relays.bulkAdd([mine, alsoDefault, found])

    await syncDefaultRelays(db, [A, C])

    expect(await listRelays(db)).toEqual([
      { multiaddr: A, peerId: '12D3KooWA', source: 'default', active: true, failures: 0, lastConnected: 1_000, lastRtt: 12 },
      alsoDefault,
      mine,
      found
    ])

    // An empty shipped list removes only defaults.
    await syncDefaultRelays(db, [])
    expect((await listRelays(db)).map((r) => r.multiaddr)).toEqual([alsoDefault.multiaddr, mine.multiaddr, FOUND])
  })

  it('stores WSS, WebRTC-Direct and WebTransport relays', async () => {
    await syncDefaultRelays(db, [WSS, WEBRTC_DIRECT, WEBTRANSPORT])
    expect((await listRelays(db)).map((r) => [r.multiaddr, r.peerId])).toEqual(
      // sorted by address within the defaults
      [WSS, WEBTRANSPORT, WEBRTC_DIRECT].map((multiaddr) => [multiaddr, PEER])
    )
  })

  it('writes nothing when one address is one a browser cannot dial', async () => {
    await syncDefaultRelays(db, [A])
    expect(await rejectionWords(syncDefaultRelays(db, [WSS, `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`]))).toMatch(/is plain TCP, which a browser cannot dial/)
    expect((await listRelays(db)).map((r) => r.multiaddr)).toEqual([A])
  })

  it('writes nothing when one address is malformed', async () => {
    await syncDefaultRelays(db, [A])
    await expect(syncDefaultRelays(db, [B, '/ip4/1.2.3.4/tcp/1'])).rejects.toMatchObject({ name: 'InvalidRelayAddressError' })
    expect((await listRelays(db)).map((r) => r.multiaddr)).toEqual([A])
  })
})

describe('recordRelayResult', () => {
  it('counts failures and resets them on success', async () => {
    await syncDefaultRelays(db, [B])

    expect(await recordRelayResult(db, B, { ok: false, now: 10 })).toBe(true)
    expect(await recordRelayResult(db, B, { ok: false, rtt: 99, now: 20 })).toBe(true)
    expect(await db.relays.get(B)).toMatchObject({ failures: 2 })
    expect((await db.relays.get(B))?.lastConnected).toBeUndefined()
    expect((await db.relays.get(B))?.lastRtt).toBeUndefined()

    expect(await recordRelayResult(db, B, { ok: true, rtt: 42, now: 30 })).toBe(true)
    expect(await db.relays.get(B)).toMatchObject({ failures: 0, lastConnected: 30, lastRtt: 42 })

    // A success without a measured RTT keeps the last one.
    await recordRelayResult(db, B, { ok: true, now: 40 })
    expect(await db.relays.get(B)).toMatchObject({ failures: 0, lastConnected: 40, lastRtt: 42 })
  })

  it('reports an unknown relay', async () => {
    expect(await recordRelayResult(db, C, { ok: true, now: 1 })).toBe(false)
    expect(await db.relays.count()).toBe(0)
  })
})

describe('the user\'s relays', () => {
  const MINE = `/ip4/127.0.0.1/tcp/9002/ws/p2p/${PEER}`

  it('adds a relay the user typed, active, after the defaults', async () => {
    await syncDefaultRelays(db, [A])
    expect(await addUserRelay(db, MINE)).toEqual({ multiaddr: MINE, peerId: PEER, source: 'user', active: true, failures: 0 })
    expect(await activeRelays(db)).toEqual([A, MINE])
  })

  it('refuses garbage in words and a relay already listed, writing nothing', async () => {
    await syncDefaultRelays(db, [A])
    expect(await rejectionWords(addUserRelay(db, 'garbage'))).toMatch(/"garbage" is not a full multiaddr ending in \/p2p\/<PeerID>/)
    await expect(addUserRelay(db, `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`)).rejects.toMatchObject({ name: 'InvalidRelayAddressError' })
    await addUserRelay(db, MINE)
    const duplicate = await rejection(addUserRelay(db, MINE))
    expect(duplicate).toMatchObject({ name: 'DuplicateRelayError', code: 'relayDuplicate' })
    expect(textOfError(duplicate)).toBe('This relay is already in your list.')
    expect(await rejectionWords(addUserRelay(db, A))).toBe('This relay comes with the app and is already in the list.')
    await setRelayActive(db, A, false)
    expect(await rejectionWords(addUserRelay(db, A))).toMatch(/disabled: enable it instead/)
    expect((await listRelays(db)).map((r) => [r.multiaddr, r.source, r.active])).toEqual([[A, 'default', false], [MINE, 'user', true]])
  })

  it(`keeps at most ${MAX_USER_RELAYS} of the user's own`, async () => {
    for (let i = 0; i < MAX_USER_RELAYS; i++) await addUserRelay(db, `/ip4/127.0.0.1/tcp/${9100 + i}/ws/p2p/${PEER}`)
    const tooMany = await rejection(addUserRelay(db, MINE))
    expect(tooMany).toMatchObject({ name: 'TooManyRelaysError', code: 'tooManyRelays', params: { max: MAX_USER_RELAYS } })
    expect(textOfError(tooMany)).toMatch(/Remove one to add another/)
    expect(await db.relays.count()).toBe(MAX_USER_RELAYS)
  })

  it('makes a discovered relay the user\'s when they add it, keeping its statistics', async () => {
    await noteDiscoveredRelay(db, FOUND, 50)
    await setRelayActive(db, FOUND, false)
    expect(await addUserRelay(db, FOUND)).toEqual({ multiaddr: FOUND, peerId: '12D3KooWFound', source: 'user', active: true, lastConnected: 50, failures: 0 })
  })

  it('disables and enables a relay; an unknown one is refused in words', async () => {
    await syncDefaultRelays(db, [A, B])
    expect(await setRelayActive(db, B, false)).toMatchObject({ multiaddr: B, active: false })
    expect(await activeRelays(db)).toEqual([A])
    await setRelayActive(db, B, true)
    expect(await activeRelays(db)).toEqual([A, B])
    const unknown = await rejection(setRelayActive(db, C, true))
    expect(unknown).toMatchObject({ name: 'UnknownRelayError', code: 'relayUnknown' })
    expect(textOfError(unknown)).toBe('There is no such relay (any more).')
  })

  it('removes the user\'s and discovered relays; a shipped default is disabled and stays so across config syncs', async () => {
    await syncDefaultRelays(db, [A])
    await addUserRelay(db, MINE)
    await noteDiscoveredRelay(db, FOUND, 1)
    expect(await removeRelay(db, MINE)).toBe('removed')
    expect(await removeRelay(db, FOUND)).toBe('removed')
    expect(await removeRelay(db, A)).toBe('disabled')
    // the app starts again with the same shipped list: A does not come back on
    await syncDefaultRelays(db, [A])
    expect(await listRelays(db)).toEqual([{ multiaddr: A, peerId: '12D3KooWA', source: 'default', active: false, failures: 0 }])
    expect(await activeRelays(db)).toEqual([])
    // already gone: fine, nothing changes
    expect(await removeRelay(db, MINE)).toBe('removed')
    expect(await db.relays.count()).toBe(1)
  })
})

describe('noteDiscoveredRelay', () => {
  it('adds a relay learned from the network, refreshes it when seen again, leaves other sources alone', async () => {
    await syncDefaultRelays(db, [B])
    await setRelayActive(db, B, false)
    expect(await noteDiscoveredRelay(db, FOUND, 10)).toBe('added')
    expect(await noteDiscoveredRelay(db, FOUND, 20)).toBe('refreshed')
    expect(await db.relays.get(FOUND)).toEqual({ multiaddr: FOUND, peerId: '12D3KooWFound', source: 'discovered', active: true, lastConnected: 20, failures: 0 })
    // a disabled default the network shows us stays disabled
    expect(await noteDiscoveredRelay(db, B, 30)).toBe('known')
    expect(await db.relays.get(B)).toMatchObject({ source: 'default', active: false })
    // so is another address of the same relay (its PeerID is what is known)
    expect(await noteDiscoveredRelay(db, '/ip4/127.0.0.1/tcp/9009/ws/p2p/12D3KooWB', 30)).toBe('known')
    expect(await noteDiscoveredRelay(db, '/ip4/10.0.0.6/tcp/4001/ws/p2p/12D3KooWFound', 35)).toBe('refreshed')
    expect(await db.relays.get(FOUND)).toMatchObject({ lastConnected: 35 })
    expect(await db.relays.count()).toBe(2)
    await expect(noteDiscoveredRelay(db, `${B}/p2p-circuit/p2p/12D3KooWTarget`, 40)).rejects.toMatchObject({ name: 'InvalidRelayAddressError' })
  })

  it(`keeps at most ${MAX_DISCOVERED_RELAYS}, dropping the one seen least recently`, async () => {
    const found = (i: number): string => `/ip4/10.0.0.${i + 1}/tcp/4001/ws/p2p/12D3KooWFound${i}`
    for (let i = 0; i < MAX_DISCOVERED_RELAYS; i++) await noteDiscoveredRelay(db, found(i), 100 + i)
    // the first one was seen again: the second is now the oldest
    await noteDiscoveredRelay(db, found(0), 500)
    await addUserRelay(db, USER)
    expect(await noteDiscoveredRelay(db, found(MAX_DISCOVERED_RELAYS), 600)).toBe('added')
    const discovered = (await listRelays(db)).filter((r) => r.source === 'discovered').map((r) => r.multiaddr)
    expect(discovered).toHaveLength(MAX_DISCOVERED_RELAYS)
    expect(discovered).not.toContain(found(1))
    expect(discovered).toContain(found(0))
    expect(discovered).toContain(found(MAX_DISCOVERED_RELAYS))
    // the user's relay never makes room
    expect(await db.relays.get(USER)).toMatchObject({ source: 'user' })
  })
})
