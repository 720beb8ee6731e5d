import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CONFIG_PATH, configForOrigin, fetchAppConfig, InvalidConfigError, isLoopbackOrigin, MAX_CONFIG_FILE_BYTES, MIN_TEST_RING_TIMEOUT_MS, parseAppConfig } from '../../../../src/lib/p2p/kernel/app-config.ts'
import { RING_TIMEOUT_MS } from '@parley/protocol/call/constants'
import { textOfError } from '../../../../src/lib/i18n/error-text.ts'
import { rejectionWords } from '../../../support/words.ts'

const MAX_CONFIG_CHARS = 64 * 1024
const MAX_RELAYS = 16

let relayId: string
let otherRelayId: string

beforeAll(async () => {
  relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  otherRelayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
})

/** sha2-256 multihashes, multibase base64url, as relays announce them */
const CERTHASH_1 = 'uEiBL9RIvNEVUxTveLruM0rfj0WAK1jHDhaXXzOI8d4VFmg'
const CERTHASH_2 = 'uEiDbwbTJAP_kjVdbXaXGOAQBJfZdsP4-JElLduqYZFfZhg'

const wss = (port = 443, peer = relayId): string => `/dns4/relay.example/tcp/${port}/wss/p2p/${peer}`
const config = (relays: unknown): string => JSON.stringify({ relays })

/** Runs `fn` and returns the words of the InvalidConfigError it throws (fails the test otherwise). */
function invalid (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as Error).name).toBe('InvalidConfigError')
    return textOfError(err) ?? ''
  }
  throw new Error('expected an InvalidConfigError, but nothing was thrown')
}

/** `fn` throws the InvalidConfigError a malformed input must raise, its words matching `words`. */
function expectInvalidConfig (fn: () => unknown, words: RegExp): void {
  expect(invalid(fn)).toMatch(words)
}

describe('parseAppConfig', () => {
  it('accepts a list of full relay multiaddrs, keeping their order', () => {
    const relays = [wss(), `/ip4/127.0.0.1/tcp/9090/ws/p2p/${otherRelayId}`, `/ip6/::1/tcp/9091/ws/p2p/${relayId}`]
    expect(parseAppConfig(config(relays))).toEqual({ relays })
  })

  it('accepts the three kinds of relay address a browser dials: WSS, WebRTC-Direct and WebTransport', () => {
    const relays = [
      `/dns4/relay.example.org/tcp/443/wss/p2p/${relayId}`,
      `/ip4/203.0.113.7/udp/9091/webrtc-direct/certhash/${CERTHASH_1}/p2p/${relayId}`,
      `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/${CERTHASH_1}/certhash/${CERTHASH_2}/p2p/${otherRelayId}`
    ]
    expect(parseAppConfig(config(relays))).toEqual({ relays })
  })

  it.each([
    ['plain TCP', () => `/ip4/1.2.3.4/tcp/4001/p2p/${relayId}`, /relay address "\/ip4\/1\.2\.3\.4\/tcp\/4001\/p2p\/12D3KooW\w+" in the app configuration is plain TCP, which a browser cannot dial; use the relay's WebSocket/],
    ['plain QUIC', () => `/ip4/1.2.3.4/udp/4001/quic-v1/p2p/${relayId}`, /in the app configuration is plain QUIC, which a browser cannot dial/],
    ['WebRTC-Direct without a certhash', () => `/ip4/1.2.3.4/udp/9091/webrtc-direct/p2p/${relayId}`, /in the app configuration is WebRTC-Direct without \/certhash\/<hash>/],
    ['WebTransport without a certhash', () => `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/p2p/${relayId}`, /in the app configuration is WebTransport without \/certhash\/<hash>/],
    ['a circuit address', () => `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relayId}/p2p-circuit/p2p/${otherRelayId}`, /in the app configuration is a circuit address through another relay/]
  ])('rejects a relay address that is %s, saying so in words', (_name, relay, message) => {
    expectInvalidConfig(() => parseAppConfig(config([wss(), relay()])), message)
  })

  it('accepts an empty relay list', () => {
    expect(parseAppConfig('{"relays":[]}')).toEqual({ relays: [] })
  })

  it('accepts formatted JSON with surrounding whitespace', () => {
    expect(parseAppConfig(`\n  ${JSON.stringify({ relays: [wss()] }, null, 2)}\n`)).toEqual({ relays: [wss()] })
  })

  it('returns only the relays, not other fields of the file', () => {
    expect(parseAppConfig(JSON.stringify({ relays: [wss()], comment: 'hi' }))).toEqual({ relays: [wss()] })
  })

  it('takes maxFileBytes from 0 up to 64 GiB', () => {
    expect(parseAppConfig(JSON.stringify({ relays: [], maxFileBytes: 1024 }))).toEqual({ relays: [], maxFileBytes: 1024 })
    expect(parseAppConfig(JSON.stringify({ relays: [], maxFileBytes: 0 }))).toEqual({ relays: [], maxFileBytes: 0 })
    expect(parseAppConfig(JSON.stringify({ relays: [], maxFileBytes: MAX_CONFIG_FILE_BYTES }))).toEqual({ relays: [], maxFileBytes: MAX_CONFIG_FILE_BYTES })
  })

  it.each([-1, 1.5, '4GB', MAX_CONFIG_FILE_BYTES + 1, null])('rejects maxFileBytes %s', (maxFileBytes) => {
    expectInvalidConfig(() => parseAppConfig(JSON.stringify({ relays: [], maxFileBytes })), /maxFileBytes must be a whole number of bytes from 0 to/)
  })

  it('rejects text that is not JSON', () => {
    expectInvalidConfig(() => parseAppConfig(''), /not valid JSON/)
    expectInvalidConfig(() => parseAppConfig('relays: []'), /not valid JSON/)
    expectInvalidConfig(() => parseAppConfig('{"relays": ['), /not valid JSON/)
    expectInvalidConfig(() => parseAppConfig('<!doctype html><html></html>'), /not valid JSON/)
  })

  it.each([
    ['an object without relays', '{}'],
    ['relays as a string', config(wss())],
    ['relays as null', config(null)],
    ['relays as an object', config({ 0: wss() })],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"relays"'],
    ['an array of relays', JSON.stringify([wss()])]
  ])('rejects %s: no list of relays', (_name, text) => {
    expectInvalidConfig(() => parseAppConfig(text), /has no list of relays/)
  })

  it.each([
    ['a number', [wss(), 5]],
    ['null', [null]],
    ['an object', [{ addr: wss() }]],
    ['a nested list', [[wss()]]]
  ])('rejects a relay entry that is %s', (_name, relays) => {
    expectInvalidConfig(() => parseAppConfig(config(relays)), /has no list of relays/)
  })

  it('rejects a relay address without /p2p/<PeerID>, quoting it', () => {
    expectInvalidConfig(() => parseAppConfig(config([wss(), '/dns4/relay.example/tcp/443/wss'])), /relay address "\/dns4\/relay\.example\/tcp\/443\/wss" .*not a full multiaddr ending in \/p2p\/<PeerID>/)
    expectInvalidConfig(() => parseAppConfig(config([`/ip4/127.0.0.1/tcp/9090/ws/p2p/${relayId}/p2p-circuit`])), /not a full multiaddr ending in \/p2p\/<PeerID>/)
  })

  it('rejects a garbage relay address', () => {
    expectInvalidConfig(() => parseAppConfig(config(['garbage'])), /relay address "garbage" .*not a full multiaddr/)
    expectInvalidConfig(() => parseAppConfig(config([''])), /relay address "" .*not a full multiaddr/)
    expectInvalidConfig(() => parseAppConfig(config([`/ip4/999.0.0.1/tcp/1/ws/p2p/${relayId}`])), /not a full multiaddr/)
    expectInvalidConfig(() => parseAppConfig(config(['https://relay.example/'])), /not a full multiaddr/)
  })

  it('rejects a relay address whose /p2p/ part is not a PeerID', () => {
    expectInvalidConfig(() => parseAppConfig(config(['/dns4/relay.example/tcp/443/wss/p2p/QmNotAPeer'])), /"\/dns4\/relay\.example\/tcp\/443\/wss\/p2p\/QmNotAPeer" .*not a full multiaddr/)
    expectInvalidConfig(() => parseAppConfig(config(['/dns4/relay.example/tcp/443/wss/p2p/abc'])), /not a full multiaddr/)
  })

  it('rejects a bare /p2p/<PeerID> with no transport', () => {
    expectInvalidConfig(() => parseAppConfig(config([`/p2p/${relayId}`])), /not a full multiaddr/)
  })

  it('quotes at most 100 characters of a bad address', () => {
    const bad = '/' + 'x'.repeat(300)
    const message = invalid(() => parseAppConfig(config([bad])))
    expect(message).toContain(`"${bad.slice(0, 100)}"`)
    expect(message).not.toContain(bad.slice(0, 101))
  })

  it('rejects a configuration larger than 64 KiB, before parsing it', () => {
    const padded = (length: number): string => {
      const text = config([wss()])
      return text + ' '.repeat(length - text.length)
    }
    expect(parseAppConfig(padded(MAX_CONFIG_CHARS))).toEqual({ relays: [wss()] })
    expectInvalidConfig(() => parseAppConfig(padded(MAX_CONFIG_CHARS + 1)), /too large/)
    expectInvalidConfig(() => parseAppConfig('x'.repeat(MAX_CONFIG_CHARS + 1)), /too large/)
  })

  it(`keeps only the first ${MAX_RELAYS} relays`, () => {
    const relays = Array.from({ length: MAX_RELAYS + 4 }, (_, i) => wss(1000 + i))
    const parsed = parseAppConfig(config(relays))
    expect(parsed.relays).toHaveLength(MAX_RELAYS)
    expect(parsed.relays).toEqual(relays.slice(0, MAX_RELAYS))
  })

  it(`keeps a list of exactly ${MAX_RELAYS} relays whole`, () => {
    const relays = Array.from({ length: MAX_RELAYS }, (_, i) => wss(1000 + i))
    expect(parseAppConfig(config(relays)).relays).toEqual(relays)
  })

  it(`still validates relays beyond the first ${MAX_RELAYS}`, () => {
    const relays = [...Array.from({ length: MAX_RELAYS }, (_, i) => wss(1000 + i)), 'garbage']
    expectInvalidConfig(() => parseAppConfig(config(relays)), /relay address "garbage"/)
  })
})

describe('testRingTimeoutMs (test only)', () => {
  const ringing = (value: unknown): string => JSON.stringify({ relays: [wss()], testRingTimeoutMs: value })

  it(`takes a whole number of milliseconds from ${MIN_TEST_RING_TIMEOUT_MS} to the real ring time`, () => {
    expect(parseAppConfig(ringing(MIN_TEST_RING_TIMEOUT_MS))).toEqual({ relays: [wss()], testRingTimeoutMs: MIN_TEST_RING_TIMEOUT_MS })
    expect(parseAppConfig(ringing(RING_TIMEOUT_MS)).testRingTimeoutMs).toBe(RING_TIMEOUT_MS)
  })

  it.each([
    ['shorter than the least', MIN_TEST_RING_TIMEOUT_MS - 1],
    ['longer than the real ring', RING_TIMEOUT_MS + 1],
    ['a fraction', 1500.5],
    ['a string', '5000'],
    ['null', null]
  ])('rejects one %s, saying the range', (_name, value) => {
    expectInvalidConfig(() => parseAppConfig(ringing(value)), new RegExp(`testRingTimeoutMs must be a whole number of milliseconds from ${MIN_TEST_RING_TIMEOUT_MS} to ${RING_TIMEOUT_MS}`))
  })

  it('is kept only where the app is served from a loopback origin, as the tests serve it', () => {
    const parsed = parseAppConfig(ringing(5000))
    for (const origin of ['http://127.0.0.1:4173', 'http://localhost:5173', 'http://[::1]:8080']) {
      expect(isLoopbackOrigin(origin)).toBe(true)
      expect(configForOrigin(parsed, origin)).toEqual({ relays: [wss()], testRingTimeoutMs: 5000 })
    }
    for (const origin of ['https://parley.example', 'http://127.0.0.1.example', 'http://10.0.0.2:8080', 'not a url']) {
      expect(isLoopbackOrigin(origin)).toBe(false)
      expect(configForOrigin(parsed, origin)).toEqual({ relays: [wss()] })
    }
    // the parsed config itself is left as it was
    expect(parsed.testRingTimeoutMs).toBe(5000)
  })
})

describe('fetchAppConfig', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it(`loads ${CONFIG_PATH} from the origin, uncached, and validates it`, async () => {
    const fetchMock = vi.fn(async () => new Response(config([wss()]), { status: 200 }))
    vi.stubGlobal('fetch', fetchMock)
    const signal = new AbortController().signal
    await expect(fetchAppConfig('https://parley.example', signal)).resolves.toEqual({ relays: [wss()] })
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(fetchMock).toHaveBeenCalledWith(new URL('https://parley.example/config.json'), { signal, cache: 'no-store' })
  })

  it('drops a test ring time served to an origin that is not loopback, and keeps it on loopback', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ relays: [wss()], testRingTimeoutMs: 5000 }), { status: 200 })))
    await expect(fetchAppConfig('https://parley.example')).resolves.toEqual({ relays: [wss()] })
    await expect(fetchAppConfig('http://127.0.0.1:4173')).resolves.toEqual({ relays: [wss()], testRingTimeoutMs: 5000 })
  })

  it('reports the HTTP status of a failed request', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('not found', { status: 404 })))
    const error = await fetchAppConfig('https://parley.example').catch((err: unknown) => err)
    expect(error).toBeInstanceOf(InvalidConfigError)
    expect(error).toMatchObject({ code: 'configHttp', params: { status: 404 } })
    expect(textOfError(error)).toMatch(/HTTP 404/)
  })

  it('rejects an invalid served configuration', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html></html>', { status: 200 })))
    expect(await rejectionWords(fetchAppConfig('https://parley.example'))).toMatch(/not valid JSON/)
  })
})
