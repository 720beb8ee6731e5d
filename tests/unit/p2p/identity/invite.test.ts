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
  SAFETY_QR_PREFIX,
  validateName
} from '../../../../src/lib/p2p/identity/invite.ts'
import type { Invite } from '../../../../src/lib/p2p/identity/invite.ts'
import { textOfError } from '../../../../src/lib/i18n/error-text.ts'
import { refusedWith } from '../../../support/words.ts'

const ORIGIN = 'https://parley.example'

let id: string
/** the raw Ed25519 public key that `id` embeds */
let idKey: Uint8Array
let otherId: string
let relayId: string
let secpId: string

beforeAll(async () => {
  const key = await generateKeyPair('Ed25519')
  id = peerIdFromPrivateKey(key).toString()
  idKey = key.publicKey.raw
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

/** Runs `fn` and returns the words of the InvalidInviteError it throws (fails the test otherwise). */
function invalid (fn: () => unknown): { message: string } {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInviteError)
    expect((err as Error).name).toBe('InvalidInviteError')
    return { message: textOfError(err) ?? '' }
  }
  throw new Error('expected an InvalidInviteError, but nothing was thrown')
}

/** Matches the InvalidInviteError a malformed input must raise, its words matching `words`. */
const invalidInvite = (words: RegExp): unknown => refusedWith('InvalidInviteError', words)

describe('invite', () => {
  describe('encodeInvite → parseInvite', () => {
    it('round trips a named invite with circuit addresses', () => {
      const invite: Invite = { peerId: id, name: 'Alice', addresses: [full(), full(id, 9091)], checked: true }
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
        const invite: Invite = { peerId: id, name, addresses: [full()], checked: true }
        expect(parseInvite(encodeInvite(invite, ORIGIN))).toEqual(invite)
      }
    })

    it('round trips an invite without a name', () => {
      const text = encodeInvite({ peerId: id, addresses: [full()] }, ORIGIN)
      expect(Buffer.from(text.slice(text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length), 'base64url').toString('utf8')).not.toContain('"n"')
      const parsed = parseInvite(text)
      expect(parsed).toEqual({ peerId: id, name: undefined, addresses: [full()], checked: true })
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

  describe('"s": the maker\'s app speaks sessions (issue 57, item 1)', () => {
    it('is written as "s":true when the invite says so, and read back', () => {
      const invite: Invite = { peerId: id, name: 'Alice', addresses: [full()], checked: true, sessions: true }
      const text = encodeInvite(invite, ORIGIN)
      expect(Buffer.from(text.slice(text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length), 'base64url').toString('utf8'))
        .toBe(`{"v":1,"id":"${id}","n":"Alice","a":["${full()}"],"s":true}`)
      expect(parseInvite(text)).toEqual(invite)
    })

    it('is left out of an invite that does not say so (made of what a relay told, as Nearby\'s), and an invite without it says nothing', () => {
      const text = encodeInvite({ peerId: id, name: 'Alice', addresses: [full()] }, ORIGIN)
      expect(Buffer.from(text.slice(text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length), 'base64url').toString('utf8')).not.toContain('"s"')
      expect(parseInvite(text).sessions).toBeUndefined()
      // a checked full invite (every address restates the PeerID) is not a sign of sessions: older apps made those too
      expect(parseInvite(text).checked).toBe(true)
    })

    it('any value but true is refused, and nothing is read', () => {
      for (const s of [false, 1, 'true', null, {}, []]) {
        expect(() => parseInvite(link(data({ s })))).toThrow(invalidInvite(/field "s"/))
      }
    })
  })

  describe('accepted forms', () => {
    it('accepts the link, the bare payload, and either with surrounding whitespace', () => {
      const expected: Invite = { peerId: id, name: 'Alice', addresses: [full()], checked: true }
      const text = encodeInvite(expected, ORIGIN)
      const bare = text.slice(text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length)
      expect(parseInvite(text)).toEqual(expected)
      expect(parseInvite(bare)).toEqual(expected)
      expect(parseInvite(`  \n\t${text} \r\n`)).toEqual(expected)
      expect(parseInvite(`\n ${bare}\t `)).toEqual(expected)
    })

    it('accepts a link, the bare payload and the text form percent-encoded once or twice (as mail and chat apps pass links on)', () => {
      const expected: Invite = { peerId: id, name: 'Alice', addresses: [full()], checked: true }
      const text = encodeInvite(expected, ORIGIN)
      for (const form of [text, `${id}@${full()}`]) {
        const once = encodeURIComponent(form)
        expect(once).toMatch(/%2F/)
        expect(parseInvite(once)).toEqual(parseInvite(form))
        expect(parseInvite(` ${encodeURIComponent(once)}\n`)).toEqual(parseInvite(form))
      }
      // only the '#' and the slashes encoded, as some apps do
      expect(parseInvite(text.replace('#/add/', '%23%2Fadd%2F'))).toEqual(expected)
    })

    it('a percent-encoded text that is no invite still gets its own error', () => {
      expect(() => parseInvite(encodeURIComponent('https://example.org/some/page'))).toThrow(invalidInvite(/web address|link|invite/i))
      expect(() => parseInvite(encodeURIComponent(encodeURIComponent(encodeURIComponent(encodeInvite({ peerId: id, name: 'Alice', addresses: [full()] }, ORIGIN))))))
        .toThrow(invalidInvite(/./))
      expect(() => parseInvite('%20%20')).toThrow(invalidInvite(/empty|paste/i))
    })

    it('accepts a link from any origin, including a local one', () => {
      const expected: Invite = { peerId: id, name: 'Alice', addresses: [full()], checked: true }
      expect(parseInvite(encodeInvite(expected, 'http://localhost:5173'))).toEqual(expected)
    })

    it('accepts the text form <PeerID>@<multiaddr> with the trailing /p2p/<PeerID>', () => {
      expect(parseInvite(`${id}@${full()}`)).toEqual({ peerId: id, name: undefined, addresses: [full()], checked: true })
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
        expect(() => parseInvite(text.slice(0, end))).toThrow(invalidInvite(/^The invite is incomplete or damaged: it was probably cut off while copying\./))
      }
    })

    it('rejects text that is not base64url', () => {
      expect(() => parseInvite('hello world!')).toThrow(invalidInvite(/not a Parley invite/))
      expect(() => parseInvite(`${ORIGIN}/#/add/abc$def`)).toThrow(invalidInvite(/not a Parley invite/))
      // standard base64 (with + / and = padding) is not accepted
      expect(() => parseInvite(Buffer.from(JSON.stringify(data())).toString('base64') + '+/=')).toThrow(invalidInvite(/not a Parley invite/))
    })

    it('reports a payload that starts like an invite but is not JSON, or not UTF-8, as cut off or damaged', () => {
      expect(() => parseInvite(Buffer.from('{"v":1,', 'utf8').toString('base64url'))).toThrow(invalidInvite(/incomplete or damaged/))
      expect(() => parseInvite(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url'))).toThrow(invalidInvite(/incomplete or damaged/))
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
      expect(() => parseInvite(link(data({ v: '1' })))).toThrow(invalidInvite(/the version is not a number/))
    })

    it('rejects a missing PeerID, or one that is not text', () => {
      const { id: _omit, ...withoutId } = data()
      expect(() => parseInvite(link(withoutId))).toThrow(invalidInvite(/PeerID is missing/))
      expect(() => parseInvite(link(data({ id: 12 })))).toThrow(invalidInvite(/PeerID is not text/))
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
      expect(() => parseInvite(link(data({ a: [full(), 7] })))).toThrow(invalidInvite(/address 2 in the list is not text/))
      const { a: _omit, ...withoutA } = data()
      expect(() => parseInvite(link(withoutA))).toThrow(invalidInvite(/address list is missing/))
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
      expect(() => parseInvite(`${id}@`)).toThrow(invalidInvite(/no address after the "@"/))
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

  describe('malformed invites, one per row: each gets a specific message (issue 4)', () => {
    /** Any message the UI may show: one short line, whatever the input was. */
    const MAX_MESSAGE_CHARS = 240
    const cutAt = (fraction: number): string => {
      const text = encodeInvite({ peerId: id, name: 'Alice', addresses: [full()] }, ORIGIN)
      const start = text.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length
      return text.slice(0, start + Math.floor((text.length - start) * fraction))
    }
    const without = (field: string): Record<string, unknown> =>
      Object.fromEntries(Object.entries(data()).filter(([k]) => k !== field))
    const CUT_OFF = /^The invite is incomplete or damaged: it was probably cut off while copying\. Copy the whole invite again\.$/
    const RSA_PEER_ID = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' // an IPFS bootstrap node

    const cases: Array<[string, () => string, RegExp]> = [
      ['empty', () => '', /^The invite is empty\. Paste the invite your contact sent you\.$/],
      ['whitespace only', () => ' \n\t\r\n ', /^The invite is empty\./],
      ['a 100 KB string', () => 'A'.repeat(100 * 1024), /^The invite is too long \(more than 4096 characters\)\.$/],
      ['a link cut right after #/add/', () => cutAt(0), CUT_OFF],
      ['a link cut after 1 payload character', () => cutAt(0) + 'e', CUT_OFF],
      ['a link cut inside the PeerID', () => cutAt(0.2), CUT_OFF],
      ['a link cut inside the addresses', () => cutAt(0.7), CUT_OFF],
      ['a link missing its last character', () => cutAt(1).slice(0, -1), CUT_OFF],
      ['a link cut inside "#/add/"', () => `${ORIGIN}/#/ad`, CUT_OFF],
      ['a payload without "v"', () => link(without('v')), /^The invite is damaged: the version is missing\.$/],
      ['a payload without "id"', () => link(without('id')), /^The invite is damaged: the PeerID is missing\.$/],
      ['a payload without "a"', () => link(without('a')), /^The invite is damaged: the address list is missing\.$/],
      ['"v" as text', () => link(data({ v: '1' })), /^The invite is damaged: the version is not a number\.$/],
      ['"id" as a number', () => link(data({ id: 12 })), /^The invite is damaged: the PeerID is not text\.$/],
      ['"n" as a list', () => link(data({ n: ['Alice'] })), /^The invite is damaged: the name is not text\.$/],
      ['"a" as text', () => link(data({ a: full() })), /^The invite is damaged: the address list is not a list of text addresses\.$/],
      ['"a" with an object in it', () => link(data({ a: [full(), { ip4: '1.2.3.4' }] })), /^The invite is damaged: address 2 in the list is not text\.$/],
      ['an unknown field', () => link(data({ relay: 'x' })), /^The invite is damaged: unknown field "relay"\.$/],
      ['an unsupported version', () => link(data({ v: 2 })), /^This invite has version 2, which this version of Parley does not understand: it was probably made by a newer Parley\.$/],
      ['a PeerID that is no PeerID', () => link(data({ id: 'not-a-peer-id' })), /^"not-a-peer-id" is not a valid PeerID: Parley PeerIDs start with "12D3KooW"\.$/],
      ['a PeerID with a character base58 lacks', () => `${id.slice(0, 20)}0${id.slice(21)}@${circuit()}`, /is not a valid PeerID: it contains characters that never appear in a PeerID\.$/],
      ['a PeerID cut short', () => `${id.slice(0, 40)}@${circuit()}`, /^"12D3KooW[1-9A-HJ-NP-Za-km-z]{32}" is not a valid PeerID: it was cut off, or some of its characters were changed\.$/],
      ['an RSA PeerID', () => link(data({ id: RSA_PEER_ID, a: [circuit()] })), /^The PeerID in the invite is an RSA identity, not an Ed25519 identity, which Parley requires\.$/],
      ['a secp256k1 PeerID', () => link(data({ id: secpId, a: [circuit()] })), /^The PeerID in the invite is a secp256k1 identity, not an Ed25519 identity/],
      ['a PeerID whose embedded key no longer decodes (wrong PeerID for key)', () => link(data({ id: damagedKeyPeerId(), a: [circuit()] })),
        /is not a valid PeerID: the public key inside it is damaged, so it does not match any key \(wrong PeerID for the key\)\.$/],
      ['an address for a different PeerID', () => link(data({ a: [full(otherId)] })), /^An address in the invite belongs to a different PeerID than the invite: a character in it was probably changed or mistyped on the way\. Copy the whole invite again\.$/],
      ['a garbage address', () => link(data({ a: ['garbage'] })), /^"garbage" is not a valid address: an address starts with "\/"/],
      ['an address with an unknown protocol', () => link(data({ a: ['/ip4/1.2.3.4/tcp/1/gopher'] })), /^"\/ip4\/1\.2\.3\.4\/tcp\/1\/gopher" is not a valid address: it names a protocol Parley does not know\.$/],
      ['an address with an invalid value', () => link(data({ a: ['/ip4/999.0.0.1/tcp/1/ws'] })), /is not a valid address: one of its parts has an invalid value\.$/],
      ['an address missing a value', () => `${id}@/ip4/1.2.3.4/tcp`, /^"\/ip4\/1\.2\.3\.4\/tcp" is not a valid address: it is incomplete\.$/],
      ['an address with only /p2p', () => `${id}@/p2p/${id}`, /is not a usable address: it does not say how to reach the contact\.$/],
      ['too many addresses', () => link(data({ a: Array.from({ length: MAX_INVITE_ADDRESSES + 1 }, (_, i) => full(id, 9000 + i)) })), /^The invite has more than 8 addresses \(it has 9\)\.$/],
      ['an overlong address', () => link(data({ a: [`/dns4/${'a'.repeat(MAX_ADDRESS_CHARS)}.example/tcp/443/wss`] })), /^An address in the invite is too long \(more than 512 characters\)\.$/],
      ['a name with control characters', () => link(data({ n: 'Ali\u001bce' })), /^The name contains control characters\.$/],
      ['an overlong name', () => link(data({ n: 'x'.repeat(MAX_NAME_CHARS + 1) })), /^The name is longer than 64 characters\.$/],
      ['a Wi-Fi QR code', () => 'WIFI:S:Home;T:WPA;P:hunter2@home;;', /^This is not a Parley invite: it looks like the details of a Wi-Fi network\.$/],
      ['a link to another web site', () => 'https://example.com/menu?table=4', /^This is not a Parley invite: it looks like a link to the web site "example\.com"\.$/],
      ['a mailto: link', () => 'mailto:bob@example.com?subject=hi', /^This is not a Parley invite: it looks like an e-mail address\.$/],
      ['a bare e-mail address', () => 'bob@example.com', /^This is not a Parley invite: it looks like an e-mail address\.$/],
      ['a vCard', () => 'BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nEMAIL:bob@example.com\nEND:VCARD', /^This is not a Parley invite: it looks like a contact card \(vCard\)\.$/],
      ['a phone number', () => 'tel:+15555550100', /^This is not a Parley invite: it looks like a phone number\.$/],
      ['an otpauth: link', () => 'otpauth://totp/Example:bob?secret=JBSWY3DPEHPK3PXP', /^This is not a Parley invite: it is a link of another kind \("otpauth:"\)\.$/],
      ['HTML with a script', () => '<script>alert(1)</script>', /^This is not a Parley invite: it looks like HTML or script code\.$/],
      ['a javascript: URL', () => 'javascript:alert(document.cookie)', /^This is not a Parley invite: it is a "javascript:" link, which runs code, and Parley never opens it\.$/],
      ['a data: URL', () => 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', /^This is not a Parley invite: it is a "data:" link, which holds a file\.$/],
      ['a Parley safety-number code', () => `${SAFETY_QR_PREFIX}:1:${id}:${otherId}:${'0'.repeat(60)}`, /^This is a Parley safety-number code, not an invite/],
      ['the text form with no address', () => `${id}@`, /^The invite has no address after the "@": the text form is <PeerID>@<address>\.$/],
      ['the text form with no PeerID', () => `@${circuit()}`, /^The invite has no PeerID before the "@": the text form is <PeerID>@<address>\.$/],
      ['a link to base64url of text that is not JSON', () => `${ORIGIN}/${INVITE_LINK_PATH}${Buffer.from('hello, world').toString('base64url')}`, /^The link is not a Parley invite: its content is text, but not invite data\.$/],
      ['a link to base64url of JSON null', () => link(null), /^The invite is damaged: it holds no invite data \(it holds null\)\.$/],
      ['a link to base64url of a JSON array', () => link([data()]), /^The invite is damaged: it holds no invite data \(it holds a list\)\.$/],
      ['a link to base64url of a JSON number', () => link(1), /^The invite is damaged: it holds no invite data \(it holds a number\)\.$/],
      ['a link to base64url of invalid UTF-8', () => `${ORIGIN}/${INVITE_LINK_PATH}${Buffer.from([0xff, 0xfe, 0xc3, 0x28]).toString('base64url')}`, /^The link is not a Parley invite: its content is binary data, not text\.$/],
      ['a bare word, not in base64url whole bytes', () => 'hello', /^This is not a Parley invite: it is not in the encoding invites use\.$/],
      ['a payload broken across lines', () => { const p = payload(data()); return `${p.slice(0, 30)}\n${p.slice(30)}` }, /^This is not a Parley invite, or it was split while copying: it contains spaces or line breaks\./],
      ['a link with characters base64url lacks', () => `${ORIGIN}/${INVITE_LINK_PATH}abc$def`, /^The link is not a Parley invite: it contains characters that an invite never has\.$/]
    ]

    it('has at least 25 distinct malformed inputs', () => {
      expect(cases.length).toBeGreaterThanOrEqual(25)
      expect(new Set(cases.map(([, input]) => input())).size).toBe(cases.length)
    })

    it.each(cases)('%s', (_name, input, message) => {
      const err = invalid(() => parseInvite(input()))
      expect(err.message).toMatch(message)
      expect(err.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS)
      expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    })

    it('gives each class of problem its own message', () => {
      const byMessage = new Map<string, string[]>()
      for (const [name, input] of cases) {
        const message = invalid(() => parseInvite(input())).message
        byMessage.set(message, [...byMessage.get(message) ?? [], name])
      }
      const groups = (lists: string[][]): string[][] => lists.map(names => [...names].sort()).sort()
      // only these share a message, on purpose: the same problem in different forms
      expect(groups([...byMessage.values()].filter(names => names.length > 1))).toEqual(groups([
        ['empty', 'whitespace only'],
        ['a link cut right after #/add/', 'a link cut after 1 payload character', 'a link cut inside the PeerID',
          'a link cut inside the addresses', 'a link missing its last character', 'a link cut inside "#/add/"'],
        ['a mailto: link', 'a bare e-mail address']
      ]))
    })

    it('quotes untrusted text short and without control characters', () => {
      const key = `evil\u202e\n${'k'.repeat(2000)}`
      const fieldMessage = invalid(() => parseInvite(link({ ...data(), [key]: 1 }))).message
      expect(fieldMessage).toBe(`The invite is damaged: unknown field "evil\uFFFD\uFFFD${'k'.repeat(34)}".`)
      const addressMessage = invalid(() => parseInvite(link(data({ a: [`/\u0000${'x'.repeat(400)}`] })))).message
      expect(addressMessage).toBe(`"/\uFFFD${'x'.repeat(78)}" is not a valid address: it names a protocol Parley does not know.`)
      const hostMessage = invalid(() => parseInvite(`https://${'h'.repeat(200)}.example/`)).message
      expect(hostMessage).toBe(`This is not a Parley invite: it looks like a link to the web site "${'h'.repeat(80)}".`)
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

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** base58btc without the multibase "z", as PeerIDs are written. */
function base58 (bytes: Uint8Array): string {
  let n = bytes.reduce((acc, b) => acc * 256n + BigInt(b), 0n)
  let out = ''
  for (; n > 0n; n /= 58n) out = BASE58_ALPHABET[Number(n % 58n)] + out
  const zeros = bytes.findIndex(b => b !== 0)
  return '1'.repeat(zeros < 0 ? bytes.length : zeros) + out
}

/**
 * `id` written out by hand: identity multihash (0x00, length 36) of the
 * protobuf PublicKey { Type = keyType, Data = the 32 key bytes }. With
 * keyType 1 (Ed25519) this is `id` itself; any other byte there leaves a
 * well-formed multihash whose key no longer decodes.
 */
function peerIdWithKeyType (keyType: number): string {
  return base58(Uint8Array.from([0x00, 0x24, 0x08, keyType, 0x12, 0x20, ...idKey]))
}

function damagedKeyPeerId (): string {
  // the builder is right: unchanged, it gives the real PeerID
  expect(peerIdWithKeyType(1)).toBe(id)
  return peerIdWithKeyType(0x05)
}
