/** The link QR code's text (src/link/qr.ts): what it reads and every refusal. */
import { describe, expect, it } from 'vitest'
import { toBase64Url } from '../../src/base64.ts'
import { LINK_QR_PREFIX, MAX_LINK_ADDRESS_CHARS, MAX_LINK_ADDRESSES, MAX_LINK_QR_CHARS } from '../../src/link/constants.ts'
import { encodeLinkQr, newLinkQr, parseLinkQr } from '../../src/link/qr.ts'
import { isLinkError } from '../../src/link/errors.ts'
import { circuitOf, countingRandom, DEVICE, qrOf, STRANGER, utf8 } from './helpers.ts'

const K = toBase64Url(new Uint8Array(16).fill(7))
const textOf = (value: unknown): string => `${LINK_QR_PREFIX}${toBase64Url(utf8(JSON.stringify(value)))}`
const good = { v: 1, id: DEVICE, k: K, a: [circuitOf(DEVICE)] }

/** The detail of the `bad-qr` error parsing `text` throws (the test fails when it parses). */
function refusal (text: string): string {
  try {
    parseLinkQr(text)
  } catch (err) {
    if (!isLinkError(err)) throw err
    expect(err.code).toBe('bad-qr')
    return err.detail
  }
  throw new Error(`parsed: ${text}`)
}

describe('link QR code', () => {
  it('round-trips, and reads what it wrote with white space around it', () => {
    const qr = qrOf()
    const text = encodeLinkQr(qr)
    expect(text.startsWith('parley-link:')).toBe(true)
    expect(parseLinkQr(text)).toEqual(qr)
    expect(parseLinkQr(`  ${text}\n`)).toEqual(qr)
    expect(parseLinkQr(textOf(good))).toEqual(qr)
  })

  it('takes no address, and up to four', () => {
    expect(parseLinkQr(textOf({ ...good, a: [] })).addresses).toEqual([])
    const four = ['a', 'b', 'c', 'd'].map(h => circuitOf(DEVICE, `${h}.example`))
    expect(parseLinkQr(textOf({ ...good, a: four })).addresses).toEqual(four)
  })

  it('makes a fresh secret for each new code', () => {
    const random = countingRandom()
    const first = newLinkQr(DEVICE, [circuitOf(DEVICE)], random)
    const second = newLinkQr(DEVICE, [circuitOf(DEVICE)], random)
    expect(first.secret).toHaveLength(16)
    expect(first.secret).not.toEqual(second.secret)
  })

  it.each([
    ['another prefix', `parley-lnk:${toBase64Url(utf8(JSON.stringify(good)))}`, 'does not start'],
    ['padding', `${textOf(good)}==`, 'base64url'],
    ['standard base64', `${LINK_QR_PREFIX}${btoa(JSON.stringify(good))}`, 'base64url'],
    ['not JSON', `${LINK_QR_PREFIX}${toBase64Url(utf8('{"v":1'))}`, 'JSON'],
    ['not UTF-8', `${LINK_QR_PREFIX}${toBase64Url(Uint8Array.of(0x7b, 0xff, 0x7d))}`, 'UTF-8'],
    ['a list', textOf([good]), 'object'],
    ['an unknown field', textOf({ ...good, t: 1 }), 'unknown'],
    ['version 2', textOf({ ...good, v: 2 }), '"v"'],
    ['no version', textOf({ id: good.id, k: good.k, a: good.a }), '"v"'],
    ['a CID PeerID', textOf({ ...good, id: 'bafzaajaiaejcb' + 'a'.repeat(39) }), '"id"'],
    ['an RSA-length PeerID', textOf({ ...good, id: `Qm${'a'.repeat(44)}` }), '"id"'],
    ['a 15-byte secret', textOf({ ...good, k: toBase64Url(new Uint8Array(15)) }), '"k"'],
    ['a 17-byte secret', textOf({ ...good, k: toBase64Url(new Uint8Array(17)) }), '"k"'],
    ['a secret in another form of the same bytes', textOf({ ...good, k: `${K.slice(0, 21)}${String.fromCharCode(K.charCodeAt(21) + 1)}` }), '"k"'],
    ['no addresses', textOf({ v: 1, id: good.id, k: good.k }), '"a"'],
    ['five addresses', textOf({ ...good, a: ['a', 'b', 'c', 'd', 'e'].map(h => circuitOf(DEVICE, `${h}.example`)) }), `at most ${MAX_LINK_ADDRESSES}`],
    ['an address twice', textOf({ ...good, a: [circuitOf(DEVICE), circuitOf(DEVICE)] }), 'twice'],
    ['an address of another peer', textOf({ ...good, a: [circuitOf(STRANGER)] }), 'circuit'],
    ['an address not through a relay', textOf({ ...good, a: [`/dns4/x.example/tcp/443/wss/p2p/${DEVICE}`] }), 'circuit'],
    ['an address that does not parse', textOf({ ...good, a: [`/dns9/x/p2p-circuit/p2p/${DEVICE}`] }), 'circuit'],
    ['an address not in its canonical form', textOf({ ...good, a: [circuitOf(DEVICE).replace('/tcp/443', '/tcp/0443')] }), 'circuit'],
    ['an address over the limit', textOf({ ...good, a: [`/dns4/${'x'.repeat(MAX_LINK_ADDRESS_CHARS)}.example/tcp/443/wss/p2p/${DEVICE}/p2p-circuit/p2p/${DEVICE}`] }), 'circuit'],
    ['a number for an address', textOf({ ...good, a: [1] }), 'circuit']
  ])('refuses %s', (_, text, detail) => {
    expect(refusal(text)).toContain(detail)
  })

  it('refuses text over the limit before decoding it', () => {
    expect(refusal(`${LINK_QR_PREFIX}${'A'.repeat(MAX_LINK_QR_CHARS)}`)).toContain(`over ${MAX_LINK_QR_CHARS}`)
    expect(refusal(' '.repeat(MAX_LINK_QR_CHARS * 4))).toContain(`over ${MAX_LINK_QR_CHARS}`)
  })

  it('will not write a code it would refuse to read', () => {
    expect(() => encodeLinkQr({ ...qrOf(), secret: new Uint8Array(8) })).toThrow(/secret/)
    expect(() => encodeLinkQr({ ...qrOf(), addresses: [circuitOf(STRANGER)] })).toThrow(/circuit/)
    expect(() => newLinkQr('not a peer', [])).toThrow(/PeerID/)
  })
})
