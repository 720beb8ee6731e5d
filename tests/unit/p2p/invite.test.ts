import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  encodeInvite,
  INVITE_LINK_PATH,
  INVITE_VERSION,
  InvalidInviteError,
  MAX_ADDRESS_CHARS,
  MAX_INVITE_ADDRESSES,
  MAX_INVITE_CHARS,
  MAX_NAME_CHARS,
  parseInvite,
  validateName
} from '../../../src/lib/p2p/invite.ts'
import type { Invite } from '../../../src/lib/p2p/invite.ts'

const ORIGIN = 'https://parley.example'

let id: string
let otherId: string
let relayId: string
let secpId: string

beforeAll(async () => {
  id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  otherId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  secpId = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
})

/** A circuit address through the relay, without the final `/p2p/<id>`. */
const circuit = (port = 9090): string => `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${relayId}/p2p-circuit`
/** The same address, ending in `/p2p/<peer>`. */
const full = (peer = id, port = 9090): string => `${circuit(port)}/p2p/${peer}`

/** The bare payload for any JSON value, encoded as invites are (base64url, no padding). */
const payload = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
const link = (value: unknown): string => `${ORIGIN}/${INVITE_LINK_PATH}${payload(value)}`
const data = (over: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ v: INVITE_VERSION, id, n: 'Alice', a: [full()], ...over })

/** Runs `fn` and returns the InvalidInviteError it throws (fails the test otherwise). */
function invalid (fn: () => unknown): InvalidInviteError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInviteError)
    expect((err as Error).name).toBe('InvalidInviteError')
    return err as InvalidInviteError
  }
  throw new Error('expected an InvalidInviteError, but nothing was thrown')
}

/** Matches the InvalidInviteError a malformed input must raise, its message matching `message`. */
function invalidInvite (message: RegExp): unknown {
  return expect.objectContaining({ name: 'InvalidInviteError', message: expect.stringMatching(message) })
}

describe('invite', () => {
  describe('encodeInvite → parseInvite', () => {
    it('round trips a named invite with circuit addresses', () => {
      const invite: Invite = { peerId: id, name: 'Alice', addresses: [full(), full(id, 9091)] }
      const text = encodeInvite(invite, ORIGIN)
      expect(text.startsWith(`${ORIGIN}/#/add/`)).toBe(true)
      expect(text).toMatch(/^[^#]+#\/add\/[A-Za-z0-9_-]+$/)
      expect(parseInvite(text)).toEqual(invite)
    })

    it('encodes exactly the documented JSON as base64url without padding', () => {
      const text = encodeInvite({ peerId: id, name: 'Alice', addresses: [full()] }, ORIGIN)
      const encoded = text.slice(text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length)
      expect(encoded).not.toMatch(/[+/=]/)
      expect(Buffer.from(encoded, 'base64url').toString('utf8'))
        .toBe(`{"v":1,"id":"${id}","n":"Alice","a":["${full()}"]}`)
    })

    it('round trips non-ASCII names (UTF-8) and names that need JSON escaping', () => {
      for (const name of ['Алиса 👋', 'Bob "the builder" \\ O\'Neil', '名前'.repeat(MAX_NAME_CHARS / 2)]) {
        const invite: Invite = { peerId: id, name, addresses: [full()] }
        expect(parseInvite(encodeInvite(invite, ORIGIN))).toEqual(invite)
      }
    })

    it('round trips an invite without a name', () => {
      const text = encodeInvite({ peerId: id, addresses: [full()] }, ORIGIN)
      expect(Buffer.from(text.slice(text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length), 'base64url').toString('utf8')).not.toContain('"n"')
      const parsed = parseInvite(text)
      expect(parsed).toEqual({ peerId: id, name: undefined, addresses: [full()] })
    })

    it(`encodes at most ${MAX_INVITE_ADDRESSES} addresses, so its own output always parses`, () => {
      const addresses = Array.from({ length: MAX_INVITE_ADDRESSES + 3 }, (_, i) => full(id, 9000 + i))
      const parsed = parseInvite(encodeInvite({ peerId: id, name: 'Alice', addresses }, ORIGIN))
      expect(parsed.addresses).toEqual(addresses.slice(0, MAX_INVITE_ADDRESSES))
    })

    it('adds the missing /p2p/<PeerID> to addresses that lack it', () => {
      const parsed = parseInvite(link(data({ a: [circuit(), '/dns4/relay.example/tcp/443/wss/p2p/' + relayId + '/p2p-circuit'] })))
      expect(parsed.addresses).toEqual([full(), `/dns4/relay.example/tcp/443/wss/p2p/${relayId}/p2p-circuit/p2p/${id}`])
    })

    it('treats a null name as no name', () => {
      expect(parseInvite(link(data({ n: null }))).name).toBeUndefined()
    })
  })

  describe('accepted forms', () => {
    it('accepts the link, the bare payload, and either with surrounding whitespace', () => {
      const expected: Invite = { peerId: id, name: 'Alice', addresses: [full()] }
      const text = encodeInvite(expected, ORIGIN)
      const bare = text.slice(text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length)
      expect(parseInvite(text)).toEqual(expected)
      expect(parseInvite(bare)).toEqual(expected)
      expect(parseInvite(`  \n\t${text} \r\n`)).toEqual(expected)
      expect(parseInvite(`\n ${bare}\t `)).toEqual(expected)
    })

    it('accepts a link from any origin, including a local one', () => {
      const expected: Invite = { peerId: id, name: 'Alice', addresses: [full()] }
      expect(parseInvite(encodeInvite(expected, 'http://localhost:5173'))).toEqual(expected)
    })

    it('accepts the text form <PeerID>@<multiaddr> with the trailing /p2p/<PeerID>', () => {
      expect(parseInvite(`${id}@${full()}`)).toEqual({ peerId: id, name: undefined, addresses: [full()] })
    })

    it('accepts the text form without the trailing /p2p/<PeerID>, and adds it', () => {
      expect(parseInvite(`${id}@${circuit()}`)).toEqual({ peerId: id, name: undefined, addresses: [full()] })
      expect(parseInvite(`  ${id}@${circuit()}\n`).addresses).toEqual([full()])
    })

    it('accepts the text form with a direct (non-relayed) address', () => {
      expect(parseInvite(`${id}@/ip4/192.0.2.7/tcp/4001/ws`).addresses).toEqual([`/ip4/192.0.2.7/tcp/4001/ws/p2p/${id}`])
    })
  })

  describe('malformed invites', () => {
    it('rejects an empty or blank invite', () => {
      expect(() => parseInvite('')).toThrow(invalidInvite(/invite is empty/))
      expect(() => parseInvite('  \n\t ')).toThrow(invalidInvite(/invite is empty/))
    })

    it(`rejects more than ${MAX_INVITE_CHARS} characters, but not whitespace around a valid invite`, () => {
      expect(() => parseInvite('A'.repeat(MAX_INVITE_CHARS + 1))).toThrow(invalidInvite(new RegExp(`too long \\(more than ${MAX_INVITE_CHARS} characters\\)`)))
      const text = encodeInvite({ peerId: id, name: 'Alice', addresses: [full()] }, ORIGIN)
      expect(() => parseInvite(text + '#'.repeat(MAX_INVITE_CHARS))).toThrow(invalidInvite(/too long/))
      expect(parseInvite(text + ' '.repeat(MAX_INVITE_CHARS)).peerId).toBe(id)
    })

    it('rejects a link cut in half while copying', () => {
      const text = encodeInvite({ peerId: id, name: 'Alice', addresses: [full()] }, ORIGIN)
      const start = text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length
      const half = start + Math.floor((text.length - start) / 2)
      expect(() => parseInvite(text.slice(0, half))).toThrow(invalidInvite(/cut off while copying/))
    })

    it('rejects a link cut at any point inside the payload', () => {
      const text = encodeInvite({ peerId: id, name: 'Alice', addresses: [full()] }, ORIGIN)
      const start = text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length
      for (let end = start; end < text.length; end++) {
        expect(() => parseInvite(text.slice(0, end))).toThrow(invalidInvite(/not a Parley invite, or it was cut off/))
      }
    })

    it('rejects text that is not base64url', () => {
      expect(() => parseInvite('hello world!')).toThrow(invalidInvite(/not a Parley invite/))
      expect(() => parseInvite(`${ORIGIN}/#/add/abc$def`)).toThrow(invalidInvite(/not a Parley invite/))
      // standard base64 (with + / and = padding) is not accepted
      expect(() => parseInvite(Buffer.from(JSON.stringify(data())).toString('base64') + '+/=')).toThrow(invalidInvite(/not a Parley invite/))
    })

    it('rejects a payload that is not JSON, or not UTF-8', () => {
      expect(() => parseInvite(Buffer.from('{"v":1,', 'utf8').toString('base64url'))).toThrow(invalidInvite(/not a Parley invite/))
      expect(() => parseInvite(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url'))).toThrow(invalidInvite(/not a Parley invite/))
    })

    it.each([
      ['an array', [1, 2]],
      ['a string', 'invite'],
      ['a number', 42],
      ['null', null],
      ['true', true]
    ])('rejects JSON that is %s rather than an object', (_name, value) => {
      expect(() => parseInvite(link(value))).toThrow(invalidInvite(/damaged: it holds no invite data/))
      expect(() => parseInvite(payload(value))).toThrow(invalidInvite(/damaged: it holds no invite data/))
    })

    it('rejects an unknown version, naming it', () => {
      expect(() => parseInvite(link(data({ v: 2 })))).toThrow(invalidInvite(/version 2, which this version of Parley does not understand/))
      expect(() => parseInvite(link(data({ v: 0 })))).toThrow(invalidInvite(/version 0\b/))
      expect(() => parseInvite(link(data({ v: '1' })))).toThrow(invalidInvite(/does not understand/))
    })

    it('rejects a missing PeerID, or one that is not text', () => {
      const { id: _omit, ...withoutId } = data()
      expect(() => parseInvite(link(withoutId))).toThrow(invalidInvite(/PeerID is missing/))
      expect(() => parseInvite(link(data({ id: 12 })))).toThrow(invalidInvite(/PeerID is missing/))
    })

    it('rejects an invalid PeerID, quoting it', () => {
      const broken = id.slice(0, 20) + '0' + id.slice(21) // '0' is not in the base58 alphabet
      expect(() => parseInvite(link(data({ id: broken, a: [circuit()] })))).toThrow(invalidInvite(new RegExp(`"${broken}" is not a valid PeerID`)))
      expect(() => parseInvite(`${broken}@${circuit()}`)).toThrow(invalidInvite(/is not a valid PeerID/))
      const badPrefix = id.slice(0, 5) + (id[5] === 'a' ? 'b' : 'a') + id.slice(6)
      expect(() => parseInvite(link(data({ id: badPrefix, a: [circuit()] })))).toThrow(invalidInvite(/is not a valid PeerID/))
      expect(() => parseInvite(link(data({ id: 'not-a-peer-id' })))).toThrow(invalidInvite(/"not-a-peer-id" is not a valid PeerID/))
      expect(() => parseInvite(link(data({ id: '' })))).toThrow(invalidInvite(/is not a valid PeerID/))
    })

    it('catches a PeerID with one character changed through its addresses', () => {
      // Any 32 bytes are an Ed25519 key, so a changed character inside the key may still be a
      // syntactically valid PeerID: the /p2p/ part of the addresses then no longer matches it.
      const i = 30
      const changed = id.slice(0, i) + (id[i] === 'a' ? 'b' : 'a') + id.slice(i + 1)
      expect(changed).not.toBe(id)
      expect(() => parseInvite(link(data({ id: changed, a: [full(id)] }))))
        .toThrow(invalidInvite(/not a valid PeerID|belongs to a different PeerID/))
    })

    it('quotes at most 60 characters of an invalid PeerID', () => {
      const message = invalid(() => parseInvite(link(data({ id: 'x'.repeat(500) })))).message
      expect(message).toContain(`"${'x'.repeat(60)}"`)
      expect(message).not.toContain('x'.repeat(61))
    })

    it('rejects a secp256k1 PeerID: Parley requires Ed25519', () => {
      expect(() => parseInvite(link(data({ id: secpId, a: [circuit()] })))).toThrow(invalidInvite(/not an Ed25519 identity/))
      expect(() => parseInvite(`${secpId}@${circuit()}`)).toThrow(invalidInvite(/not an Ed25519 identity/))
    })

    it('rejects an invite without addresses', () => {
      expect(() => parseInvite(link(data({ a: [] })))).toThrow(invalidInvite(/no address to reach the contact/))
    })

    it('rejects an address list that is not a list of text', () => {
      expect(() => parseInvite(link(data({ a: full() })))).toThrow(invalidInvite(/address list is not a list of text addresses/))
      expect(() => parseInvite(link(data({ a: [full(), 7] })))).toThrow(invalidInvite(/address list is not a list of text addresses/))
      const { a: _omit, ...withoutA } = data()
      expect(() => parseInvite(link(withoutA))).toThrow(invalidInvite(/address list is not a list/))
    })

    it(`rejects more than ${MAX_INVITE_ADDRESSES} addresses`, () => {
      const eight = Array.from({ length: MAX_INVITE_ADDRESSES }, (_, i) => full(id, 9000 + i))
      expect(parseInvite(link(data({ a: eight }))).addresses).toHaveLength(MAX_INVITE_ADDRESSES)
      expect(() => parseInvite(link(data({ a: [...eight, full(id, 9999)] })))).toThrow(invalidInvite(new RegExp(`more than ${MAX_INVITE_ADDRESSES} addresses`)))
    })

    it('rejects an address that does not parse, quoting it', () => {
      expect(() => parseInvite(link(data({ a: ['garbage'] })))).toThrow(invalidInvite(/"garbage" is not a valid address/))
      expect(() => parseInvite(link(data({ a: [full(), '/ip4/999.0.0.1/tcp/1/ws'] })))).toThrow(invalidInvite(/"\/ip4\/999\.0\.0\.1\/tcp\/1\/ws" is not a valid address/))
      expect(() => parseInvite(`${id}@/ip4/127.0.0.1/tcp/notaport`)).toThrow(invalidInvite(/is not a valid address/))
    })

    it('rejects an address that says nothing about how to reach the contact', () => {
      expect(() => parseInvite(`${id}@`)).toThrow(invalidInvite(/not a usable address/))
      expect(() => parseInvite(`${id}@/`)).toThrow(invalidInvite(/not a usable address/))
      expect(() => parseInvite(`${id}@/p2p/${id}`)).toThrow(invalidInvite(/not a usable address/))
      expect(() => parseInvite(link(data({ a: [''] })))).toThrow(invalidInvite(/not a usable address/))
    })

    it(`rejects an address longer than ${MAX_ADDRESS_CHARS} characters`, () => {
      const long = `/dns4/${'a'.repeat(MAX_ADDRESS_CHARS)}.example/tcp/443/wss`
      expect(() => parseInvite(link(data({ a: [long] })))).toThrow(invalidInvite(/address in the invite is too long/))
    })

    it('rejects an address whose /p2p/ is another PeerID', () => {
      expect(() => parseInvite(link(data({ a: [full(otherId)] })))).toThrow(invalidInvite(/belongs to a different PeerID than the invite/))
      expect(() => parseInvite(link(data({ a: [full(), full(otherId, 9091)] })))).toThrow(invalidInvite(/belongs to a different PeerID/))
      expect(() => parseInvite(`${id}@${full(otherId)}`)).toThrow(invalidInvite(/belongs to a different PeerID/))
      // the relay's own address, given as the contact's
      expect(() => parseInvite(`${id}@/ip4/127.0.0.1/tcp/9090/ws/p2p/${relayId}`)).toThrow(invalidInvite(/belongs to a different PeerID/))
    })

    it('rejects an unknown extra field, naming it', () => {
      expect(() => parseInvite(link(data({ x: 1 })))).toThrow(invalidInvite(/unknown field "x"/))
      expect(() => parseInvite(link({ ...data(), relay: 'nope' }))).toThrow(invalidInvite(/unknown field "relay"/))
    })

    it('rejects a name that is not text', () => {
      expect(() => parseInvite(link(data({ n: 5 })))).toThrow(invalidInvite(/the name is not text/))
      expect(() => parseInvite(link(data({ n: ['Alice'] })))).toThrow(invalidInvite(/the name is not text/))
    })

    it('rejects a bad name in the invite', () => {
      expect(() => parseInvite(link(data({ n: 'x'.repeat(MAX_NAME_CHARS + 1) })))).toThrow(invalidInvite(new RegExp(`longer than ${MAX_NAME_CHARS} characters`)))
      expect(() => parseInvite(link(data({ n: 'Ali\u0007ce' })))).toThrow(invalidInvite(/control characters/))
      expect(() => parseInvite(link(data({ n: '   ' })))).toThrow(invalidInvite(/name is empty/))
      expect(() => parseInvite(link(data({ n: '' })))).toThrow(invalidInvite(/name is empty/))
    })

    it('trims the name in the invite', () => {
      expect(parseInvite(link(data({ n: '  Alice \n' }))).name).toBe('Alice')
    })
  })

  describe('validateName', () => {
    it('trims surrounding whitespace', () => {
      expect(validateName('  Alice  ')).toBe('Alice')
      expect(validateName('\n\tBob Smith\r\n')).toBe('Bob Smith')
    })

    it('keeps inner spaces and non-ASCII text', () => {
      expect(validateName('Анна  Мария 👩‍💻')).toBe('Анна  Мария 👩‍💻')
    })

    it('rejects a name that is empty after trimming', () => {
      for (const raw of ['', ' ', '\n\t  \r\n']) {
        expect(invalid(() => validateName(raw)).message).toMatch(/name is empty/)
      }
    })

    it(`accepts exactly ${MAX_NAME_CHARS} characters, counted as code points, and rejects one more`, () => {
      expect(validateName('a'.repeat(MAX_NAME_CHARS))).toHaveLength(MAX_NAME_CHARS)
      // 64 astral characters are 128 UTF-16 units, but 64 characters
      expect(validateName('😀'.repeat(MAX_NAME_CHARS))).toBe('😀'.repeat(MAX_NAME_CHARS))
      expect(invalid(() => validateName('a'.repeat(MAX_NAME_CHARS + 1))).message)
        .toMatch(new RegExp(`longer than ${MAX_NAME_CHARS} characters`))
      expect(invalid(() => validateName('😀'.repeat(MAX_NAME_CHARS + 1))).message).toMatch(/longer than/)
    })

    it('counts the length after trimming', () => {
      expect(validateName(`  ${'a'.repeat(MAX_NAME_CHARS)}  `)).toBe('a'.repeat(MAX_NAME_CHARS))
    })

    it.each([
      ['NUL', '\u0000'],
      ['BEL', '\u0007'],
      ['an inner newline', '\n'],
      ['an inner tab', '\t'],
      ['ESC', '\u001b'],
      ['DEL', '\u007f'],
      ['a C1 control', '\u0085'],
      ['the last C1 control', '\u009f']
    ])('rejects a name containing %s', (_name, ch) => {
      expect(invalid(() => validateName(`Al${ch}ice`)).message).toMatch(/contains control characters/)
    })
  })
})
