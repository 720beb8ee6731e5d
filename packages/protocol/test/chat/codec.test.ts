import { describe, expect, it } from 'vitest'
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeChatFrame, encodeChatFrame, utf8ByteLength, validateText } from '../../src/chat/codec.ts'
import { MAX_FRAME_BYTES, MAX_LENGTH_PREFIX_BYTES, MAX_MIME_CHARS, MAX_NAME_BYTES, MAX_TEXT_BYTES, THUMB_MAX_BYTES } from '../../src/chat/constants.ts'
import { decodeFrameLength as decodeLength } from '../../src/framing.ts'
import type { FileOffer } from '../../src/chat/codec.ts'
import type { ChatAckFrame, ChatMessageFrame, ChatRejectFrame } from '../../src/chat/codec.ts'
import type { ChatVersion } from '../../src/chat/constants.ts'

/** The chat protocol's length prefixes (at most MAX_LENGTH_PREFIX_BYTES). */
const decodeFrameLength = (prefix: Uint8Array | Uint8ArrayList): number => decodeLength(prefix, MAX_LENGTH_PREFIX_BYTES, 'chat')

const ID = '01HZX3J5Q8W2N6R4T7V9B1C3D5'
const message: ChatMessageFrame = { type: 'message', id: ID, text: 'hello, мир 👋', sentAt: 1_717_000_000_000 }
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value))

/** Matches the InvalidMessageError a malformed frame must raise, its message containing `detail`. */
function invalidFrame (detail: RegExp): unknown {
  return expect.objectContaining({
    name: 'InvalidMessageError',
    message: expect.stringMatching(new RegExp(`^Invalid chat frame: .*${detail.source}`))
  })
}

describe('chat codec', () => {
  describe('round trips', () => {
    it.each<[string, ChatMessageFrame | ChatAckFrame | ChatRejectFrame]>([
      ['message', message],
      ['ack stored', { type: 'ack', id: ID, status: 'stored' }],
      ['ack duplicate', { type: 'ack', id: ID, status: 'duplicate' }],
      ['reject', { type: 'reject', id: ID, reason: 'not-a-contact' }]
    ])('%s', (_name, frame) => {
      expect(decodeChatFrame(encodeChatFrame(frame))).toEqual(frame)
    })

    it('encodes exactly the documented JSON, without a length prefix', () => {
      expect(new TextDecoder().decode(encodeChatFrame(message)))
        .toBe(`{"type":"message","id":"${ID}","text":"hello, мир 👋","sentAt":1717000000000}`)
      expect(new TextDecoder().decode(encodeChatFrame({ type: 'ack', id: ID, status: 'stored' })))
        .toBe(`{"type":"ack","id":"${ID}","status":"stored"}`)
    })

    it('accepts a text of exactly the limit, counted in UTF-8 bytes', () => {
      const text = 'я'.repeat(MAX_TEXT_BYTES / 2)
      expect(utf8ByteLength(text)).toBe(MAX_TEXT_BYTES)
      expect(decodeChatFrame(encodeChatFrame({ ...message, text }))).toEqual({ ...message, text })
    })

    it('fits the worst-case JSON escaping of a maximal text in one frame', () => {
      const body = json({ ...message, text: '\u0001'.repeat(MAX_TEXT_BYTES) })
      expect(body.byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES)
      expect((decodeChatFrame(body, 'dialer') as ChatMessageFrame).text).toHaveLength(MAX_TEXT_BYTES)
    })

    it('accepts fields in any order', () => {
      const frame = decodeChatFrame(json({ sentAt: message.sentAt, text: message.text, id: ID, type: 'message' }), 'dialer')
      expect(frame).toEqual(message)
    })
  })

  describe('malformed frames → InvalidMessageError', () => {
    // refused in both versions, except the rows that name one: what 1.0.0 refuses and 1.1.0 added (codec-v1-1.test.ts)
    it.each<[string, Uint8Array, RegExp, ChatVersion?]>([
      ['truncated JSON', utf8(`{"type":"message","id":"${ID}","te`), /not valid JSON/],
      ['empty body', new Uint8Array(0), /not valid JSON/],
      ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), /not valid UTF-8/],
      ['a BOM before the JSON', utf8(`\uFEFF${JSON.stringify(message)}`), /not valid JSON/],
      ['a JSON array', json([message]), /not a JSON object/],
      ['JSON null', json(null), /not a JSON object/],
      ['an action type in 1.0.0', json({ ...message, type: 'typing' }), /"type" must be "message", "ack" or "reject" in 1\.0\.0, got "typing"/, '1.0.0'],
      ['unknown type', json({ ...message, type: 'sticker' }), /"type" must be "message", an action, "ack" or "reject" in 1\.1\.0, got "sticker"/, '1.1.0'],
      ['missing type', json({ id: ID, text: 'x', sentAt: 1 }), /"type" must be .* got nothing/],
      ['extra field', json({ ...message, edited: true }), /unknown field\(s\) in a "message" frame: "edited"/],
      ['extra field on an ack', json({ type: 'ack', id: ID, status: 'stored', note: 1 }), /unknown field.*"note"/],
      ['numeric id', json({ ...message, id: 42 }), /"id" must be a ULID/],
      ['lowercase ULID', json({ ...message, id: ID.toLowerCase() }), /"id" must be a ULID/],
      ['ULID with I/L/O/U', json({ ...message, id: '01HZX3J5Q8W2N6R4T7V9B1C3DU' }), /"id" must be a ULID/],
      ['25-character id', json({ ...message, id: ID.slice(1) }), /"id" must be a ULID/],
      ['missing id', json({ type: 'message', text: 'x', sentAt: 1 }), /"id" must be a ULID .*got nothing/],
      ['text not a string', json({ ...message, text: 7 }), /"text" must be a string, got 7/],
      ['empty text', json({ ...message, text: '' }), /"text" must be 1\.\.16384 UTF-8 bytes, got 0/],
      ['16385-byte text', json({ ...message, text: 'a'.repeat(MAX_TEXT_BYTES + 1) }), /"text" must be 1\.\.16384 UTF-8 bytes, got 16385/],
      ['8193 two-byte characters', json({ ...message, text: 'я'.repeat(8193) }), /got 16386/],
      ['lone surrogate in text', utf8(`{"type":"message","id":"${ID}","text":"\\ud800","sentAt":1}`), /unpaired UTF-16 surrogates/],
      ['non-integer sentAt', json({ ...message, sentAt: 1.5 }), /"sentAt" must be an integer/],
      ['string sentAt', json({ ...message, sentAt: '1717000000000' }), /"sentAt" must be an integer/],
      ['zero sentAt', json({ ...message, sentAt: 0 }), /"sentAt" must be an integer.*got 0/],
      ['sentAt of 2^53', json({ ...message, sentAt: 2 ** 53 }), /"sentAt" must be an integer/],
      ['unknown ack status in 1.0.0', json({ type: 'ack', id: ID, status: 'seen' }), /"status" must be one of stored, duplicate, got "seen"/, '1.0.0'],
      ['unknown ack status in 1.1.0', json({ type: 'ack', id: ID, status: 'read' }), /"status" must be one of stored, duplicate, seen, got "read"/, '1.1.0'],
      ['unknown reject reason in 1.0.0', json({ type: 'reject', id: ID, reason: 'not-allowed' }), /"reason" must be one of not-a-contact, got "not-allowed"/, '1.0.0'],
      ['unknown reject reason in 1.1.0', json({ type: 'reject', id: ID, reason: 'blocked' }), /"reason" must be one of not-a-contact, not-allowed, got "blocked"/, '1.1.0'],
      ['oversize body', new Uint8Array(MAX_FRAME_BYTES + 1), new RegExp(`${MAX_FRAME_BYTES + 1} bytes, the limit is ${MAX_FRAME_BYTES}`)]
    ])('%s', (_name, bytes, detail, only) => {
      for (const version of only === undefined ? ['1.0.0', '1.1.0'] as const : [only]) {
        expect(() => decodeChatFrame(bytes, undefined, version)).toThrow(invalidFrame(detail))
      }
    })

    it.each<ChatVersion>(['1.0.0', '1.1.0'])('an ack sent by the dialer (%s)', (version) => {
      const ack = encodeChatFrame({ type: 'ack', id: ID, status: 'stored' }, version)
      expect(() => decodeChatFrame(ack, 'dialer', version)).toThrow(invalidFrame(/the dialer may only send messages and actions, got "ack"/))
      expect(decodeChatFrame(ack, 'listener', version)).toEqual({ type: 'ack', id: ID, status: 'stored' })
    })

    it('a message sent by the listener', () => {
      expect(() => decodeChatFrame(encodeChatFrame(message), 'listener')).toThrow(invalidFrame(/the listener may only send "ack" or "reject" frames/))
    })

    it('encodeChatFrame refuses to produce an invalid frame', () => {
      expect(() => encodeChatFrame({ ...message, id: 'nope' })).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
    })
  })

  describe('file offers', () => {
    const offer: FileOffer = {
      sha256: 'ab'.repeat(32),
      size: 52_428_800,
      name: 'отпуск 2026 🌊.mp4',
      mime: 'video/mp4',
      chunkSize: 262_144,
      listHash: 'cd'.repeat(32)
    }
    const withFile: ChatMessageFrame = { ...message, text: '', file: offer }

    it('round-trips an offer with an empty caption, and one with a thumbnail', () => {
      expect(decodeChatFrame(encodeChatFrame(withFile), 'dialer')).toEqual(withFile)
      const thumb = Uint8Array.from({ length: THUMB_MAX_BYTES }, (_, i) => i % 251)
      const image: ChatMessageFrame = { ...message, file: { ...offer, mime: 'image/jpeg', thumb, thumbMime: 'image/jpeg', width: 4000, height: 3000 } }
      const decoded = decodeChatFrame(encodeChatFrame(image), 'dialer') as ChatMessageFrame
      expect(decoded).toEqual(image)
      expect(decoded.file?.thumb).toBeInstanceOf(Uint8Array)
    })

    it('carries the thumbnail as base64 and leaves absent fields out', () => {
      const text = new TextDecoder().decode(encodeChatFrame({ ...withFile, file: { ...offer, thumb: Uint8Array.of(1, 2, 3), thumbMime: 'image/png' } }))
      expect(JSON.parse(text)).toEqual({ ...withFile, file: { ...offer, thumb: 'AQID', thumbMime: 'image/png' } })
    })

    it('fits the worst case of every field in one frame', () => {
      const worst = json({
        ...message,
        text: '\u0001'.repeat(MAX_TEXT_BYTES),
        file: { ...offer, name: '\u0001'.repeat(MAX_NAME_BYTES), mime: '\u0001'.repeat(MAX_MIME_CHARS), thumb: 'A'.repeat(THUMB_MAX_BYTES / 3 * 4), thumbMime: 'image/png', width: 65_536, height: 65_536 }
      })
      expect(worst.byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES)
      expect((decodeChatFrame(worst, 'dialer') as ChatMessageFrame).file?.name).toHaveLength(MAX_NAME_BYTES)
    })

    it.each<[string, unknown, RegExp]>([
      ['not an object', 'x', /"file" must be an object/],
      ['unknown field', { ...offer, path: '/etc' }, /unknown field\(s\) in "file": "path"/],
      ['uppercase hash', { ...offer, sha256: 'AB'.repeat(32) }, /"file.sha256" must be 64 lowercase hex/],
      ['short list hash', { ...offer, listHash: 'ab' }, /"file.listHash" must be 64 lowercase hex/],
      ['negative size', { ...offer, size: -1 }, /"file.size" must be an integer/],
      ['size of 2^53', { ...offer, size: 2 ** 53 }, /"file.size" must be an integer/],
      ['empty name', { ...offer, name: '' }, /"file.name" must be a string of 1\.\.1024/],
      ['numeric name', { ...offer, name: 5 }, /"file.name" must be a string/],
      ['chunk size not a power of two', { ...offer, chunkSize: 300_000 }, /"file.chunkSize" must be a power of two/],
      ['chunk size over 1 MiB', { ...offer, chunkSize: 2 * 1024 * 1024 }, /"file.chunkSize" must be a power of two/],
      ['thumbnail without type', { ...offer, thumb: 'AQID' }, /"file.thumbMime" must be one of/],
      ['SVG thumbnail', { ...offer, thumb: 'AQID', thumbMime: 'image/svg+xml' }, /"file.thumbMime" must be one of/],
      ['thumbnail not base64', { ...offer, thumb: 'not base64!', thumbMime: 'image/png' }, /"file.thumb" must be base64/],
      ['oversize thumbnail', { ...offer, thumb: 'A'.repeat((THUMB_MAX_BYTES + 3) / 3 * 4), thumbMime: 'image/png' }, /"file.thumb" must be base64 of 1\.\./],
      ['zero width', { ...offer, width: 0 }, /"file.width" must be an integer/]
    ])('refuses %s', (_name, file, detail) => {
      expect(() => decodeChatFrame(json({ ...message, file }), 'dialer')).toThrow(invalidFrame(detail))
    })

    it('still needs a text when there is no file', () => {
      expect(() => decodeChatFrame(json({ ...message, text: '' }), 'dialer')).toThrow(invalidFrame(/"text" must be 1\.\./))
    })
  })

  describe('validateText (sender side)', () => {
    it('accepts 1..16384 UTF-8 bytes', () => {
      expect(() => { validateText('a') }).not.toThrow()
      expect(() => { validateText('😀'.repeat(MAX_TEXT_BYTES / 4)) }).not.toThrow()
    })

    it('throws MessageTooLargeError with the size and the limit (the app words them, tests/unit/p2p/text.test.ts)', () => {
      expect(() => { validateText('😀'.repeat(MAX_TEXT_BYTES / 4 + 1)) }).toThrow(expect.objectContaining({
        name: 'MessageTooLargeError',
        bytes: 16_388,
        limit: MAX_TEXT_BYTES,
        message: 'The message is 16388 bytes long; at most 16384 fit in one'
      }))
    })

    it('throws EmptyMessageError for an empty text', () => {
      expect(() => { validateText('') }).toThrow(expect.objectContaining({ name: 'EmptyMessageError' }))
    })

    it('throws InvalidParametersError for unpaired surrogates', () => {
      expect(() => { validateText('a\udc00') }).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    })
  })

  describe('length prefix', () => {
    it('decodes unsigned varints like lpStream does', () => {
      expect(decodeFrameLength(Uint8Array.of(0x00))).toBe(0)
      expect(decodeFrameLength(Uint8Array.of(0x7f))).toBe(127)
      expect(decodeFrameLength(new Uint8ArrayList(Uint8Array.of(0xac), Uint8Array.of(0x02)))).toBe(300)
      expect(decodeFrameLength(Uint8Array.of(0x80, 0x80, 0x08))).toBe(131_072)
    })

    it('throws RangeError while incomplete, InvalidMessageError past 3 bytes', () => {
      expect(() => decodeFrameLength(Uint8Array.of(0x80))).toThrow(RangeError)
      expect(() => decodeFrameLength(Uint8Array.of(0x80, 0x80, 0x80))).toThrow(RangeError)
      expect(() => decodeFrameLength(Uint8Array.of(0x80, 0x80, 0x80, 0x01))).toThrow(expect.objectContaining({
        name: 'InvalidMessageError',
        message: 'Invalid chat frame: length prefix is longer than 3 bytes'
      }))
    })
  })
})
