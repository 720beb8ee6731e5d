/**
 * The keys of `/parley/file/1.1.0` (src/file/keyed.ts): the tag and the
 * AES-256-GCM key come from the file key by HKDF-SHA-256 as
 * docs/protocols.md ("Keyed files") writes it (checked against WebCrypto's
 * own HKDF and AES-GCM), the nonce layout, and what does not open. And the
 * offer's `key` field: base64 of 32 bytes, in 2.0.0 only.
 */
import { describe, expect, it } from 'vitest'
import { decodeChatFrame, encodeChatFrame } from '../../src/chat/codec.ts'
import { FileCipher, checkFileKey, fileTag, sealNonce } from '../../src/file/keyed.ts'
import type { ChatMessageFrame } from '../../src/chat/codec.ts'

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i)
const encoder = new TextEncoder()

/** HKDF-SHA-256 with an empty salt, through WebCrypto: the independent reference. */
async function webHkdf (key: Uint8Array, info: string): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits'])
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(info) }, base, 256))
}

describe('file keys', () => {
  it('the tag is HKDF-SHA-256(key, info "parley/file/1.1.0 tag"), different for another key', async () => {
    expect(fileTag(KEY)).toEqual(await webHkdf(KEY, 'parley/file/1.1.0 tag'))
    expect(fileTag(KEY)).not.toEqual(fileTag(KEY.map(b => b ^ 1)))
  })

  it('seals with AES-256-GCM under HKDF(key, info "parley/file/1.1.0 aes-256-gcm") and the place\'s nonce', async () => {
    const cipher = await FileCipher.create(KEY)
    const plaintext = encoder.encode('chunk three of a file')
    const sealed = await cipher.seal('chunk', 3, 0, plaintext)
    expect(sealed.byteLength).toBe(plaintext.byteLength + 16)
    const aes = await crypto.subtle.importKey('raw', await webHkdf(KEY, 'parley/file/1.1.0 aes-256-gcm') as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['decrypt'])
    const iv = Uint8Array.of(2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0)
    expect(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, aes, sealed as Uint8Array<ArrayBuffer>))).toEqual(plaintext)
    expect(await cipher.open('chunk', 3, 0, sealed)).toEqual(plaintext)
  })

  it('the nonce is kind ‖ u32 ‖ u32 ‖ three zero bytes', () => {
    expect([...sealNonce('hashes', 0x01020304, 4096)]).toEqual([1, 1, 2, 3, 4, 0, 0, 0x10, 0, 0, 0, 0])
    expect([...sealNonce('chunk', 7, 0)]).toEqual([2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0])
  })

  it('opens nothing sealed for another place, kind or key, nor changed bytes, nor a short payload', async () => {
    const cipher = await FileCipher.create(KEY)
    const hashes = new Uint8Array(64).fill(9)
    const sealed = await cipher.seal('hashes', 0, 2, hashes)
    expect(await cipher.open('hashes', 0, 2, sealed)).toEqual(hashes)
    expect(await cipher.open('hashes', 0, 1, sealed)).toBeUndefined()
    expect(await cipher.open('hashes', 1, 2, sealed)).toBeUndefined()
    expect(await cipher.open('chunk', 0, 2, sealed)).toBeUndefined()
    expect(await (await FileCipher.create(KEY.map(b => b ^ 1))).open('hashes', 0, 2, sealed)).toBeUndefined()
    expect(await cipher.open('hashes', 0, 2, sealed.map((b, i) => i === 5 ? b ^ 1 : b))).toBeUndefined()
    expect(await cipher.open('hashes', 0, 2, sealed.subarray(0, 15))).toBeUndefined()
  })

  it('refuses a key that is not 32 bytes, in words', async () => {
    expect(() => { checkFileKey(new Uint8Array(31)) }).toThrow('A file key is 32 bytes, got 31')
    expect(() => fileTag(new Uint8Array(33))).toThrow(RangeError)
    await expect(FileCipher.create(new Uint8Array(0))).rejects.toThrow(RangeError)
  })
})

describe('the offer\'s key', () => {
  const offer = { sha256: 'ab'.repeat(32), size: 3, name: 'a.txt', mime: 'text/plain', chunkSize: 16_384, listHash: 'cd'.repeat(32) }
  const message: ChatMessageFrame = { type: 'message', id: '01HZX3J5Q8W2N6R4T7V9B1C3D5', text: '', sentAt: 1, file: { ...offer, key: KEY } }
  const json = (file: Record<string, unknown>): Uint8Array => encoder.encode(JSON.stringify({ ...message, file }))

  it('goes as base64 in a session box (2.0.0) and is left out of 1.1.0 and 1.0.0 frames', () => {
    const boxed = JSON.parse(new TextDecoder().decode(encodeChatFrame(message, '2.0.0'))) as { file: Record<string, unknown> }
    expect(boxed.file.key).toBe(Buffer.from(KEY).toString('base64'))
    expect(decodeChatFrame(encodeChatFrame(message, '2.0.0'), 'dialer', '2.0.0')).toEqual(message)
    for (const version of ['1.1.0', '1.0.0'] as const) {
      expect(decodeChatFrame(encodeChatFrame(message, version), 'dialer', version)).toEqual({ ...message, file: offer })
    }
  })

  it.each([
    ['in 1.1.0', json({ ...offer, key: Buffer.from(KEY).toString('base64') }), '1.1.0', /unknown field\(s\) in "file": "key"/],
    ['of 31 bytes', json({ ...offer, key: Buffer.alloc(31).toString('base64') }), '2.0.0', /"file.key" must be base64 of 32 bytes/],
    ['that is not base64', json({ ...offer, key: 'not base64!' }), '2.0.0', /"file.key" must be base64 of 32 bytes/],
    ['that is a number', json({ ...offer, key: 32 }), '2.0.0', /"file.key" must be base64 of 32 bytes/]
  ] as const)('is refused %s', (_, bytes, version, words) => {
    expect(() => decodeChatFrame(bytes, 'dialer', version)).toThrow(words)
  })
})
