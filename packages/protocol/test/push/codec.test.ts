/**
 * `/parley/push/1.0.0`'s codec and rules by example (the fuzzer,
 * test/fuzz/push-codec.test.ts, covers arbitrary bytes): which endpoints a
 * relay POSTs to, a request signed by one key and checked under another,
 * the fixed size of every payload, and the known answers read back.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { p256 } from '@noble/curves/nist.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { PushFrameError, decodePushRequest, encodePushRequest, verifyPushRequest } from '../../src/push/codec.ts'
import { PUSH_PAYLOAD_BYTES } from '../../src/push/constants.ts'
import { endpointProblem } from '../../src/push/endpoint.ts'
import { decodePushInbound, decodePushKeyReply } from '../../src/push/key.ts'
import { decodePushPayload, encodePushPayload } from '../../src/push/payload.ts'
import type { PushRequestFields } from '../../src/push/codec.ts'

const multihashOf = (seed: Uint8Array): Uint8Array => Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...ed25519.getPublicKey(seed))
const alice = new Uint8Array(32).fill(1)
const mallory = new Uint8Array(32).fill(2)
const fields: PushRequestFields = {
  op: 'register',
  time: 1_764_453_600_000,
  nonce: new Uint8Array(16).fill(3),
  relay: multihashOf(new Uint8Array(32).fill(4)),
  subject: multihashOf(alice),
  endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def',
  p256dh: p256.getPublicKey(new Uint8Array(32).fill(5), false),
  auth: new Uint8Array(16).fill(6)
}

describe('push endpoints', () => {
  it('takes https: URLs on a public name and the default port', () => {
    expect(endpointProblem('https://fcm.googleapis.com/fcm/send/abc:def')).toBeUndefined()
    expect(endpointProblem('https://updates.push.services.mozilla.com/wpush/v2/gAAAA')).toBeUndefined()
    expect(endpointProblem('https://web.push.apple.com/QGuQyavXutnMH?x=1')).toBeUndefined()
  })

  it('refuses everything else, saying why', () => {
    expect(endpointProblem('http://push.example.net/x')).toMatch(/https/)
    expect(endpointProblem('ftp://push.example.net/x')).toMatch(/https/)
    expect(endpointProblem('https://push.example.net:8443/x')).toMatch(/port/)
    expect(endpointProblem('https://10.0.0.1/x')).toMatch(/IP address/)
    expect(endpointProblem('https://[::1]/x')).toMatch(/IP address/)
    expect(endpointProblem('https://localhost/x')).toMatch(/public name/)
    expect(endpointProblem('https://intranet/x')).toMatch(/public name/)
    expect(endpointProblem('https://user:pw@push.example.net/x')).toMatch(/user name/)
    expect(endpointProblem('https://push.example.net/x#y')).toMatch(/fragment/)
    expect(endpointProblem('https://PUSH.example.net/x')).toMatch(/one form/)
    expect(endpointProblem('not a url')).toMatch(/not a URL/)
  })

  it('admits http://127.0.0.1:<port> only when the test flag says so', () => {
    expect(endpointProblem('http://127.0.0.1:8080/push/1')).toMatch(/https/)
    expect(endpointProblem('http://127.0.0.1:8080/push/1', { allowInsecureLoopback: true })).toBeUndefined()
    expect(endpointProblem('http://127.0.0.2:8080/push/1', { allowInsecureLoopback: true })).toMatch(/127\.0\.0\.1/)
    expect(endpointProblem('http://127.0.0.1/push/1', { allowInsecureLoopback: true })).toMatch(/127\.0\.0\.1/)
    expect(endpointProblem('http://localhost:8080/push/1', { allowInsecureLoopback: true })).toMatch(/127\.0\.0\.1/)
  })
})

describe('push requests', () => {
  it('verify under the subject\'s key, not under a key that signed for another subject', async () => {
    const own = decodePushRequest(await encodePushRequest(fields, b => ed25519.sign(b, alice)))
    expect(verifyPushRequest(own)).toBe(true)
    const forged = decodePushRequest(await encodePushRequest(fields, b => ed25519.sign(b, mallory)))
    expect(verifyPushRequest(forged)).toBe(false)
  })

  it('refuse a p256dh off the curve, a compressed one, and a subject that is not Ed25519', async () => {
    if (fields.op !== 'register') throw new Error('a register')
    const off = fields.p256dh.slice()
    off[64] = (off[64] ?? 0) ^ 1
    await expect(encodePushRequest({ ...fields, p256dh: off }, b => ed25519.sign(b, alice))).rejects.toThrow(PushFrameError)
    const frame = await encodePushRequest(fields, b => ed25519.sign(b, alice))
    // the p256dh starts after type, time, nonce, relay, subject and endpoint
    const at = 1 + 8 + 16 + 1 + 38 + 1 + 38 + 2 + new TextEncoder().encode(fields.endpoint).byteLength
    const damaged = frame.slice()
    damaged[at] = 0x02
    expect(() => decodePushRequest(damaged)).toThrow(/P-256/)
    const rsaLike = frame.slice()
    rsaLike[1 + 8 + 16 + 1 + 38 + 1 + 3] = 0x00
    expect(() => decodePushRequest(rsaLike)).toThrow(/Ed25519/)
  })
})

describe('push payloads', () => {
  it('are one size whatever the count, and say nothing but the relay and the count', () => {
    const relay = '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ'
    const sizes = new Set([1, 20, 9999, 1_000_000].map(items => encodePushPayload({ relay, items }).byteLength))
    expect([...sizes]).toEqual([PUSH_PAYLOAD_BYTES])
    const text = new TextDecoder().decode(encodePushPayload({ relay, items: 20 }))
    expect(JSON.parse(text)).toEqual({ v: 1, relay, items: 20 })
  })
})

describe('push.json (docs/vectors)', () => {
  it('decodes and verifies as a second client would read it', async () => {
    const vectors = JSON.parse(await readFile(new URL('../../../../docs/vectors/push.json', import.meta.url), 'utf8')) as {
      register: { frame: string }, remove: { frame: string }, payload: { plaintext: string }, relay: string, endpoint: string
    }
    for (const frame of [vectors.register.frame, vectors.remove.frame]) {
      const request = decodePushRequest(hexToBytes(frame))
      expect(verifyPushRequest(request)).toBe(true)
      expect(request.endpoint).toBe(vectors.endpoint)
    }
    expect(decodePushPayload(hexToBytes(vectors.payload.plaintext))).toEqual({ relay: vectors.relay, items: 3 })
  })

  it('has KEY, its reply with the key REGISTER names too, and `off`', async () => {
    const vectors = JSON.parse(await readFile(new URL('../../../../docs/vectors/push.json', import.meta.url), 'utf8')) as {
      key: { frame: string, on: string, off: string }, replies: { vapidKey: string }
    }
    expect(decodePushInbound(hexToBytes(vectors.key.frame))).toEqual({ op: 'key' })
    expect(decodePushKeyReply(hexToBytes(vectors.key.on))).toEqual({
      op: 'key', push: 'on', vapidKey: hexToBytes(vectors.replies.vapidKey), maxSubscriptions: 4, pushesPerMinute: 6, coalesceMs: 2000, payloadBytes: 128, subscriptionDays: 30
    })
    expect(decodePushKeyReply(hexToBytes(vectors.key.off))).toEqual({ op: 'key', push: 'off' })
  })
})
