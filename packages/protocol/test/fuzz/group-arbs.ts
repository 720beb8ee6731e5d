/**
 * What the group fuzzers share (group.test.ts, group-log.test.ts): people
 * with Ed25519 keys the native stand-in knows (native-ed25519.ts), the test's
 * own signer and PeerID text (written here, not taken from the code under
 * test), and generators of operation and message fields within and beyond
 * the limits of src/group/constants.ts, with what the protocol says of each
 * (`fits`) to compare the decoder with.
 */
import fc from 'fast-check'
import { createHash, sign } from 'node:crypto'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAX_ADDR_CHARS, MAX_DEPS, MAX_GROUP_NAME_CHARS, MAX_MAILBOXES, MAX_MEMBER_NAME_CHARS, MAX_MEMBERS, MAX_PICTURE_CHARS
} from '../../src/group/constants.ts'
import { MESSAGE_TTLS } from '../../src/chat/constants.ts'
import { MAX_DEVICE_LIST_BYTES } from '../../src/devices/constants.ts'
import { newKeyPair } from './native-ed25519.ts'
import type { KeyObject } from 'node:crypto'
import type { ChatDialerFrame } from '../../src/chat/codec.ts'
import type { GroupOpChange, InitialMember, SignedGroupOp } from '../../src/group/op.ts'

export interface Person {
  peer: string
  secret: Uint8Array
  key: KeyObject
  /** the same key as a CID (base32 and base36): texts a canonical-only decoder refuses */
  other: [string, string]
}

/** `n` people with new keys (OpenSSL makes one in about 50 µs). */
export function makePeople (n: number): Person[] {
  return Array.from({ length: n }, () => {
    const pair = newKeyPair()
    // the identity multihash of the key's protobuf (type Ed25519, 32 bytes)
    const multihash = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...pair.publicKey])
    const cid = CID.createV1(0x72, Digest.decode(multihash))
    return { peer: base58btc.encode(multihash).slice(1), secret: pair.secret, key: pair.privateKey, other: [cid.toString(), cid.toString(base36)] }
  })
}

/** A body signed by `by` (right or wrong) under `context`, the way op.ts and message.ts check it. */
export function signBody (body: string, context: string, by: Person): SignedGroupOp {
  return { body, sig: sign(null, Buffer.from(context + body), by.key).toString('base64') }
}

/** An operation's id: hex SHA-256 of its body's UTF-8. */
export function idOf (body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex')
}

export const bytesOf = (text: string): number => Buffer.byteLength(text, 'utf8')

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const PICTURE = /^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/

export const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
export const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 })
export const ulid = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 26, maxLength: 26 })
export const at = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })

/** Whether `text` is a name the protocol takes: trimmed, 0 (or 1) to `max` UTF-16 units, no control characters, no lone surrogates. */
export function nameFits (text: string, max: number, empty: boolean): boolean {
  return text.trim() === text && text.length <= max && (empty || text.length > 0) && !/[\u0000-\u001f\u007f]/.test(text) && !LONE_SURROGATE.test(text)
}

const GOOD_UNITS = ['a', 'Z', '7', ' ', 'é', 'я', '中', '😀', '"', '\\', '/', '·']
const ANY_UNITS = [...GOOD_UNITS, '\u00a0', '\u2028', '\t', '\u0000', '\u007f', '\uD800', '\uDC00', '\uFEFF']
/** `n` UTF-16 units of `c` (a one- or two-unit character), padded with 'a'. */
const fill = (n: number, c: string): string => c.repeat(Math.floor(n / c.length)) + 'a'.repeat(n % c.length)

/** Names: short ones, ones that break a rule, and ones of `max - 3` to `max + 2` units, in 1 to 4 UTF-8 bytes per unit. */
export const nameArb = (max: number, beyond = true): fc.Arbitrary<string> => fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...GOOD_UNITS), { minLength: 1, maxLength: 12 }).map(u => u.join('').trim() || 'x') },
  { weight: beyond ? 2 : 0, arbitrary: fc.array(fc.constantFrom(...ANY_UNITS), { maxLength: 8 }).map(u => u.join('')) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: max - 3, max: beyond ? max + 2 : max }), fc.constantFrom('a', 'я', '中', '😀')).map(([n, c]) => fill(n, c)) }
)

export function pictureFits (picture: string, clearable: boolean): boolean {
  return (clearable && picture === '') || (picture.length <= MAX_PICTURE_CHARS && PICTURE.test(picture))
}

const PICTURE_PREFIX = fc.constantFrom('data:image/jpeg;base64,', 'data:image/png;base64,', 'data:image/webp;base64,')
/** Pictures: small ones, ones of MAX_PICTURE_CHARS - 40 to + 2 characters, and ones of the wrong kind. */
export const pictureArb = (beyond = true): fc.Arbitrary<string> => fc.oneof(
  fc.tuple(PICTURE_PREFIX, fc.integer({ min: 1, max: 64 }), fc.constantFrom('', '=', '==')).map(([p, n, pad]) => p + 'iVBO'.repeat(n) + pad),
  fc.tuple(PICTURE_PREFIX, fc.integer({ min: MAX_PICTURE_CHARS - 40, max: beyond ? MAX_PICTURE_CHARS + 2 : MAX_PICTURE_CHARS })).map(([p, n]) => p + 'A'.repeat(n - p.length)),
  { weight: beyond ? 1 : 0, arbitrary: fc.constantFrom('', 'data:image/gif;base64,R0lG', 'https://example.com/a.png', 'data:image/png;base64,', 'data:image/png;base64,AA===', 'DATA:image/png;base64,AA', 'data:image/png;base64,A A') }
)

export function mailboxesFit (mailboxes: readonly string[]): boolean {
  return mailboxes.length <= MAX_MAILBOXES && mailboxes.every(m => m.startsWith('/') && m.length <= MAX_ADDR_CHARS)
}

const addrArb = (beyond: boolean): fc.Arbitrary<string> => fc.oneof(
  fc.constantFrom('/ip4/127.0.0.1/tcp/4001/ws', '/dns4/relay.example.org/tcp/443/wss', '/'),
  fc.integer({ min: MAX_ADDR_CHARS - 2, max: beyond ? MAX_ADDR_CHARS + 1 : MAX_ADDR_CHARS }).map(n => `/${'x'.repeat(n - 1)}`),
  { weight: beyond ? 1 : 0, arbitrary: fc.constantFrom('ip4/1.2.3.4', '', ' /ip4/1.2.3.4') }
)
export const mailboxesArb = (beyond = true): fc.Arbitrary<string[]> => fc.array(addrArb(beyond), { maxLength: beyond ? MAX_MAILBOXES + 1 : MAX_MAILBOXES })

/** A peer: mostly one of `people`; else the same key as a CID, or text that is no PeerID. */
export const peerArb = (people: readonly Person[], beyond = true): fc.Arbitrary<string> => fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...people.map(p => p.peer)) },
  { weight: beyond ? 1 : 0, arbitrary: fc.constantFrom(...people.slice(0, 2).flatMap(p => [...p.other, p.peer.slice(1), `${p.peer}2`, p.peer.toLowerCase()]), '', `1${'2'.repeat(600)}`) }
)

/** What the protocol says of a change by `author` (`peers`: the PeerIDs that are real). */
export function changeFits (change: GroupOpChange, author: string, peers: ReadonlySet<string>): boolean {
  switch (change.kind) {
    case 'create': {
      const list = change.members
      return nameFits(change.name, MAX_GROUP_NAME_CHARS, false) && list.length >= 1 && list.length <= MAX_MEMBERS && list[0]?.peer === author &&
        new Set(list.map(m => m.peer)).size === list.length && list.every(m => peers.has(m.peer) && nameFits(m.name, MAX_MEMBER_NAME_CHARS, true) && (m.sessions === undefined || m.sessions === true)) &&
        (change.picture === undefined || pictureFits(change.picture, false))
    }
    case 'add': return peers.has(change.peer) && nameFits(change.name, MAX_MEMBER_NAME_CHARS, true) && (change.sessions === undefined || change.sessions === true)
    case 'remove': return peers.has(change.peer)
    case 'leave': return true
    case 'role': return peers.has(change.peer) && (change.role === 'admin' || change.role === 'member')
    case 'rename': return nameFits(change.name, MAX_GROUP_NAME_CHARS, false)
    case 'picture': return pictureFits(change.picture, true)
    case 'profile': return nameFits(change.name, MAX_MEMBER_NAME_CHARS, true) && mailboxesFit(change.mailboxes) && (change.sessions === undefined || change.sessions === true)
    case 'timer': return change.ttl === 0 || MESSAGE_TTLS.includes(change.ttl)
    case 'devices': return listFits(change.list)
  }
}

/** What a `devices` operation takes as `list` (its shape; whether it opens is the fold's): exactly `body` and `sig`, strings, at most MAX_DEVICE_LIST_BYTES as JSON. */
export function listFits (list: unknown): boolean {
  if (typeof list !== 'object' || list === null || Array.isArray(list)) return false
  const keys = Object.keys(list).sort()
  const { body, sig } = list as Record<string, unknown>
  return keys.join() === 'body,sig' && typeof body === 'string' && typeof sig === 'string' && bytesOf(JSON.stringify({ body, sig })) <= MAX_DEVICE_LIST_BYTES
}

/**
 * A `devices` operation's `list`: the shape of a signed list with any texts
 * (the decoder checks the shape only), near MAX_DEVICE_LIST_BYTES; beyond
 * the rules also extra or missing keys and values that are not strings,
 * typed as a list to reach the codec.
 */
export const signedListArb = (beyond = true): fc.Arbitrary<{ body: string, sig: string }> => fc.oneof(
  { weight: 4, arbitrary: fc.record({ body: fc.string({ maxLength: 80 }), sig: fc.string({ maxLength: 90 }) }) },
  // JSON.stringify({body:"…",sig:""}) is 20 bytes more than the body's text (a quote in it: 2 bytes)
  { weight: 2, arbitrary: fc.integer({ min: MAX_DEVICE_LIST_BYTES - 23, max: MAX_DEVICE_LIST_BYTES - (beyond ? 18 : 20) }).map(n => ({ body: 'b'.repeat(n), sig: '' })) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_DEVICE_LIST_BYTES / 2 - 13, max: MAX_DEVICE_LIST_BYTES / 2 - (beyond ? 9 : 10) }).map(n => ({ body: '"'.repeat(n), sig: '' })) },
  {
    weight: beyond ? 2 : 0,
    arbitrary: fc.constantFrom<unknown>(null, 'list', [], {}, { body: 'b' }, { sig: 's' }, { body: 1, sig: 's' }, { body: 'b', sig: null }, { body: 'b', sig: 's', version: 1 }, { signed: { body: 'b', sig: 's' } })
  }
) as fc.Arbitrary<{ body: string, sig: string }>

/** The members of a create by `author`: the author first, then others; beyond the limits also 65 of them, a member twice, the author not first. */
const membersArb = (people: readonly Person[], author: Person, beyond: boolean, most: number): fc.Arbitrary<InitialMember[]> => fc.tuple(
  // a few, or (1 time in 10) near the most: a create of 64 costs 64 PeerIDs to decode
  fc.integer({ min: 0, max: 9 }).chain(near => {
    const top = Math.min(most, MAX_MEMBERS - (beyond ? 0 : 1))
    const [minLength, maxLength] = near === 0 ? [Math.max(0, top - 4), top] : [0, Math.min(top, 6)]
    return fc.uniqueArray(fc.record({ peer: peerArb(people, beyond), name: nameArb(MAX_MEMBER_NAME_CHARS, beyond), sessions: sessionsArb(beyond) }, { requiredKeys: ['peer', 'name'] }), { selector: m => m.peer, minLength, maxLength })
  }),
  fc.constantFrom('as-is', 'twice', 'swapped', 'none'),
  nameArb(MAX_MEMBER_NAME_CHARS, beyond)
).map(([others, how, name]) => {
  const list = [{ peer: author.peer, name }, ...others.filter(m => m.peer !== author.peer)]
  if (!beyond || how === 'as-is') return list
  if (how === 'twice') return [...list, list[list.length - 1] as InitialMember]
  if (how === 'swapped') return list.length > 1 ? [list[1] as InitialMember, list[0] as InitialMember, ...list.slice(2)] : list
  return []
})

/** A create as big as the limits allow: 64 members with 64-unit names and a picture near its limit (its body may be over MAX_OP_BYTES). */
const fullCreateArb = (people: readonly Person[], author: Person): fc.Arbitrary<GroupOpChange> => fc.record({
  kind: fc.constant('create' as const),
  name: nameArb(MAX_GROUP_NAME_CHARS, false),
  members: fc.constantFrom('a', 'я', '中', '😀').map(c => [author, ...people.filter(p => p !== author).slice(0, MAX_MEMBERS - 1)].map(p => ({ peer: p.peer, name: fill(MAX_MEMBER_NAME_CHARS, c) }))),
  picture: pictureArb(false)
})

/** A role; beyond the rules also 'owner', which no operation may give (the wire carries any text). */
const roleArb = (beyond: boolean): fc.Arbitrary<'admin' | 'member'> => (beyond ? fc.constantFrom('admin', 'member', 'owner') : fc.constantFrom('admin', 'member')) as fc.Arbitrary<'admin' | 'member'>

/** A profile's, an add's or a created member's `sessions`: `true`; beyond the rules also other values (the wire carries any), typed as the change's to reach the codec. */
const sessionsArb = (beyond: boolean): fc.Arbitrary<true> => (beyond ? fc.constantFrom<unknown>(true, true, false, 1, 'true', null, [true]) : fc.constant(true)) as fc.Arbitrary<true>

/** A timer's seconds: 0 or one of MESSAGE_TTLS; beyond the rules also other numbers (the wire carries any). */
export const ttlArb = (beyond = true): fc.Arbitrary<number> => fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, ...MESSAGE_TTLS) },
  { weight: beyond ? 1 : 0, arbitrary: fc.oneof(fc.constantFrom(-300, 1, 299, 301, 3600.5, 604_801, 2 ** 53), fc.integer()) }
)

/**
 * A change of any kind by `author`; with `beyond`, some break a limit or
 * rule. Creates list up to `most` members besides the author (beyond 64,
 * also a full create); a create of 64 costs 64 PeerIDs to decode (about
 * 1 ms), so the properties that do not test the limits keep them small.
 */
export const changeArb = (people: readonly Person[], author: Person, beyond = true, most = MAX_MEMBERS): fc.Arbitrary<GroupOpChange> => fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), name: nameArb(MAX_GROUP_NAME_CHARS, beyond), members: membersArb(people, author, beyond, most), picture: pictureArb(beyond) }, { requiredKeys: ['kind', 'name', 'members'] }) },
  // 1 in 25: a full create
  { weight: most >= MAX_MEMBERS ? 1 : 0, arbitrary: fullCreateArb(people, author) },
  ...[
    fc.record({ kind: fc.constant('add' as const), peer: peerArb(people, beyond), name: nameArb(MAX_MEMBER_NAME_CHARS, beyond), sessions: sessionsArb(beyond) }, { requiredKeys: ['kind', 'peer', 'name'] }),
    fc.record({ kind: fc.constant('remove' as const), peer: peerArb(people, beyond) }),
    fc.constant({ kind: 'leave' as const }),
    fc.record({ kind: fc.constant('role' as const), peer: peerArb(people, beyond), role: roleArb(beyond) }),
    fc.record({ kind: fc.constant('rename' as const), name: nameArb(MAX_GROUP_NAME_CHARS, beyond) }),
    fc.record({ kind: fc.constant('picture' as const), picture: pictureArb(beyond) }),
    fc.record({ kind: fc.constant('profile' as const), name: nameArb(MAX_MEMBER_NAME_CHARS, beyond), mailboxes: mailboxesArb(beyond), sessions: sessionsArb(beyond) }, { requiredKeys: ['kind', 'name', 'mailboxes'] }),
    fc.record({ kind: fc.constant('timer' as const), ttl: ttlArb(beyond) }),
    fc.record({ kind: fc.constant('devices' as const), list: signedListArb(beyond) })
  ].map(arbitrary => ({ weight: 3, arbitrary }))
)

/** An operation's head: lamport 1 and no deps for a create, else a group, 1 to MAX_DEPS deps (beyond: one more) and lamport ≥ 2. */
export const headArb = (create: boolean, beyond = true): fc.Arbitrary<{ group: string, lamport: number, deps: string[], at: number }> => fc.record({
  group: hex32,
  lamport: create ? fc.constant(1) : fc.oneof(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2, max: 2 ** 31 - 1 })),
  deps: create ? fc.constant([]) : fc.uniqueArray(hex64, { minLength: 1, maxLength: MAX_DEPS + (beyond ? 1 : 0) }),
  at
})

/** Valid `/parley/chat/1.1.0` dialer frames, one of each kind. */
export const frameArb: fc.Arbitrary<ChatDialerFrame> = fc.oneof(
  fc.record({ type: fc.constant('message' as const), id: ulid, text: fc.string({ unit: fc.constantFrom(...GOOD_UNITS, '\n'), minLength: 1, maxLength: 40 }), sentAt: at, replyTo: ulid, ttl: fc.constantFrom(...MESSAGE_TTLS) }, { requiredKeys: ['type', 'id', 'text', 'sentAt'] }),
  fc.record({ type: fc.constant('reaction' as const), id: ulid, sentAt: at, target: ulid, emoji: fc.constantFrom('', '👍', '❤️', '🇷🇺') }),
  fc.record({ type: fc.constant('edit' as const), id: ulid, sentAt: at, target: ulid, text: fc.string({ unit: fc.constantFrom(...GOOD_UNITS), minLength: 1, maxLength: 20 }) }),
  fc.record({ type: fc.constant('delete' as const), id: ulid, sentAt: at, target: ulid }),
  fc.record({ type: fc.constant('read' as const), id: ulid, sentAt: at, targets: fc.uniqueArray(ulid, { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant('timer' as const), id: ulid, sentAt: at, ttl: fc.constantFrom(0, ...MESSAGE_TTLS) }),
  fc.record({ type: fc.constant('typing' as const), id: ulid, typing: fc.boolean() })
)

export interface Head { group: string, lamport: number, deps: string[], at: number }

/** An operation's body fields as docs/protocols.md lists them: v, kind, author, lamport, deps (sorted), at, group (not in a create), then the change's own. */
export function opFields (change: GroupOpChange, head: Head, author: string): Record<string, unknown> {
  const { kind, ...own } = change
  return { v: 1, kind, author, lamport: head.lamport, deps: [...head.deps].sort(), at: head.at, ...(kind === 'create' ? {} : { group: head.group }), ...own }
}
