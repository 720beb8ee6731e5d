/**
 * Push hints (src/push/hint.ts) and the version 2 payload that carries them
 * (src/push/payload.ts): a hint opens only with the key it was sealed to,
 * says the chat it names and nothing else, is one size whatever it names,
 * and a payload is one size whatever it carries.
 */
import { describe, expect, it } from 'vitest'
import { PUSH_HINT_SLOTS, PUSH_PAYLOAD_V2_BYTES } from '../../src/push/constants.ts'
import { HINT_BYTES, HintError, makeNotifyKeyPair, openHint, sealHint } from '../../src/push/hint.ts'
import { importNotifySecret, openHintWeb } from '../../src/push/hint-web.ts'
import { PushPayloadError, decodePushPayload, encodePushPayload, encodePushPayloadV2 } from '../../src/push/payload.ts'

const ALICE = '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ'
const GROUP = '0123456789abcdef0123456789abcdef'
const RELAY = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

describe('push hints', () => {
  it('open with the key they were sealed to, and say the chat', () => {
    const bob = makeNotifyKeyPair()
    for (const hint of [{ kind: 'contact' as const, chat: ALICE }, { kind: 'group' as const, chat: GROUP }]) {
      const sealed = sealHint(hint, bob.publicKey)
      expect(sealed.byteLength).toBe(HINT_BYTES)
      expect(openHint(sealed, bob.secretKey, bob.publicKey)).toEqual(hint)
    }
  })

  it('are one size whatever they name, and fresh each time', () => {
    const bob = makeNotifyKeyPair()
    const a = sealHint({ kind: 'group', chat: GROUP }, bob.publicKey)
    const b = sealHint({ kind: 'contact', chat: 'z' }, bob.publicKey)
    const c = sealHint({ kind: 'group', chat: GROUP }, bob.publicKey)
    expect(new Set([a, b, c].map(h => h.byteLength))).toEqual(new Set([HINT_BYTES]))
    expect(Buffer.from(a).equals(c)).toBe(false)
  })

  it('do not open with another key, altered, or as random filler', () => {
    const bob = makeNotifyKeyPair()
    const carol = makeNotifyKeyPair()
    const sealed = sealHint({ kind: 'contact', chat: ALICE }, bob.publicKey)
    expect(openHint(sealed, carol.secretKey, carol.publicKey)).toBeUndefined()
    for (const at of [0, 31, 32, 60, HINT_BYTES - 1]) {
      const altered = sealed.slice()
      altered[at] = (altered[at] ?? 0) ^ 1
      expect(openHint(altered, bob.secretKey, bob.publicKey)).toBeUndefined()
    }
    expect(openHint(crypto.getRandomValues(new Uint8Array(HINT_BYTES)), bob.secretKey, bob.publicKey)).toBeUndefined()
    expect(openHint(sealed.subarray(1), bob.secretKey, bob.publicKey)).toBeUndefined()
  })

  it('is the same bytes for a fixed ephemeral key (what a known answer needs)', () => {
    const bob = makeNotifyKeyPair(n => new Uint8Array(n).fill(7))
    const sealed = sealHint({ kind: 'contact', chat: ALICE }, bob.publicKey, n => new Uint8Array(n).fill(9))
    expect(Buffer.from(sealHint({ kind: 'contact', chat: ALICE }, bob.publicKey, n => new Uint8Array(n).fill(9))).equals(sealed)).toBe(true)
    expect(openHint(sealed, bob.secretKey, bob.publicKey)).toEqual({ kind: 'contact', chat: ALICE })
  })

  it('refuse to carry what is not a PeerID or a group id, or to a key that is not one', () => {
    const bob = makeNotifyKeyPair()
    expect(() => sealHint({ kind: 'group', chat: ALICE }, bob.publicKey)).toThrow(HintError)
    expect(() => sealHint({ kind: 'contact', chat: '0OIl' }, bob.publicKey)).toThrow(HintError)
    expect(() => sealHint({ kind: 'contact', chat: 'a'.repeat(63) }, bob.publicKey)).toThrow(HintError)
    expect(() => sealHint({ kind: 'contact', chat: ALICE }, new Uint8Array(31))).toThrow(HintError)
    // a small-order point gives an all-zero agreement
    expect(() => sealHint({ kind: 'contact', chat: ALICE }, new Uint8Array(32))).toThrow(HintError)
  })
})

describe('version 2 push payloads', () => {
  it('are one size whatever they carry, with the hints first and filler after', () => {
    const bob = makeNotifyKeyPair()
    const hints = [sealHint({ kind: 'contact', chat: ALICE }, bob.publicKey), sealHint({ kind: 'group', chat: GROUP }, bob.publicKey)]
    const sizes = new Set([0, 1, 2].map(n => encodePushPayloadV2({ relay: RELAY, items: n + 1, hints: hints.slice(0, n) }).byteLength))
    expect([...sizes]).toEqual([PUSH_PAYLOAD_V2_BYTES])
    expect(encodePushPayloadV2({ relay: 'z'.repeat(64), items: 1_000_000, hints }).byteLength).toBe(PUSH_PAYLOAD_V2_BYTES)
    const decoded = decodePushPayload(encodePushPayloadV2({ relay: RELAY, items: 3, hints }))
    expect(decoded.relay).toBe(RELAY)
    expect(decoded.items).toBe(3)
    expect(decoded.hints).toHaveLength(PUSH_HINT_SLOTS)
    expect(decoded.hints?.map(h => openHint(h, bob.secretKey, bob.publicKey))).toEqual([
      { kind: 'contact', chat: ALICE }, { kind: 'group', chat: GROUP }, undefined, undefined
    ])
  })

  it('version 1 still reads, without hints', () => {
    expect(decodePushPayload(encodePushPayload({ relay: RELAY, items: 2 }))).toEqual({ relay: RELAY, items: 2 })
  })

  it('refuses a form other than the one the encoder writes', () => {
    const text = (o: unknown): Uint8Array => { const b = new Uint8Array(PUSH_PAYLOAD_V2_BYTES).fill(0x20); b.set(new TextEncoder().encode(JSON.stringify(o))); return b }
    const filler = 'A'.repeat(150)
    expect(() => decodePushPayload(text({ v: 2, relay: RELAY, items: 1, hints: [filler, filler, filler] }))).toThrow(PushPayloadError)
    expect(() => decodePushPayload(text({ v: 2, relay: RELAY, items: 1 }))).toThrow(PushPayloadError)
    expect(() => decodePushPayload(text({ v: 1, relay: RELAY, items: 1, hints: [filler, filler, filler, filler] }))).toThrow(PushPayloadError)
    expect(() => decodePushPayload(text({ v: 2, relay: RELAY, items: 1, hints: [filler, filler, filler, 'A'.repeat(149) + 'B'] }))).toThrow(PushPayloadError)
    expect(decodePushPayload(text({ v: 2, relay: RELAY, items: 1, hints: [filler, filler, filler, filler] })).hints).toHaveLength(4)
    expect(() => encodePushPayloadV2({ relay: RELAY, items: 1, hints: [new Uint8Array(HINT_BYTES - 1)] })).toThrow(PushPayloadError)
    expect(() => encodePushPayloadV2({ relay: RELAY, items: 1, hints: Array.from({ length: 5 }, () => new Uint8Array(HINT_BYTES)) })).toThrow(PushPayloadError)
  })
})

describe('push.json (docs/vectors): the hint and the version 2 payload', () => {
  it('open as a second client would read them', async () => {
    const { readFile } = await import('node:fs/promises')
    const v = JSON.parse(await readFile(new URL('../../../../docs/vectors/push.json', import.meta.url), 'utf8')) as {
      inputs: { notifySecret: string }, relay: string, hint: { notifyPublic: string, chat: string, sealed: string }, payloadV2: { plaintext: string }
    }
    const secretKey = Uint8Array.from(Buffer.from(v.inputs.notifySecret, 'hex'))
    const publicKey = Uint8Array.from(Buffer.from(v.hint.notifyPublic, 'hex'))
    const sealed = Uint8Array.from(Buffer.from(v.hint.sealed, 'hex'))
    expect(openHint(sealed, secretKey, publicKey)).toEqual({ kind: 'contact', chat: v.hint.chat })
    const secret = await importNotifySecret(secretKey)
    expect(secret === undefined ? undefined : await openHintWeb(sealed, secret, publicKey)).toEqual({ kind: 'contact', chat: v.hint.chat })
    const payload = decodePushPayload(Uint8Array.from(Buffer.from(v.payloadV2.plaintext, 'hex')))
    expect(payload).toMatchObject({ relay: v.relay, items: 3 })
    expect(payload.hints?.[0]).toEqual(sealed)
  })
})

describe('opening hints with WebCrypto (the service worker\'s way)', () => {
  it('opens what noble seals, the same as noble opens it, and nothing else', async () => {
    const bob = makeNotifyKeyPair()
    const secret = await importNotifySecret(bob.secretKey)
    if (secret === undefined) throw new Error('this Node has no X25519 in WebCrypto')
    for (const hint of [{ kind: 'contact' as const, chat: ALICE }, { kind: 'group' as const, chat: GROUP }]) {
      const sealed = sealHint(hint, bob.publicKey)
      expect(await openHintWeb(sealed, secret, bob.publicKey)).toEqual(openHint(sealed, bob.secretKey, bob.publicKey))
      expect(await openHintWeb(sealed, secret, bob.publicKey)).toEqual(hint)
      const altered = sealed.slice()
      altered[HINT_BYTES - 1] = (altered[HINT_BYTES - 1] ?? 0) ^ 1
      expect(await openHintWeb(altered, secret, bob.publicKey)).toBeUndefined()
    }
    const carol = makeNotifyKeyPair()
    expect(await openHintWeb(sealHint({ kind: 'contact', chat: ALICE }, carol.publicKey), secret, bob.publicKey)).toBeUndefined()
    expect(await openHintWeb(crypto.getRandomValues(new Uint8Array(HINT_BYTES)), secret, bob.publicKey)).toBeUndefined()
    // a small-order ephemeral key: an all-zero agreement, no hint
    expect(await openHintWeb(new Uint8Array(HINT_BYTES), secret, bob.publicKey)).toBeUndefined()
    expect(await importNotifySecret(new Uint8Array(31))).toBeUndefined()
  })
})
