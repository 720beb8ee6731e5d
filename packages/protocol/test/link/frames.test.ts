/** `/parley/link/1.0.0` frames (src/link/frames.ts): round trips and every refusal, each side's reader. */
import { describe, expect, it } from 'vitest'
import { InvalidMessageError } from '@libp2p/interface'
import { toBase64Url } from '../../src/base64.ts'
import { MAX_LINK_FRAME_BYTES, MAX_LINK_LIST_BYTES, MAX_LINK_STATE_BYTES } from '../../src/link/constants.ts'
import { LINK_CANCEL_REASONS } from '../../src/link/errors.ts'
import { decodeFrameFromDevice, decodeFrameFromExisting, encodeFrameFromDevice, encodeFrameFromExisting } from '../../src/link/frames.ts'
import type { FrameFromDevice, FrameFromExisting } from '../../src/link/frames.ts'
import { ACCOUNT, json, utf8 } from './helpers.ts'

/** base64url's alphabet: the next digit differs from one ending in binary 00 in an unused low bit only. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const N16 = toBase64Url(new Uint8Array(16).fill(1))
const P32 = toBase64Url(new Uint8Array(32).fill(2))
const helloA = { type: 'hello', v: 1, account: ACCOUNT, name: 'Alice', nonce: N16, proof: P32 }
const helloN = { type: 'hello', nonce: N16, proof: P32 }
const state = { id: '01JDZQ3W7T8N6V5X4B2C1K0M9P', size: 1000, chunkSize: 524_288, sha256: 'a'.repeat(64), listHash: 'b'.repeat(64) }
const granted = { type: 'granted', list: { body: '{"v":1}', sig: 'c2ln' }, state }

function refusedFromExisting (value: unknown): string {
  return refused(() => decodeFrameFromExisting(value instanceof Uint8Array ? value : json(value)))
}
function refusedFromDevice (value: unknown): string {
  return refused(() => decodeFrameFromDevice(value instanceof Uint8Array ? value : json(value)))
}
function refused (decode: () => unknown): string {
  try {
    decode()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError)
    return (err as Error).message
  }
  throw new Error('decoded')
}

describe('link frames', () => {
  it('round-trip, each side\'s', () => {
    const fromA: FrameFromExisting[] = [
      { type: 'hello', v: 1, account: ACCOUNT, name: '', nonce: new Uint8Array(16), proof: new Uint8Array(32).fill(9) },
      { type: 'hello', v: 1, account: ACCOUNT, name: 'Ä'.repeat(64), nonce: new Uint8Array(16), proof: new Uint8Array(32) },
      { type: 'granted', list: granted.list, state },
      ...LINK_CANCEL_REASONS.map(reason => ({ type: 'cancel' as const, reason }))
    ]
    for (const frame of fromA) expect(decodeFrameFromExisting(encodeFrameFromExisting(frame))).toEqual(frame)
    const fromN: FrameFromDevice[] = [{ type: 'hello', nonce: new Uint8Array(16).fill(3), proof: new Uint8Array(32) }, { type: 'done' }, { type: 'cancel', reason: 'declined' }]
    for (const frame of fromN) expect(decodeFrameFromDevice(encodeFrameFromDevice(frame))).toEqual(frame)
  })

  it('a side reads only the other side\'s frames', () => {
    expect(refusedFromDevice(granted)).toMatch(/"type"/)
    expect(refusedFromExisting({ type: 'done' })).toMatch(/"type"/)
    expect(refusedFromDevice(helloA)).toMatch(/only type, nonce, proof/)
    expect(refusedFromExisting(helloN)).toMatch(/only|"v"/)
  })

  it.each([
    ['an unknown field', { ...helloA, extra: 1 }, /only/],
    ['version 2', { ...helloA, v: 2 }, /"v"/],
    ['a CID account', { ...helloA, account: `bafz${'a'.repeat(48)}` }, /"account"/],
    ['a name of 65 characters', { ...helloA, name: 'x'.repeat(65) }, /"name"/],
    ['a name with a control character', { ...helloA, name: 'a\u0007b' }, /"name"/],
    ['a name with a lone surrogate', { ...helloA, name: 'a\uD800' }, /"name"/],
    ['a 15-byte nonce', { ...helloA, nonce: toBase64Url(new Uint8Array(15)) }, /"nonce"/],
    ['a padded nonce', { ...helloA, nonce: `${N16}==` }, /"nonce"/],
    ['a 31-byte proof', { ...helloA, proof: toBase64Url(new Uint8Array(31)) }, /"proof"/],
    ['no proof', { type: 'hello', v: 1, account: ACCOUNT, name: '', nonce: N16 }, /"proof"/],
    ['a list with another field', { ...granted, list: { ...granted.list, v: 1 } }, /"list"/],
    ['an empty list body', { ...granted, list: { body: '', sig: 'x' } }, /"list.body"/],
    ['a list as text', { ...granted, list: '{"body":"a","sig":"b"}' }, /"list"/],
    ['a list over the limit', { ...granted, list: { body: 'x'.repeat(MAX_LINK_LIST_BYTES - 20), sig: 'y' } }, /at most 4096/],
    ['a state without listHash', { ...granted, state: { ...state, listHash: undefined } }, /"state.listHash"/],
    ['a state with a key', { ...granted, state: { ...state, key: 'x' } }, /"state" has only/],
    ['an empty state', { ...granted, state: { ...state, size: 0 } }, /"state.size"/],
    ['a state over the limit', { ...granted, state: { ...state, size: MAX_LINK_STATE_BYTES + 1 } }, /"state.size"/],
    ['a chunk size not a power of two', { ...granted, state: { ...state, chunkSize: 600_000 } }, /chunkSize/],
    ['an uppercase sha256', { ...granted, state: { ...state, sha256: 'A'.repeat(64) } }, /"state.sha256"/],
    ['a transfer id not a ULID', { ...granted, state: { ...state, id: 'x'.repeat(26) } }, /"state.id"/],
    ['an unknown cancel reason', { type: 'cancel', reason: 'nope' }, /"reason"/],
    ['a cancel with a message', { type: 'cancel', reason: 'declined', message: 'no' }, /only/]
  ])('A\'s reader refuses %s', (_, frame, message) => {
    expect(refusedFromExisting(frame)).toMatch(message)
  })

  it.each([
    ['a done with a field', { type: 'done', state: 1 }, /only/],
    ['a hello with an account', { ...helloN, account: ACCOUNT }, /only/],
    ['a nonce in standard base64', { ...helloN, nonce: btoa(String.fromCharCode(...new Uint8Array(16).fill(0xfb))) }, /"nonce"/],
    ['a proof in another form of the same bytes', { ...helloN, proof: `${P32.slice(0, 42)}${ALPHABET[ALPHABET.indexOf(P32[42] ?? '') + 1] ?? ''}` }, /"proof"/]
  ])('the new device\'s reader refuses %s', (_, frame, message) => {
    expect(refusedFromDevice(frame)).toMatch(message)
  })

  it('refuses truncated frames, non-objects and bytes that are not UTF-8 JSON', () => {
    const whole = encodeFrameFromExisting({ type: 'cancel', reason: 'declined' })
    for (let cut = 0; cut < whole.byteLength; cut++) expect(refusedFromExisting(whole.subarray(0, cut))).toMatch(/Invalid link frame/)
    expect(refusedFromDevice(utf8('[]'))).toMatch(/not an object/)
    expect(refusedFromDevice(Uint8Array.of(0x7b, 0xc3, 0x7d))).toMatch(/not UTF-8 JSON/)
  })

  it('refuses a frame over the limit by its size, before parsing', () => {
    const big = new Uint8Array(MAX_LINK_FRAME_BYTES + 1).fill(0x20)
    expect(refusedFromExisting(big)).toMatch(/over the limit/)
    expect(refusedFromDevice(big)).toMatch(/over the limit/)
  })

  it('will not write a frame its reader refuses', () => {
    expect(() => encodeFrameFromExisting({ type: 'hello', v: 1, account: ACCOUNT, name: 'x'.repeat(65), nonce: new Uint8Array(16), proof: new Uint8Array(32) })).toThrow(/"name"/)
    expect(() => encodeFrameFromDevice({ type: 'hello', nonce: new Uint8Array(8), proof: new Uint8Array(32) })).toThrow(/"nonce"/)
  })
})
