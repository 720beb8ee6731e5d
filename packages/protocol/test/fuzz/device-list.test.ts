/**
 * Fuzzing of the signed device list (src/devices/list.ts `openDeviceList`,
 * `signDeviceList`, `compareDeviceLists`), which every contact will run on
 * each list it is offered. Contract checked, for 10,000 generated cases per
 * property:
 * - arbitrary bytes and values open or throw DeviceListError only;
 * - mutations of a valid list's bytes (flip, truncate, extend, splice, set)
 *   are refused, or open to exactly what the original said (the signature
 *   covers the body, and the body has one text);
 * - lists made of generated fields (devices 0 to MAX_DEVICES + 1, names
 *   within and beyond their rules, duplicates, a stranger first, versions
 *   out of range), signed by the account or forged by another key, open
 *   exactly when the rules say, and otherwise with the code the rules give
 *   first; what opens is what was signed;
 * - a list of one account offered where another is asked for is refused
 *   ('wrong-account');
 * - offered against a held list of the same account, a list is taken only
 *   when its version is greater; the same version with another body is a
 *   'conflict', with the same body 'same', a lower one 'older';
 * - padded past MAX_DEVICE_LIST_BODY_BYTES or MAX_DEVICE_LIST_BYTES, however
 *   validly signed, a list is refused by its size.
 * Ed25519 runs on OpenSSL for the keys made here (native-ed25519.ts); the
 * last test replays a sample with noble and gets the same results.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, it, vi } from 'vitest'
import { MAX_DEVICE_LIST_BODY_BYTES, MAX_DEVICE_LIST_BYTES, MAX_DEVICE_NAME_CHARS, MAX_DEVICES } from '../../src/devices/constants.ts'
import { compareDeviceLists, openDeviceList, signDeviceList } from '../../src/devices/list.ts'
import { bodyOf, bytesOfList, fieldsOf, makeAccounts, NOW, signBody, utf8 } from '../devices/helpers.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { native } from './native-ed25519.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { DeviceList, DeviceListFields, SignedDeviceList } from '../../src/devices/list.ts'
import type { Account } from '../devices/helpers.ts'

vi.mock('@noble/curves/ed25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/ed25519.js')>()
  const { nativeEd25519 } = await import('./native-ed25519.ts')
  return { ...real, ed25519: nativeEd25519(real.ed25519) }
})

const ALLOWED = ['DeviceListError']
const accounts = makeAccounts(12)
const [alice, bob] = accounts as [Account, Account, ...Account[]]
/** Lists of Alice's, signed once, the mutation property's originals. */
const valid: DeviceList[] = Array.from({ length: MAX_DEVICES }, (_, n) => signDeviceList(alice.secret, fieldsOf(alice, accounts.slice(2, 2 + n), NOW + n)))

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** What opening gives: the list's fields, or the refusal's code. */
function outcome (value: unknown, account?: string): { ok: true, list: DeviceList } | { ok: false, code: string } {
  const result = typed(() => openDeviceList(value, account === undefined ? {} : { account }), ALLOWED)
  return result.ok ? { ok: true, list: result.value } : { ok: false, code: (result.error as Error & { code: string }).code }
}

const nameOk = (name: string): boolean => name.length <= MAX_DEVICE_NAME_CHARS && name.trim() === name && !CONTROL.test(name) && !LONE_SURROGATE.test(name)
const intOk = (n: number, min: number): boolean => Number.isSafeInteger(n) && n >= min

/** The code the rules give first to fields signed by `signer` (docs/protocols.md's order), or undefined when they open. */
function expected (fields: DeviceListFields, signer: Account): string | undefined {
  if (utf8(bodyOf(fields)).byteLength > MAX_DEVICE_LIST_BODY_BYTES) return 'too-large'
  if (signer !== alice) return 'bad-signature'
  if (!intOk(fields.version, 1) || !intOk(fields.at, 0)) return 'malformed'
  if (fields.devices.length === 0) return 'malformed'
  if (fields.devices.length > MAX_DEVICES) return 'too-many-devices'
  if (fields.devices.some(d => !nameOk(d.name) || !intOk(d.added, 0))) return 'malformed'
  if (fields.devices[0]?.peer !== alice.peer) return 'holder-not-first'
  if (new Set(fields.devices.map(d => d.peer)).size !== fields.devices.length) return 'duplicate'
  return undefined
}

const nameArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: MAX_DEVICE_NAME_CHARS }).map(s => s.trim()) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 70 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' lead', 'trail ', 'x'.repeat(MAX_DEVICE_NAME_CHARS + 1), 'a\u0000b', '\u0085', '\ud800', 'ok "q" \\') }
)
const timeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 * NOW }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1, Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5) }
)
const fieldsArb: fc.Arbitrary<[DeviceListFields, Account]> = fc.record({
  others: fc.array(fc.integer({ min: 0, max: accounts.length - 1 }), { maxLength: MAX_DEVICES + 1 }),
  stranger: fc.boolean(),
  empty: fc.boolean(),
  names: fc.array(nameArb, { minLength: MAX_DEVICES + 2, maxLength: MAX_DEVICES + 2 }),
  added: fc.array(timeArb, { minLength: MAX_DEVICES + 2, maxLength: MAX_DEVICES + 2 }),
  version: timeArb,
  at: timeArb,
  forged: fc.integer({ min: 0, max: 9 })
}).map(c => {
  const first = c.stranger ? bob : alice
  const peers = c.empty ? [] : [first, ...c.others.map(i => accounts[i] ?? alice)]
  const fields: DeviceListFields = {
    account: alice.peer,
    version: c.version,
    at: c.at,
    devices: peers.map((d, i) => ({ peer: d.peer, name: c.names[i] ?? '', added: c.added[i] ?? 0 }))
  }
  return [fields, c.forged === 0 ? bob : alice]
})

describe('fuzz: device list', () => {
  it('arbitrary bytes and values open or throw DeviceListError only', () => {
    fc.assert(fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.jsonValue(),
      fc.record({ body: fc.string(), sig: fc.string() }),
      fc.record({ body: fc.json(), sig: fc.base64String({ minLength: 86, maxLength: 88 }) })
    ), (value) => {
      const result = outcome(value)
      expectSame(result.ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutations of a valid list are refused, or open to what it said', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: valid.length - 1 }), mutationArb, (n, mutations) => {
      const original = valid[n] as DeviceList
      const result = outcome(mutate(bytesOfList(original.signed), mutations))
      expectEqual(result.ok ? result.list : original, original)
    }), FUZZ_PARAMS)
  })

  it('generated lists, signed or forged, open exactly when the rules say, with the first code they give', () => {
    fc.assert(fc.property(fieldsArb, ([fields, signer]) => {
      const signed = signBody(bodyOf(fields), signer)
      const result = outcome(signed)
      const code = expected(fields, signer)
      expectEqual(result, code === undefined ? { ok: true, list: { ...fields, signed } } : { ok: false, code })
      // the code signs exactly what it opens (and refuses to sign the rest)
      const made = typed(() => signDeviceList(alice.secret, fields).signed.body, ALLOWED)
      expectSame(made.ok ? made.value : undefined, expected(fields, alice) === undefined ? bodyOf(fields) : undefined)
    }), FUZZ_PARAMS)
  })

  it('a list of another account is refused where one account is asked for', () => {
    const lists = accounts.map(owner => signDeviceList(owner.secret, fieldsOf(owner)))
    fc.assert(fc.property(fc.integer({ min: 0, max: accounts.length - 1 }), fc.integer({ min: 0, max: accounts.length - 1 }), (a, b) => {
      const asked = accounts[b] as Account
      const result = outcome(lists[a]?.signed, asked.peer)
      expectSame(result.ok ? 'opened' : result.code, a === b ? 'opened' : 'wrong-account')
    }), FUZZ_PARAMS)
  })

  it('an offered list is taken only when its version is greater than the held one\'s; the same version with another body is a conflict', () => {
    // versions 1 to 6, each with three bodies (0 to 2 other devices), signed once
    const lists = Array.from({ length: 18 }, (_, i) => signDeviceList(alice.secret, fieldsOf(alice, accounts.slice(2, 2 + i % 3), 1 + Math.floor(i / 3))))
    const listArb = fc.constantFrom(...lists)
    fc.assert(fc.property(fc.option(listArb, { nil: undefined }), listArb, (held, offered) => {
      const result = typed(() => compareDeviceLists(held, offered), ALLOWED)
      const verdict = result.ok ? result.value : (result.error as Error & { code: string }).code
      const rule = held === undefined || offered.version > held.version
        ? 'newer'
        : offered.version < held.version ? 'older' : offered.signed.body === held.signed.body ? 'same' : 'conflict'
      expectSame(verdict, rule)
    }), FUZZ_PARAMS)
  })

  it('a list padded past either size limit is refused by its size, however validly signed', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 * MAX_DEVICE_LIST_BYTES }), fc.boolean(), (extra, inBody) => {
      const body = bodyOf(fieldsOf(alice))
      let value: unknown
      let over: boolean
      if (inBody) {
        const padded = body.replace('"v":1,', `"v":1,"pad":"${'x'.repeat(extra)}",`)
        over = utf8(padded).byteLength > MAX_DEVICE_LIST_BODY_BYTES
        value = signBody(padded, alice)
      } else {
        const whole = utf8(`${JSON.stringify(signBody(body, alice)).slice(0, -1)},"pad":"${'x'.repeat(extra)}"}`)
        over = whole.byteLength > MAX_DEVICE_LIST_BYTES
        value = whole
      }
      const result = outcome(value)
      expectSame(result.ok ? 'opened' : result.code, over ? 'too-large' : 'malformed')
    }), FUZZ_PARAMS)
  })

  it('noble, in place of the stand-in, gives the same results on a sample', () => {
    native.on = false
    try {
      const cases = fc.sample(fieldsArb, { numRuns: 100, seed: FUZZ_PARAMS.seed })
      for (const [fields, signer] of cases) {
        const signed: SignedDeviceList = signBody(bodyOf(fields), signer)
        const result = outcome(signed)
        expectSame(result.ok ? undefined : result.code, expected(fields, signer))
      }
    } finally {
      native.on = true
    }
  })
})
