/**
 * Fuzzing of group operations and messages made on a linked device
 * (src/group/op.ts and message.ts `device`; docs/protocols.md, "Groups",
 * "Made on a linked device"). Contract checked, for 10,000 generated cases
 * per property:
 * - an operation or message of any kind, naming no device, a device, its
 *   author as device, or a device text that is not an Ed25519 PeerID in its
 *   one form, signed by the author, the device or a stranger, decodes exactly
 *   when `device` is absent and the author signed, or is a valid PeerID other
 *   than the author's and the device signed; what decodes names that device
 *   and decodes again from its wire form to an equal value; anything else is
 *   InvalidMessageError;
 * - a device item's body or signature changed (flipped, truncated, extended,
 *   spliced), its `device` swapped for another's or taken out, is refused
 *   unless the text is unchanged;
 * - a create by an author's key or made on a device, carrying no list or a
 *   list drawn from the authors' genuine lists (naming some of the devices),
 *   forged ones and changed ones, decodes exactly when the key named signed
 *   it, and its list (if any) opens as the author's and names the device
 *   that made it; a create made on a device needs one.
 * Whether the device speaks for the author is the fold's, fuzzed in
 * group-device-fold.test.ts.
 * Ed25519 runs on OpenSSL for the keys made here (native-ed25519.ts).
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { signDeviceList } from '../../src/devices/list.ts'
import { decodeGroupMessage, signGroupMessage } from '../../src/group/message.ts'
import { decodeGroupOp, signGroupOp } from '../../src/group/op.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { bodyOf, signBody as signListBody } from '../devices/helpers.ts'
import { changeArb, frameArb, hex32, hex64, headArb, makePeople } from './group-arbs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { DeviceListFields, SignedDeviceList } from '../../src/devices/list.ts'
import type { GroupMessage } from '../../src/group/message.ts'
import type { GroupOp, SignedGroupOp } from '../../src/group/op.ts'
import type { Person } from './group-arbs.ts'

vi.mock('@noble/curves/ed25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/ed25519.js')>()
  const { nativeEd25519 } = await import('./native-ed25519.ts')
  return { ...real, ed25519: nativeEd25519(real.ed25519) }
})

const INVALID = ['InvalidMessageError']
/** People 0–3 are authors (accounts), 4–9 devices or strangers; changes name people 0–11. */
const people = makePeople(12)
const person = (i: number): Person => people[i] as Person
const authors = people.slice(0, 4)
/** Someone never named anywhere: a signer whose key nothing checks. */
const stranger = makePeople(1)[0] as Person
const utf8 = new TextDecoder()

/** What goes in `device`: nothing, someone (the author too), or a text that is not a PeerID in its one form. */
const deviceArb = (author: Person): fc.Arbitrary<string | undefined> => fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 5, arbitrary: fc.constantFrom(...people.map(p => p.peer)) },
  { weight: 1, arbitrary: fc.constant(author.peer) },
  { weight: 1, arbitrary: fc.constantFrom('', 'phone', author.other[0], author.other[1], person(5).other[0], `${person(5).peer}1`, person(5).peer.slice(1)) }
)
/** Who signs: the author, the one named as device, or a stranger. */
const signerArb = fc.constantFrom('author' as const, 'device' as const, 'stranger' as const)

/** Whether an item of `author` naming `device`, signed by `signer`, decodes (a create made on a device without its list never does: createCase). */
function expectedOk (author: Person, device: string | undefined, signer: 'author' | 'device' | 'stranger', create = false): boolean {
  if (device === undefined) return signer === 'author'
  return !create && device !== author.peer && people.some(p => p.peer === device) && signer === 'device'
}

function secretOf (author: Person, device: string | undefined, signer: 'author' | 'device' | 'stranger'): Uint8Array {
  if (signer === 'author') return author.secret
  const named = people.find(p => p.peer === device)
  if (signer === 'device' && named !== undefined) return named.secret
  return stranger.secret
}

const opCase = fc.constantFrom(...authors).chain(author => fc.tuple(
  fc.constant(author), changeArb(people, author, false, 6), deviceArb(author), signerArb
)).chain(([author, change, device, signer]) => fc.tuple(fc.constant(author), fc.constant(change), headArb(change.kind === 'create', false), fc.constant(device), fc.constant(signer)))

const messageCase = fc.tuple(fc.constantFrom(...authors), hex32, fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.uniqueArray(hex64, { minLength: 1, maxLength: 4 }), frameArb)
  .chain(([author, group, lamport, ops, frame]) => fc.tuple(fc.constant({ author, group, lamport, ops, frame }), deviceArb(author), signerArb))

/** Decoding again from the wire form gives the same value. */
function roundTrips<T extends { signed: SignedGroupOp }> (decode: (value: unknown) => T, value: T): void {
  expectEqual(decode(JSON.parse(JSON.stringify(value.signed))), value)
}

/** 64 valid device operations and messages: author i % 4, device 4 + i % 6. */
const pool = Array.from({ length: 64 }, (_, i) => {
  const author = person(i % 4)
  const device = person(4 + (i % 6))
  const op = signGroupOp({ kind: 'rename', name: `Group ${i}` }, { group: 'ab'.repeat(16), author: author.peer, device: device.peer, lamport: 2 + i, deps: ['cd'.repeat(32)], at: 1_764_424_800_000 + i }, device.secret)
  const message = signGroupMessage({ group: 'ab'.repeat(16), author: author.peer, device: device.peer, lamport: 1 + i, ops: ['cd'.repeat(32)] }, { type: 'message', id: '01JDQ3ZK5X8M7WQ4F0T9V2B6NC', text: `hi ${i}`, sentAt: 1_764_424_800_000 }, device.secret)
  return { op, message }
})

const changeText = (text: string, ms: Parameters<typeof mutate>[1]): string => utf8.decode(mutate(Buffer.from(text, 'latin1'), ms))

/** A changed body or signature decodes only when it is the same text; true when it was refused. */
function mutatedRefused<T extends { signed: SignedGroupOp }> (decode: (value: unknown) => T, original: T, signed: SignedGroupOp): boolean {
  const result = typed(() => decode(signed), INVALID)
  const same = signed.body === original.signed.body && signed.sig === original.signed.sig
  expectSame(result.ok, same)
  return !result.ok
}

describe('group items made on a linked device (fuzz)', () => {
  it('an operation decodes exactly when the key that signed it is the one its `device` (or, without one, its author) names', () => {
    fc.assert(fc.property(opCase, ([author, change, head, device, signer]) => {
      const result = typed(() => signGroupOp(change, { ...head, author: author.peer, ...(device === undefined ? {} : { device }) }, secretOf(author, device, signer)), INVALID)
      expectSame(result.ok, expectedOk(author, device, signer, change.kind === 'create'))
      if (!result.ok) return
      expectSame(result.value.author, author.peer)
      expectSame(result.value.device, device)
      roundTrips(decodeGroupOp, result.value)
    }), FUZZ_PARAMS)
  })

  it('a message decodes exactly when the key that signed it is the one its `device` (or, without one, its author) names', () => {
    fc.assert(fc.property(messageCase, ([{ author, group, lamport, ops, frame }, device, signer]) => {
      const head = { group, author: author.peer, lamport, ops, ...(device === undefined ? {} : { device }) }
      const result = typed(() => signGroupMessage(head, frame, secretOf(author, device, signer)), INVALID)
      expectSame(result.ok, expectedOk(author, device, signer))
      if (!result.ok) return
      expectSame(result.value.device, device)
      roundTrips(decodeGroupMessage, result.value)
    }), FUZZ_PARAMS)
  })

  it('a create decodes exactly when its list, needed when a device made it, opens as the author\'s and names that device', () => {
    const devices = people.slice(4, 8)
    const fields = (account: Person, mask: number): DeviceListFields => ({
      account: account.peer,
      version: 1 + mask,
      at: 1_764_424_800_000,
      devices: [account, ...devices.filter((_, d) => (mask & (1 << d)) !== 0)].map((d, n) => ({ peer: d.peer, name: `D${n}`, added: n }))
    })
    /** Lists: each author's with each set of devices (genuine), Alice's body signed by Bob (forged), a genuine one changed after signing. */
    const lists: Array<{ signed: SignedDeviceList, owner: string | undefined, peers: string[] }> = [
      ...authors.flatMap(author => [0, 1, 5, 10, 15].map(mask => ({ signed: signDeviceList(author.secret, fields(author, mask)).signed, owner: author.peer, peers: fields(author, mask).devices.map(d => d.peer) }))),
      { signed: signListBody(bodyOf(fields(person(0), 15)), person(1)), owner: undefined, peers: [] },
      { signed: { body: bodyOf(fields(person(0), 3)), sig: signDeviceList(person(0).secret, fields(person(0), 15)).signed.sig }, owner: undefined, peers: [] }
    ]
    const members = (author: Person): Array<{ peer: string, name: string }> => [{ peer: author.peer, name: 'A' }, { peer: person(11).peer, name: 'B' }]
    const createCase = fc.tuple(fc.constantFrom(...authors), fc.option(fc.nat({ max: devices.length - 1 }), { nil: undefined }), fc.option(fc.nat({ max: lists.length - 1 }), { nil: undefined }), signerArb)
    fc.assert(fc.property(createCase, ([author, d, l, signer]) => {
      const device = d === undefined ? undefined : devices[d]?.peer
      const list = l === undefined ? undefined : lists[l]
      const change = { kind: 'create' as const, name: 'Group', members: members(author), ...(list === undefined ? {} : { list: list.signed }) }
      const head = { author: author.peer, lamport: 1, deps: [], at: 1_764_424_800_000, ...(device === undefined ? {} : { device }) }
      const result = typed(() => signGroupOp(change, head, secretOf(author, device, signer)), INVALID)
      const listOk = list === undefined ? device === undefined : list.owner === author.peer && (device === undefined || list.peers.includes(device))
      expectSame(result.ok, expectedOk(author, device, signer) && listOk)
      if (result.ok) roundTrips(decodeGroupOp, result.value)
    }), FUZZ_PARAMS)
  })

  it('a device item changed, its device swapped for another or taken out, is refused unless unchanged', () => {
    const how = fc.constantFrom('body' as const, 'sig' as const, 'swap' as const, 'strip' as const)
    let refused = 0
    fc.assert(fc.property(fc.nat({ max: pool.length - 1 }), fc.boolean(), how, mutationArb, fc.nat({ max: people.length - 1 }), (i, asMessage, kind, ms, other) => {
      const item = pool[i] as { op: GroupOp, message: GroupMessage }
      const original = asMessage ? item.message : item.op
      const { body, sig } = original.signed
      const device = original.device ?? ''
      const signed = kind === 'body'
        ? { body: changeText(body, ms), sig }
        : kind === 'sig'
          ? { body, sig: changeText(sig, ms) }
          : kind === 'swap'
            ? { body: body.replace(device, person(other).peer), sig }
            : { body: body.replace(`"device":${JSON.stringify(device)},`, ''), sig }
      if (asMessage ? mutatedRefused(decodeGroupMessage, item.message, signed) : mutatedRefused(decodeGroupOp, item.op, signed)) refused++
    }), FUZZ_PARAMS)
    // most changes change the text (a swap for the same device, a flip undone by another, do not)
    expect(refused).toBeGreaterThan(FUZZ_PARAMS.numRuns * 0.8)
  })
})
