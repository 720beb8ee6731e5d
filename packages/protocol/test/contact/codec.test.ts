import { describe, expect, it } from 'vitest'
import { MAX_CONTACT_ADDRESSES, MAX_CONTACT_FRAME_BYTES, contactReply, decodeContactFrame, encodeContactFrame } from '../../src/contact/codec.ts'
import type { ContactHelloFrame } from '../../src/contact/codec.ts'

const enc = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const ADDRESS = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWRelay/p2p-circuit'

describe('contact frames', () => {
  it('round-trip a request, an accept and each reply', () => {
    const hellos: ContactHelloFrame[] = [{ type: 'request', name: 'Alice', addresses: [ADDRESS], time: 1_764_400_000_000 }, { type: 'accept', name: 'Ålice ☕', addresses: [] }, { type: 'request', name: 'Alice', addresses: [], time: 1_764_400_000_001, sessions: true }]
    for (const frame of hellos) {
      expect(decodeContactFrame(encodeContactFrame(frame), 'dialer')).toEqual(frame)
    }
    for (const status of ['pending', 'accepted', 'refused'] as const) {
      expect(decodeContactFrame(encodeContactFrame({ type: 'reply', status }), 'listener')).toEqual({ type: 'reply', status })
      expect(decodeContactFrame(encodeContactFrame({ type: 'reply', status, sessions: true }), 'listener')).toEqual({ type: 'reply', status, sessions: true })
    }
  })

  it('a reply says the listener speaks sessions only to a hello that said it (an older app refuses the field)', () => {
    expect(contactReply({ sessions: true }, 'accepted')).toEqual({ type: 'reply', status: 'accepted', sessions: true })
    expect(contactReply({}, 'accepted')).toEqual({ type: 'reply', status: 'accepted' })
    expect(new TextDecoder().decode(encodeContactFrame(contactReply({ sessions: true }, 'pending')))).toBe('{"type":"reply","status":"pending","sessions":true}')
  })

  it.each([
    ['not JSON', new TextEncoder().encode('{'), 'dialer', /not UTF-8 JSON/],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe]), 'dialer', /not UTF-8 JSON/],
    ['an array', enc([]), 'dialer', /not a JSON object/],
    ['an unknown type', enc({ type: 'hello' }), 'dialer', /"type" must be/],
    ['an unknown field', enc({ type: 'request', name: 'A', addresses: [], x: 1 }), 'dialer', /unknown field/],
    ['"sessions" other than true', enc({ type: 'request', name: 'A', addresses: [], sessions: false }), 'dialer', /"sessions" must be true/],
    ['"sessions" other than true in a reply', enc({ type: 'reply', status: 'pending', sessions: 1 }), 'listener', /"sessions" must be true/],
    ['a reply from the dialer', enc({ type: 'reply', status: 'pending' }), 'dialer', /dialer may only send/],
    ['a request from the listener', enc({ type: 'request', name: 'A', addresses: [] }), 'listener', /listener may only send/],
    ['an unknown status', enc({ type: 'reply', status: 'maybe' }), 'listener', /"status" must be/],
    ['an empty name', enc({ type: 'request', name: '', addresses: [] }), 'dialer', /"name" must be/],
    ['an untrimmed name', enc({ type: 'request', name: ' A', addresses: [] }), 'dialer', /"name" must be/],
    ['a name with control characters', enc({ type: 'request', name: 'A\u0007', addresses: [] }), 'dialer', /"name" must be/],
    ['a 65-character name', enc({ type: 'request', name: 'x'.repeat(65), addresses: [] }), 'dialer', /"name" must be/],
    ['addresses that are not a list', enc({ type: 'request', name: 'A', addresses: 'x' }), 'dialer', /"addresses" must be/],
    ['too many addresses', enc({ type: 'request', name: 'A', addresses: Array(MAX_CONTACT_ADDRESSES + 1).fill(ADDRESS) }), 'dialer', /"addresses" must be/],
    ['a number as an address', enc({ type: 'request', name: 'A', addresses: [7] }), 'dialer', /each address/],
    ['an overlong address', enc({ type: 'request', name: 'A', addresses: ['/ip4/1.2.3.4' + '/tcp/1'.repeat(100)] }), 'dialer', /each address/],
    ['garbage as an address', enc({ type: 'request', name: 'A', addresses: ['hello'] }), 'dialer', /is not a multiaddr/],
    ['a time that is not an integer', enc({ type: 'request', name: 'A', addresses: [], time: 1.5 }), 'dialer', /"time" must be/],
    ['a time of 0', enc({ type: 'accept', name: 'A', addresses: [], time: 0 }), 'dialer', /"time" must be/],
    ['a time as a string', enc({ type: 'request', name: 'A', addresses: [], time: '1' }), 'dialer', /"time" must be/],
    ['a time past 2^53', enc({ type: 'request', name: 'A', addresses: [], time: 2 ** 53 }), 'dialer', /"time" must be/],
    ['a time in a reply', enc({ type: 'reply', status: 'pending', time: 5 }), 'listener', /unknown field/],
    ['an oversized frame', new Uint8Array(MAX_CONTACT_FRAME_BYTES + 1), 'dialer', /the limit is/]
  ] as const)('refuses %s', (_, bytes, sender, message) => {
    expect(() => decodeContactFrame(bytes, sender)).toThrow(message)
  })
})
