import { peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import {
  MAX_NEARBY_ADDRESSES, MAX_NEARBY_ENTRIES, MAX_NEARBY_NAME_CHARS, MAX_NEARBY_REPLY_BYTES, NearbyFrameError, NearbyRefusedError,
  decodeNearbyReply, decodeNearbyRequest, encodeNearbyError, encodeNearbyReply, encodeNearbyRequest, nameProblem
} from '../../src/nearby/codec.ts'
import { peerIdOfEntry } from '../../src/nearby/client.ts'
import type { NearbyEntry, NearbyReply } from '../../src/nearby/codec.ts'

/** `/parley/nearby/1.0.0` frames (docs/protocols.md, "Nearby"): exact bytes, round trips, and every malformed shape refused in words. */

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const PEER_ID = '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
// an Ed25519 PeerID's identity multihash: 0x00, length 36, the protobuf public key
const PEER = peerIdFromString(PEER_ID).toMultihash().bytes
const entry = (name: string, addresses = ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWPeer']): NearbyEntry =>
  ({ peer: PEER, name, addresses })

describe('nearby codec', () => {
  it('shares names up to the app\'s own limit, and nothing else', () => {
    // the app's own name limit (src/lib/p2p/identity/invite.ts MAX_NAME_CHARS): the app's nearby tests check they agree
    expect(MAX_NEARBY_NAME_CHARS).toBe(64)
    expect(nameProblem('Alice')).toBeUndefined()
    expect(nameProblem('😀'.repeat(64))).toBeUndefined()
    expect(nameProblem('x'.repeat(65))).toBe('the name is longer than 64 characters')
    expect(nameProblem('')).toBe('the name is empty')
    expect(nameProblem('Alice ')).toBe('the name has spaces at its start or end')
    expect(nameProblem('Al\u0000ice')).toBe('the name contains control characters')
  })

  it('encodes requests to the documented bytes and decodes them back', () => {
    expect(encodeNearbyRequest({ op: 'register', name: 'Bo' })).toEqual(Uint8Array.of(0x01, 0x42, 0x6f))
    expect(encodeNearbyRequest({ op: 'unregister' })).toEqual(Uint8Array.of(0x02))
    expect(encodeNearbyRequest({ op: 'list' })).toEqual(Uint8Array.of(0x03))
    for (const request of [{ op: 'register', name: 'Zoë 😀' }, { op: 'unregister' }, { op: 'list' }] as const) {
      expect(decodeNearbyRequest(encodeNearbyRequest(request))).toEqual(request)
    }
    expect(() => encodeNearbyRequest({ op: 'register', name: ' ' })).toThrow(new NearbyFrameError('a nearby registration: the name has spaces at its start or end'))
  })

  it('refuses malformed requests with a sentence', () => {
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'a nearby request: the frame ends inside the operation'],
      [Uint8Array.of(0x07), 'a nearby request: unknown operation 7'],
      [Uint8Array.of(0x01), 'a nearby request: the name is empty'],
      [Uint8Array.of(0x01, 0xff), 'a nearby request: the name is not valid UTF-8'],
      [Uint8Array.of(0x01, ...utf8('x'.repeat(257))), 'a nearby request: the name is over 256 bytes'],
      [Uint8Array.of(0x01, ...utf8('é'.repeat(65))), 'a nearby request: the name is longer than 64 characters'],
      [Uint8Array.of(0x02, 0x00), 'a nearby request: 1 bytes after the last field'],
      [Uint8Array.of(0x03, 0x01, 0x02), 'a nearby request: 2 bytes after the last field']
    ]
    for (const [frame, message] of cases) {
      expect(() => decodeNearbyRequest(frame)).toThrow(new NearbyFrameError(message))
    }
  })

  it('round-trips replies, the largest LIST within the reply bound', () => {
    expect(encodeNearbyReply({ op: 'register' })).toEqual(Uint8Array.of(0))
    expect(decodeNearbyReply('register', Uint8Array.of(0))).toEqual({ op: 'register' })
    expect(decodeNearbyReply('unregister', encodeNearbyReply({ op: 'unregister', removed: true }))).toEqual({ op: 'unregister', removed: true })
    const one: NearbyReply = { op: 'list', entries: [entry('Bob')] }
    expect(decodeNearbyReply('list', encodeNearbyReply(one))).toEqual(one)
    expect(peerIdOfEntry(entry('Bob'))).toBe(PEER_ID)

    const longest = `/${'x'.repeat(511)}`
    const full: NearbyReply = {
      op: 'list',
      entries: Array.from({ length: MAX_NEARBY_ENTRIES }, () => entry('😀'.repeat(64), new Array<string>(MAX_NEARBY_ADDRESSES).fill(longest)))
    }
    const bytes = encodeNearbyReply(full)
    expect(bytes.byteLength).toBeLessThanOrEqual(MAX_NEARBY_REPLY_BYTES)
    expect(decodeNearbyReply('list', bytes)).toEqual(full)
  })

  it('turns an error reply into NearbyRefusedError with its code and reason', () => {
    const reply = encodeNearbyError('not-registered', 'register first')
    expect(reply).toEqual(Uint8Array.of(2, ...utf8('register first')))
    expect(() => decodeNearbyReply('list', reply)).toThrow(NearbyRefusedError)
    expect(() => decodeNearbyReply('list', reply)).toThrow(expect.objectContaining({ code: 'not-registered', reason: 'register first' }))
    // a reason is cut at 200 bytes
    expect(encodeNearbyError('full', 'x'.repeat(500)).byteLength).toBe(201)
  })

  it('refuses malformed replies with a sentence', () => {
    const list = (...bytes: number[]): Uint8Array => Uint8Array.of(0, ...bytes)
    const good = encodeNearbyReply({ op: 'list', entries: [entry('Bob')] })
    const cases: Array<[Uint8Array, string]> = [
      [Uint8Array.of(99), 'a nearby reply: unknown status 99'],
      [list(65), 'a nearby list: more than 64 entries'],
      [list(1, 0), 'a nearby list: the PeerID of entry 1 is 1 to 64 bytes, not 0'],
      [list(1, 1, 5, 0, 0), 'a nearby list: the name of entry 1 is 1 to 256 bytes, not 0'],
      [list(1, 1, 5, 0, 1, 0x41, 0), 'a nearby list: entry 1 has 1 to 4 addresses, not 0'],
      [list(1, 1, 5, 0, 3, 0x41, 0x09, 0x42, 1, 0, 1, 0x41), 'a nearby list: entry 1: the name contains control characters'],
      [list(1, 1, 5, 0, 1, 0x41, 1, 0, 5, 0x41), 'a nearby reply to list: the frame ends inside address 1 of entry 1'],
      [Uint8Array.of(...good, 0), 'a nearby reply to list: 1 bytes after the last field'],
      [Uint8Array.of(0, 2), 'a nearby reply: removed is 0 or 1, not 2']
    ]
    for (const [frame, message] of cases) {
      const op = message.includes('removed') ? 'unregister' : 'list'
      expect(() => decodeNearbyReply(op, frame)).toThrow(new NearbyFrameError(message))
    }
    expect(() => peerIdOfEntry({ ...entry('Bob'), peer: Uint8Array.of(1, 2, 3) })).toThrow(NearbyFrameError)
    expect(() => encodeNearbyReply({ op: 'list', entries: [entry('Bob', [])] })).toThrow('an entry has 1 to 4 addresses')
  })

  // found by tests/unit/fuzz/nearby-codec.test.ts: the decoder stripped a leading UTF-8 BOM,
  // so a name or address read back differently from what was sent
  it('decodes names and addresses byte for byte, a leading BOM included', () => {
    expect(() => decodeNearbyRequest(Uint8Array.of(0x01, 0xef, 0xbb, 0xbf, 0x42)))
      .toThrow(new NearbyFrameError('a nearby request: the name has spaces at its start or end'))
    const reply: NearbyReply = { op: 'list', entries: [entry('Bob', ['\uFEFF/ip4/127.0.0.1/tcp/1'])] }
    expect(decodeNearbyReply('list', encodeNearbyReply(reply))).toEqual(reply)
  })
})
