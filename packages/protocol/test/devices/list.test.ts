/**
 * The signed device list (src/devices/list.ts; docs/protocols.md, "Linked
 * devices: the device list"): what signs and opens, each refusal with its
 * code, the limits at and past their edge, and the rule for an offered list
 * against the held one. Noble signs and verifies here (no stand-in).
 */
import { describe, expect, it } from 'vitest'
import {
  DEVICE_LIST_SIGN_CONTEXT, MAX_DEVICE_LIST_BODY_BYTES, MAX_DEVICE_LIST_BYTES, MAX_DEVICE_NAME_CHARS, MAX_DEVICES
} from '../../src/devices/constants.ts'
import {
  compareDeviceLists, deviceListBody, deviceNameProblem, nextDeviceListVersion, openDeviceList, signDeviceList
} from '../../src/devices/list.ts'
import { bodyOf, bytesOfList, fieldsOf, makeAccounts, NOW, signBody, utf8 } from './helpers.ts'
import type { DeviceListFields, SignedDeviceList } from '../../src/devices/list.ts'

const [alice, bob, ...phones] = makeAccounts(10)
if (alice === undefined || bob === undefined) throw new Error('no accounts')

/** What opening `value` throws, as its code (or 'opened'). */
function codeOf (value: unknown, account?: string): string {
  try {
    openDeviceList(value, account === undefined ? {} : { account })
    return 'opened'
  } catch (err) {
    if ((err as Error).name !== 'DeviceListError') throw err
    return (err as { code: string }).code
  }
}

/** Fields signed by `by` as they are, whatever the rules say (the test's own body text). */
const signedAs = (fields: DeviceListFields, by = alice): SignedDeviceList => signBody(bodyOf(fields), by)

describe('device list', () => {
  it('signs and opens: the fields it was made of, from the object or its JSON bytes, and its body is the one text', () => {
    const fields = fieldsOf(alice, phones.slice(0, 2))
    const list = signDeviceList(alice.secret, fields)
    expect(list).toEqual({ ...fields, signed: list.signed })
    expect(list.signed.body).toBe(bodyOf(fields))
    expect(list.signed.body).toBe(deviceListBody(fields))
    expect(list.signed.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    expect(openDeviceList(list.signed, { account: alice.peer })).toEqual(list)
    expect(openDeviceList(bytesOfList(list.signed))).toEqual(list)
    // the signature covers the context, then the body
    expect(Buffer.from(list.signed.sig, 'base64url')).toHaveLength(64)
    expect(codeOf(signBody(list.signed.body, alice))).toBe('opened')
    expect(DEVICE_LIST_SIGN_CONTEXT).toBe('parley/devices/v1\n')
  })

  it('refuses a forged list (signed by another key), another account\'s when one is asked for, and signing with a key not the account\'s', () => {
    const fields = fieldsOf(alice)
    expect(codeOf(signedAs(fields, bob))).toBe('bad-signature')
    const bobs = signDeviceList(bob.secret, fieldsOf(bob))
    expect(codeOf(bobs.signed, alice.peer)).toBe('wrong-account')
    expect(codeOf(bobs.signed, bob.peer)).toBe('opened')
    expect(() => signDeviceList(bob.secret, fields)).toThrow(expect.objectContaining({ code: 'wrong-account' }))
    // the signature over the body alone (no context) is not the list's
    const bare = { body: bodyOf(fields), sig: Buffer.from(signBody('', alice).sig, 'base64url').toString('base64url') }
    expect(codeOf(bare)).toBe('bad-signature')
  })

  it('holds its limits: MAX_DEVICES devices, one of each, the account first', () => {
    const most = fieldsOf(alice, phones.slice(0, MAX_DEVICES - 1))
    expect(codeOf(signedAs(most))).toBe('opened')
    expect(codeOf(signedAs(fieldsOf(alice, phones.slice(0, MAX_DEVICES))))).toBe('too-many-devices')
    expect(() => signDeviceList(alice.secret, fieldsOf(alice, phones.slice(0, MAX_DEVICES)))).toThrow(expect.objectContaining({ code: 'too-many-devices' }))
    const twice = fieldsOf(alice, [phones[0] ?? bob, phones[0] ?? bob])
    expect(codeOf(signedAs(twice))).toBe('duplicate')
    const ownTwice = fieldsOf(alice, [alice])
    expect(codeOf(signedAs(ownTwice))).toBe('duplicate')
    const strangerFirst = { ...fieldsOf(alice), devices: fieldsOf(bob).devices }
    expect(codeOf(signedAs(strangerFirst))).toBe('holder-not-first')
    expect(codeOf(signedAs({ ...fieldsOf(alice), devices: [] }))).toBe('malformed')
  })

  it('takes names of 0 to 64 characters, trimmed, without controls or unpaired surrogates', () => {
    const named = (name: string): DeviceListFields => {
      const fields = fieldsOf(alice)
      return { ...fields, devices: [{ ...fields.devices[0] ?? { peer: alice.peer, added: 1 }, name }] }
    }
    for (const name of ['', 'x'.repeat(MAX_DEVICE_NAME_CHARS), 'Ноутбук 💻', 'a "quoted" \\ name']) {
      expect(deviceNameProblem(name)).toBeUndefined()
      expect(codeOf(signedAs(named(name)))).toBe('opened')
    }
    for (const name of ['x'.repeat(MAX_DEVICE_NAME_CHARS + 1), ' padded', 'tab\there', 'nul\u0000', 'c1\u0085', 'lone \ud800', '\udc00']) {
      expect(deviceNameProblem(name)).toBeDefined()
      expect(codeOf(signedAs(named(name)))).toBe('malformed')
    }
  })

  it('refuses what is malformed: unknown fields, another format, versions and times out of range, a body not in its one form, a sig in any other text', () => {
    const fields = fieldsOf(alice)
    const body = bodyOf(fields)
    const cases: Array<[string, string]> = [
      ['unknown body field', body.replace('"v":1,', '"v":1,"x":0,')],
      ['unknown device field', body.replace('"added"', '"extra":1,"added"')],
      ['format 2', body.replace('"v":1', '"v":2')],
      ['version 0', bodyOf({ ...fields, version: 0 })],
      ['version 2^53', body.replace(`"version":${NOW}`, '"version":9007199254740992')],
      ['fractional version', body.replace(`"version":${NOW}`, `"version":${NOW}.5`)],
      ['negative time', bodyOf({ ...fields, at: -1 })],
      ['version as text', body.replace(`"version":${NOW}`, `"version":"${NOW}"`)],
      ['spaces', body.replace('"v":1,', '"v": 1,')],
      ['keys out of order', body.replace(`"version":${NOW},"at":${NOW}`, `"at":${NOW},"version":${NOW}`)],
      ['an escape JSON.stringify does not write', body.replace('Laptop', 'L\\u0061ptop')],
      ['account not a PeerID', body.replaceAll(alice.peer, 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')]
    ]
    for (const [what, text] of cases) expect({ what, code: codeOf(signBody(text, alice)) }).toEqual({ what, code: 'malformed' })
    const good = signBody(body, alice)
    const standard = Buffer.from(good.sig, 'base64url').toString('base64')
    for (const sig of [standard, `${good.sig}==`, good.sig.slice(1), `${good.sig}A`, good.sig.replace(/.$/, (c) => c === 'A' ? 'B' : 'A')]) {
      expect(['malformed', 'bad-signature']).toContain(codeOf({ body, sig }))
    }
    // the last digit's unused low bits: one text per signature
    const last = good.sig.at(-1) ?? 'A'
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A'
    expect(codeOf({ body, sig: good.sig.slice(0, -1) + sibling })).toBe('malformed')
    for (const value of [null, [], 'text', { body }, { body, sig: good.sig, extra: 1 }, { body: 1, sig: good.sig }]) {
      expect(codeOf(value)).toBe('malformed')
    }
    expect(codeOf(utf8('{"body":'))).toBe('malformed')
    expect(codeOf(Uint8Array.of(0xff, 0xfe))).toBe('malformed')
  })

  it('every valid list fits: the largest body is under MAX_DEVICE_LIST_BODY_BYTES and its JSON under MAX_DEVICE_LIST_BYTES; past them it is refused by size', () => {
    const big = (name: string): DeviceListFields => ({
      account: alice.peer,
      version: Number.MAX_SAFE_INTEGER,
      at: Number.MAX_SAFE_INTEGER,
      devices: [alice, ...phones.slice(0, MAX_DEVICES - 1)].map(d => ({ peer: d.peer, name, added: Number.MAX_SAFE_INTEGER }))
    })
    for (const name of ['ж'.repeat(64), '\\'.repeat(64), '"'.repeat(64), '😀'.repeat(32), '\u4e00'.repeat(64)]) {
      const list = signDeviceList(alice.secret, big(name))
      expect(utf8(list.signed.body).byteLength).toBeLessThanOrEqual(MAX_DEVICE_LIST_BODY_BYTES)
      expect(bytesOfList(list.signed).byteLength).toBeLessThanOrEqual(MAX_DEVICE_LIST_BYTES)
    }
    expect(utf8(signDeviceList(alice.secret, big('\u4e00'.repeat(64))).signed.body).byteLength).toBe(1588)
    const fields = fieldsOf(alice)
    const padded = bodyOf(fields).replace('"v":1,', `"v":1,"pad":"${'x'.repeat(MAX_DEVICE_LIST_BODY_BYTES)}",`)
    expect(codeOf(signBody(padded, alice))).toBe('too-large')
    const whole = utf8(JSON.stringify({ ...signBody(bodyOf(fields), alice), pad: 'x'.repeat(MAX_DEVICE_LIST_BYTES) }))
    expect(codeOf(whole)).toBe('too-large')
  })

  it('an offered list is taken only when its version is greater; the same version with another body is a conflict', () => {
    const held = signDeviceList(alice.secret, fieldsOf(alice, [], NOW))
    const newer = signDeviceList(alice.secret, fieldsOf(alice, phones.slice(0, 1), NOW + 1))
    const older = signDeviceList(alice.secret, fieldsOf(alice, phones.slice(0, 1), NOW - 1))
    const rival = signDeviceList(alice.secret, fieldsOf(alice, phones.slice(1, 2), NOW))
    expect(compareDeviceLists(undefined, held)).toBe('newer')
    expect(compareDeviceLists(held, newer)).toBe('newer')
    expect(compareDeviceLists(held, older)).toBe('older')
    expect(compareDeviceLists(held, openDeviceList(held.signed))).toBe('same')
    expect(() => compareDeviceLists(held, rival)).toThrow(expect.objectContaining({ code: 'conflict' }))
    expect(() => compareDeviceLists(held, signDeviceList(bob.secret, fieldsOf(bob, [], NOW + 5)))).toThrow(expect.objectContaining({ code: 'wrong-account' }))
  })

  it('the next version is greater than the last and the time when the clock allows: a holder restored from an older backup still signs a newer list', () => {
    expect(nextDeviceListVersion(0, NOW)).toBe(NOW)
    expect(nextDeviceListVersion(NOW, NOW)).toBe(NOW + 1)
    // the clock stepped back (or a restored holder's clock is behind the list it signed last)
    expect(nextDeviceListVersion(NOW + 60_000, NOW)).toBe(NOW + 60_001)
    expect(nextDeviceListVersion(5, NOW + 0.7)).toBe(NOW)
  })
})
