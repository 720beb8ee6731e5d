/**
 * Fuzzing (issue 10): the invite parser, src/lib/p2p/identity/invite.ts.
 *
 * Fuzzed: parseInvite on arbitrary strings, on base64url payloads and links
 * of arbitrary JSON, on invite-shaped objects with wrong fields, on the text
 * form `peerid@multiaddr`, on short links (`#/c/<PeerID>/<name>`) with
 * arbitrary names and tails, and on mutated valid links (flipped characters,
 * truncations, extensions); validateName on arbitrary strings. The full
 * invite's `s` (the maker speaks sessions) is true or absent, anything else
 * refused; a short link marks sessions exactly when it is checked.
 * Contract: the parser either returns a valid Invite or throws an
 * InvalidInviteError (never a TypeError/RangeError/SyntaxError from a crash);
 * a valid invite round-trips through encodeInvite; oversized input is refused
 * before any decoding.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  encodeInvite,
  encodeShortInvite,
  INVITE_LINK_PATH,
  InvalidInviteError,
  MAX_INVITE_ADDRESSES,
  MAX_INVITE_CHARS,
  MAX_SHORT_LINK_CHARS,
  parseInvite,
  SHORT_LINK_PATH,
  validateName
} from '../../../src/lib/p2p/identity/invite.ts'
import type { Invite } from '../../../src/lib/p2p/identity/invite.ts'
import { expectEqual, expectSame, FUZZ_PARAMS, FUZZ_RUNS } from './runs.ts'
import { budgetMs } from '../../support/speed.ts'

/** How the inputs of a property ended: accepted, or refused with a typed error (every run ends in one). */
const tally = { ok: 0, refused: 0 }

const ORIGIN = 'https://parley.example'

let id: string
let relayId: string

beforeAll(async () => {
  id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
})

/** Runs `f`; a result must be an Invite, a throw an InvalidInviteError. */
function parsesOrRefuses (text: string): Invite | undefined {
  try {
    const invite = parseInvite(text)
    expectSame(typeof invite.peerId, 'string')
    // none from a short link or a bare PeerID (the contact is looked up by PeerID)
    expect(invite.addresses.length).toBeLessThanOrEqual(MAX_INVITE_ADDRESSES)
    for (const a of invite.addresses) expectSame(a.endsWith(`/p2p/${invite.peerId}`), true)
    tally.ok++
    return invite
  } catch (err) {
    if (!(err instanceof InvalidInviteError)) throw err
    tally.refused++
    expectSame(err.name, 'InvalidInviteError')
    expect(err.message.length).toBeGreaterThan(0)
    return undefined
  }
}

function base64Url (bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Text that looks a little like the things people paste: base64url, multiaddr pieces, schemes. */
const inviteish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'AZaz09-_@/#:.{}"%'.split('')), maxLength: 120 }),
  fc.tuple(fc.constantFrom('', 'https://x/', 'https://x/#/add', INVITE_LINK_PATH, 'WIFI:', 'mailto:', 'http:', 'x:', '@', '<a'),
    fc.string({ maxLength: 80 })).map(([a, b]) => a + b)
)

/** Multiaddr-ish text: real protocol names with arbitrary values. */
const addressish = fc.array(
  fc.tuple(fc.constantFrom('ip4', 'ip6', 'tcp', 'udp', 'ws', 'wss', 'p2p', 'p2p-circuit', 'dns4', 'webrtc', 'quic-v1', 'bogus', ''),
    fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }), fc.nat(70000).map(String), fc.constant('127.0.0.1'))),
  { maxLength: 4 }
).map(parts => parts.map(([p, v]) => v === '' ? `/${p}` : `/${p}/${v}`).join(''))

describe('fuzz: parseInvite', () => {
  it('arbitrary text: an Invite or an InvalidInviteError', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(inviteish, text => { parsesOrRefuses(text) }), FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(FUZZ_RUNS)
  })

  it('base64url of arbitrary JSON, bare or as a link: an Invite or an InvalidInviteError', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), fc.boolean(), (value, link) => {
      const payload = base64Url(utf8(JSON.stringify(value)))
      parsesOrRefuses(link ? `${ORIGIN}/${INVITE_LINK_PATH}${payload}` : payload)
    }), FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(FUZZ_RUNS)
  })

  it('base64url of arbitrary bytes: an InvalidInviteError', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), bytes => {
      parsesOrRefuses(`${ORIGIN}/${INVITE_LINK_PATH}${base64Url(bytes)}`)
    }), FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(FUZZ_RUNS)
  })

  it('invite-shaped objects with wrong or odd fields: an Invite or an InvalidInviteError', () => {
    tally.ok = tally.refused = 0
    const field = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 1 }))
    fc.assert(fc.property(
      fc.record({
        v: fc.oneof(fc.constant(1), field),
        id: fc.oneof(fc.constant('<id>'), fc.string({ maxLength: 60 }), field),
        n: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), field),
        a: fc.oneof(fc.array(fc.oneof(addressish, fc.constant('<full>'), field), { maxLength: 10 }), field),
        s: fc.oneof(fc.constant(true), field)
      }, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
      (fields, extra) => {
        const subst = (x: unknown): unknown => x === '<id>' ? id : x === '<full>' ? `/ip4/127.0.0.1/tcp/1/ws/p2p/${relayId}/p2p-circuit` : x
        const obj = { ...extra, ...fields, id: subst(fields.id), a: Array.isArray(fields.a) ? fields.a.map(subst) : fields.a }
        const invite = parsesOrRefuses(`${ORIGIN}/${INVITE_LINK_PATH}${base64Url(utf8(JSON.stringify(obj)))}`)
        // sessions only from "s": true (JSON drops an undefined field); any other "s" is refused
        const s = obj.s === undefined ? 'absent' : obj.s === true ? 'true' : 'other'
        expectSame(invite?.sessions, invite === undefined || s !== 'true' ? undefined : true)
        expect(s === 'other' ? invite : undefined).toBeUndefined()
      }), FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(FUZZ_RUNS)
  })

  it('the text form with arbitrary addresses: an Invite or an InvalidInviteError', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(fc.oneof(fc.constant('<id>'), fc.string({ maxLength: 60 })), addressish, (peer, address) => {
      parsesOrRefuses(`${peer === '<id>' ? id : peer}@${address}`)
    }), FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(FUZZ_RUNS)
  })

  it('a valid invite round-trips; its mutations give an Invite or an InvalidInviteError', () => {
    const invite = fc.record({
      name: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 64 }).filter(s => s.trim() === s && s.length > 0),
      ports: fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 1 }),
      sessions: fc.boolean()
    })
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), char: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('extend' as const), tail: fc.string({ unit: 'binary', maxLength: 40 }) })
    )
    fc.assert(fc.property(invite, mutation, ({ name, ports, sessions }, m) => {
      const original: Invite = { peerId: id, name, addresses: ports.map(p => `/ip4/127.0.0.1/tcp/${p}/ws/p2p/${relayId}/p2p-circuit/p2p/${id}`), checked: true, ...(sessions ? { sessions } : {}) }
      const link = encodeInvite(original, ORIGIN)
      expectEqual(parseInvite(link), original)
      let mutated: string
      if (m.kind === 'flip') {
        const at = m.at % link.length
        mutated = link.slice(0, at) + m.char + link.slice(at + 1)
      } else if (m.kind === 'cut') {
        mutated = link.slice(0, m.at % link.length)
      } else {
        mutated = link + m.tail
      }
      parsesOrRefuses(mutated)
    }), FUZZ_PARAMS)
  })

  it('short links with arbitrary names and tails: an Invite or an InvalidInviteError', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(
      fc.oneof(fc.constant('<id>'), fc.string({ maxLength: 60 })),
      fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 40 }).map(n => base64Url(utf8(n))), fc.string({ maxLength: 40 })),
      fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })),
      (peer, name, tail) => {
        const invite = parsesOrRefuses(`${ORIGIN}/${SHORT_LINK_PATH}${peer === '<id>' ? id : peer}${name === '' ? '' : `/${name}`}${tail}`)
        // a short link says its maker speaks sessions exactly when it carries its check
        expectSame(invite?.sessions, invite?.checked)
      }), FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(FUZZ_RUNS)
  })

  it('a short link of any name fits 120 characters and reads back as the start of that name', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }).filter(s => s.trim().length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(s)), name => {
      const link = encodeShortInvite(id, name, ORIGIN)
      expect(link.length).toBeLessThanOrEqual(MAX_SHORT_LINK_CHARS)
      const invite = parseInvite(link)
      expectSame(invite.peerId, id)
      expectEqual(invite.addresses, [])
      expectSame(invite.sessions, true)
      expectSame(name.trim().startsWith(invite.name ?? ''), true)
    }), FUZZ_PARAMS)
  })

  it('a short link with one character changed is refused, or (its check lost) names the same PeerID, unchecked', () => {
    fc.assert(fc.property(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }).filter(s => s.trim().length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(s)),
      fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      (name, at, char) => {
        const link = encodeShortInvite(id, name, ORIGIN)
        const from = link.indexOf(SHORT_LINK_PATH) + SHORT_LINK_PATH.length
        const i = from + at % (link.length - from)
        fc.pre(link.charAt(i) !== char)
        const invite = parsesOrRefuses(link.slice(0, i) + char + link.slice(i + 1))
        if (invite === undefined) return
        // the check or its separator itself was what changed (into '?', which ends the link, or no longer a '.')
        expectSame(invite.peerId, id)
        expect(invite.checked).toBeUndefined()
        expect(invite.sessions).toBeUndefined()
      }), FUZZ_PARAMS)
  })

  it('huge input is refused quickly with an InvalidInviteError', () => {
    const started = performance.now()
    for (const size of [MAX_INVITE_CHARS + 1, 2 ** 20, 2 ** 24]) {
      expect(() => parseInvite(`${ORIGIN}/${INVITE_LINK_PATH}${'A'.repeat(size)}`)).toThrow(InvalidInviteError)
      expect(() => parseInvite('1'.repeat(size))).toThrow(InvalidInviteError)
    }
    expect(performance.now() - started).toBeLessThan(budgetMs(2000))
  })
})

describe('fuzz: validateName', () => {
  it('arbitrary text: a trimmed name or an InvalidInviteError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), raw => {
      try {
        const name = validateName(raw)
        expectSame(name, raw.trim())
        expect(name.length).toBeGreaterThan(0)
      } catch (err) {
        if (!(err instanceof InvalidInviteError)) throw err
      }
    }), FUZZ_PARAMS)
  })
})
