/**
 * `/parley/chat/1.1.0` additions to the chat codec: the message fields
 * (replyTo, ttl, file.voice), the action frames (reaction, edit, delete, read,
 * timer, typing), ack 'seen' and reject 'not-allowed'; each one's refusals
 * with their words; that a 1.0.0 decode refuses every addition while a plain
 * 1.0.0 frame is the same bytes in both versions; and `toVersion1`.
 * 1.0.0 itself: codec.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { decodeChatFrame, encodeChatFrame, isReactionEmoji, toVersion1 } from '../../src/chat/codec.ts'
import { MAX_EMOJI_BYTES, MAX_READ_TARGETS, MAX_TEXT_BYTES, MAX_VOICE_MS, MAX_WAVEFORM_BYTES, MESSAGE_TTLS } from '../../src/chat/constants.ts'
import type { ChatDialerFrame, ChatFrame, ChatMessageFrame, FileOffer } from '../../src/chat/codec.ts'
import type { ChatVersion } from '../../src/chat/constants.ts'

const ID = '01HZX3J5Q8W2N6R4T7V9B1C3D5'
const TARGET = '01HZX3J5Q8W2N6R4T7V9B1C3D6'
const SENT = 1_717_000_000_000
const message: ChatMessageFrame = { type: 'message', id: ID, text: 'hello', sentAt: SENT }
const offer: FileOffer = { sha256: 'ab'.repeat(32), size: 30_000, name: 'voice.webm', mime: 'audio/webm', chunkSize: 262_144, listHash: 'cd'.repeat(32) }
const voice = { durationMs: 4_250, waveform: Uint8Array.from([0, 12, 255, 40]) }
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value))
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
/** n distinct ULIDs */
const ulids = (n: number): string[] => Array.from({ length: n }, (_, i) => `01HZX3J5Q8W2N6R4T7V9B1${String(i).padStart(4, '0')}`)

function invalidFrame (detail: RegExp): unknown {
  return expect.objectContaining({
    name: 'InvalidMessageError',
    message: expect.stringMatching(new RegExp(`^Invalid chat frame: .*${detail.source}`))
  })
}

const reaction: ChatDialerFrame = { type: 'reaction', id: ID, sentAt: SENT, target: TARGET, emoji: '👍' }
const edit: ChatDialerFrame = { type: 'edit', id: ID, sentAt: SENT, target: TARGET, text: 'fixed the typo' }
const del: ChatDialerFrame = { type: 'delete', id: ID, sentAt: SENT, target: TARGET }
const read: ChatDialerFrame = { type: 'read', id: ID, sentAt: SENT, targets: [TARGET] }
const timer: ChatDialerFrame = { type: 'timer', id: ID, sentAt: SENT, ttl: 3600 }
const typing: ChatDialerFrame = { type: 'typing', id: ID, typing: true }

/** Every 1.1.0 addition, as a frame that 1.1.0 takes. */
const ADDITIONS: Array<[string, ChatFrame]> = [
  ['a reply', { ...message, replyTo: TARGET }],
  ['a disappearing message', { ...message, ttl: 300 }],
  ['a voice note', { ...message, text: '', file: { ...offer, voice } }],
  ['a reaction', reaction],
  ['an edit', edit],
  ['a delete', del],
  ['a read receipt', read],
  ['a timer', timer],
  ['typing', typing],
  ['ack "seen"', { type: 'ack', id: ID, status: 'seen' }],
  ['reject "not-allowed"', { type: 'reject', id: ID, reason: 'not-allowed' }]
]

describe('chat codec 1.1.0', () => {
  describe('round trips', () => {
    it.each(ADDITIONS)('%s', (_name, frame) => {
      expect(decodeChatFrame(encodeChatFrame(frame, '1.1.0'), undefined, '1.1.0')).toEqual(frame)
      // 1.1.0 is the default
      expect(decodeChatFrame(encodeChatFrame(frame))).toEqual(frame)
    })

    it('every field of a message at once, and each allowed ttl', () => {
      for (const ttl of MESSAGE_TTLS) {
        const full: ChatMessageFrame = { ...message, text: 'listen', replyTo: TARGET, ttl, file: { ...offer, voice } }
        const decoded = decodeChatFrame(encodeChatFrame(full), 'dialer') as ChatMessageFrame
        expect(decoded).toEqual(full)
        expect(decoded.file?.voice?.waveform).toBeInstanceOf(Uint8Array)
      }
    })

    it('a timer of 0 (off) and of each allowed ttl; typing true and false', () => {
      for (const ttl of [0, ...MESSAGE_TTLS]) {
        expect(decodeChatFrame(encodeChatFrame({ ...timer, ttl } as ChatDialerFrame), 'dialer')).toEqual({ ...timer, ttl })
      }
      expect(decodeChatFrame(encodeChatFrame({ ...typing, typing: false } as ChatDialerFrame), 'dialer')).toEqual({ ...typing, typing: false })
    })

    it('a read receipt of 1..64 targets; a reaction taken back ("")', () => {
      const most = { ...read, targets: ulids(MAX_READ_TARGETS) } as ChatDialerFrame
      expect(decodeChatFrame(encodeChatFrame(most), 'dialer')).toEqual(most)
      const takenBack = { ...reaction, emoji: '' } as ChatDialerFrame
      expect(decodeChatFrame(encodeChatFrame(takenBack), 'dialer')).toEqual(takenBack)
    })

    it('an edit of the largest text', () => {
      const longest = { ...edit, text: 'я'.repeat(MAX_TEXT_BYTES / 2) } as ChatDialerFrame
      expect(decodeChatFrame(encodeChatFrame(longest), 'dialer')).toEqual(longest)
    })

    it('encodes exactly this JSON: fields in order, the waveform as base64', () => {
      expect(text(encodeChatFrame({ ...message, replyTo: TARGET, ttl: 300 })))
        .toBe(`{"type":"message","id":"${ID}","text":"hello","sentAt":${SENT},"replyTo":"${TARGET}","ttl":300}`)
      expect(JSON.parse(text(encodeChatFrame({ ...message, text: '', file: { ...offer, voice } }))).file.voice)
        .toEqual({ durationMs: 4_250, waveform: 'AAz/KA==' })
      expect(text(encodeChatFrame(reaction))).toBe(`{"type":"reaction","id":"${ID}","sentAt":${SENT},"target":"${TARGET}","emoji":"👍"}`)
      expect(text(encodeChatFrame(read))).toBe(`{"type":"read","id":"${ID}","sentAt":${SENT},"targets":["${TARGET}"]}`)
      expect(text(encodeChatFrame(typing))).toBe(`{"type":"typing","id":"${ID}","typing":true}`)
      expect(text(encodeChatFrame({ type: 'ack', id: ID, status: 'seen' }))).toBe(`{"type":"ack","id":"${ID}","status":"seen"}`)
    })

    it('the dialer sends actions, the listener may not', () => {
      for (const frame of [reaction, edit, del, read, timer, typing]) {
        expect(decodeChatFrame(encodeChatFrame(frame), 'dialer')).toEqual(frame)
        expect(() => decodeChatFrame(encodeChatFrame(frame), 'listener')).toThrow(invalidFrame(/the listener may only send "ack" or "reject" frames/))
      }
    })
  })

  describe('reaction emoji', () => {
    it.each([
      ['a thumbs up', '👍'],
      ['a heart with its presentation selector', '❤️'],
      ['a flag', '🇷🇺'],
      ['a subdivision flag (tag sequence)', '🏴󠁧󠁢󠁥󠁮󠁧󠁿'],
      ['a ZWJ family', '👨‍👩‍👧‍👦'],
      ['a skin tone', '👍🏽'],
      ['a ZWJ sequence with skin tones', '🧑🏻‍🤝‍🧑🏿'],
      ['a keycap', '1️⃣'],
      ['the # keycap', '#️⃣']
    ])('accepts %s', (_name, emoji) => {
      expect(isReactionEmoji(emoji)).toBe(true)
      const frame = { ...reaction, emoji } as ChatDialerFrame
      expect(decodeChatFrame(encodeChatFrame(frame), 'dialer')).toEqual(frame)
    })

    it.each<[string, string, RegExp]>([
      ['a letter', 'a', /"emoji" must be one emoji or "", got "a"/],
      ['a word', 'ok', /"emoji" must be one emoji or ""/],
      ['text around an emoji', 'nice 👍', /"emoji" must be one emoji or ""/],
      ['an emoji and a space', '👍 ', /"emoji" must be one emoji or ""/],
      ['a digit alone', '1', /"emoji" must be one emoji or "", got "1"/],
      ['a skin tone alone', '🏽', /"emoji" must be one emoji or ""/],
      ['a lone ZWJ', '\u200D', /"emoji" must be one emoji or ""/],
      ['over 32 bytes', '👍'.repeat(9), /"emoji" must be 0\.\.32 UTF-8 bytes, got 36/],
      ['a lone surrogate', '\uD83D', /"emoji" contains unpaired UTF-16 surrogates/]
    ])('refuses %s', (_name, emoji, detail) => {
      expect(isReactionEmoji(emoji)).toBe(false)
      expect(() => decodeChatFrame(json({ ...reaction, emoji }), 'dialer')).toThrow(invalidFrame(detail))
      expect(() => encodeChatFrame({ ...reaction, emoji } as ChatDialerFrame)).toThrow(invalidFrame(detail))
    })

    it('counts the limit in UTF-8 bytes', () => {
      expect(MAX_EMOJI_BYTES).toBe(32)
      expect(isReactionEmoji('👍'.repeat(8))).toBe(true) // 32 bytes
    })
  })

  describe('refusals, each with its words', () => {
    it.each<[string, unknown, RegExp]>([
      // message fields
      ['a replyTo that is not a ULID', { ...message, replyTo: 'x' }, /"replyTo" must be a ULID .*got "x"/],
      ['a ttl not in the list', { ...message, ttl: 60 }, /"ttl" must be one of 300, 3600, 86400, 604800 seconds, got 60/],
      ['a ttl of 0 on a message', { ...message, ttl: 0 }, /"ttl" must be one of 300, .*got 0/],
      ['a ttl as a string', { ...message, ttl: '300' }, /"ttl" must be one of .*got "300"/],
      ['a voice note that is not an object', { ...message, file: { ...offer, voice: 5 } }, /"file.voice" must be an object, got 5/],
      ['an unknown voice field', { ...message, file: { ...offer, voice: { durationMs: 1, waveform: 'AA==', codec: 'opus' } } }, /unknown field\(s\) in "file.voice": "codec"/],
      ['a voice note of 0 ms', { ...message, file: { ...offer, voice: { durationMs: 0, waveform: 'AA==' } } }, /"file.voice.durationMs" must be an integer of 1\.\.900000 ms, got 0/],
      ['a voice note over 15 minutes', { ...message, file: { ...offer, voice: { durationMs: MAX_VOICE_MS + 1, waveform: 'AA==' } } }, /"file.voice.durationMs" must be an integer of 1\.\.900000 ms/],
      ['an empty waveform', { ...message, file: { ...offer, voice: { durationMs: 1, waveform: '' } } }, /"file.voice.waveform" must be base64 of 1\.\.100 bytes/],
      ['a waveform over 100 samples', { ...message, file: { ...offer, voice: { durationMs: 1, waveform: Buffer.alloc(MAX_WAVEFORM_BYTES + 1).toString('base64') } } }, /"file.voice.waveform" must be base64 of 1\.\.100 bytes/],
      ['a waveform that is not base64', { ...message, file: { ...offer, voice: { durationMs: 1, waveform: 'no!' } } }, /"file.voice.waveform" must be base64/],
      // reaction, edit, delete
      ['a reaction without a target', { type: 'reaction', id: ID, sentAt: SENT, emoji: '👍' }, /"target" must be a ULID .*got nothing/],
      ['a reaction without sentAt', { type: 'reaction', id: ID, target: TARGET, emoji: '👍' }, /"sentAt" must be an integer/],
      ['a reaction with a text', { ...reaction, text: 'x' }, /unknown field\(s\) in a "reaction" frame: "text"/],
      ['a reaction emoji that is a number', { ...reaction, emoji: 1 }, /"emoji" must be a string, got 1/],
      ['an empty edit', { ...edit, text: '' }, /"text" must be 1\.\.16384 UTF-8 bytes, got 0/],
      ['an edit over the text limit', { ...edit, text: 'a'.repeat(MAX_TEXT_BYTES + 1) }, /"text" must be 1\.\.16384 UTF-8 bytes, got 16385/],
      ['an edit with a file', { ...edit, file: offer }, /unknown field\(s\) in a "edit" frame: "file"/],
      ['a delete with a lowercase target', { ...del, target: TARGET.toLowerCase() }, /"target" must be a ULID/],
      ['a delete of several targets', { ...del, targets: [TARGET] }, /unknown field\(s\) in a "delete" frame: "targets"/],
      // read
      ['a read of no targets', { ...read, targets: [] }, /"targets" must be 1\.\.64 distinct ULIDs, got \[\]/],
      ['a read of 65 targets', { ...read, targets: ulids(MAX_READ_TARGETS + 1) }, /"targets" must be 1\.\.64 distinct ULIDs/],
      ['a read naming a target twice', { ...read, targets: [TARGET, TARGET] }, /"targets" must be 1\.\.64 distinct ULIDs/],
      ['a read with a target that is not a ULID', { ...read, targets: [TARGET, 'x'] }, /"targets" must be 1\.\.64 distinct ULIDs/],
      ['a read whose targets are not a list', { ...read, targets: TARGET }, /"targets" must be 1\.\.64 distinct ULIDs/],
      // timer
      ['a timer not in the list', { ...timer, ttl: 60 }, /"ttl" must be 0 or one of 300, 3600, 86400, 604800 seconds, got 60/],
      ['a negative timer', { ...timer, ttl: -300 }, /"ttl" must be 0 or one of/],
      ['a timer without ttl', { type: 'timer', id: ID, sentAt: SENT }, /"ttl" must be 0 or one of .*got nothing/],
      // typing
      ['typing as a string', { ...typing, typing: 'yes' }, /"typing" must be true or false, got "yes"/],
      ['typing with sentAt', { ...typing, sentAt: SENT }, /unknown field\(s\) in a "typing" frame: "sentAt"/],
      ['typing without an id', { type: 'typing', typing: true }, /"id" must be a ULID/]
    ])('%s', (_name, frame, detail) => {
      expect(() => decodeChatFrame(json(frame), 'dialer', '1.1.0')).toThrow(invalidFrame(detail))
    })
  })

  describe('a 1.0.0 peer', () => {
    it.each(ADDITIONS)('refuses %s in a 1.0.0 decode, and it cannot be encoded for 1.0.0', (_name, frame) => {
      const bytes = encodeChatFrame(frame, '1.1.0')
      expect(() => decodeChatFrame(bytes, undefined, '1.0.0')).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
      expect(() => encodeChatFrame(frame, '1.0.0')).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
    })

    it.each<[string, unknown, RegExp]>([
      ['replyTo', { ...message, replyTo: TARGET }, /unknown field\(s\) in a "message" frame: "replyTo"/],
      ['ttl', { ...message, ttl: 300 }, /unknown field\(s\) in a "message" frame: "ttl"/],
      ['file.voice', { ...message, file: { ...offer, voice: { durationMs: 1, waveform: 'AA==' } } }, /unknown field\(s\) in "file": "voice"/],
      ['an action', reaction, /"type" must be "message", "ack" or "reject" in 1\.0\.0, got "reaction"/],
      ['ack "seen"', { type: 'ack', id: ID, status: 'seen' }, /"status" must be one of stored, duplicate, got "seen"/],
      ['reject "not-allowed"', { type: 'reject', id: ID, reason: 'not-allowed' }, /"reason" must be one of not-a-contact, got "not-allowed"/]
    ])('says which 1.1.0 addition it refuses: %s', (_name, frame, detail) => {
      expect(() => decodeChatFrame(json(frame), undefined, '1.0.0')).toThrow(invalidFrame(detail))
    })

    it.each<[string, ChatFrame]>([
      ['a text message', message],
      ['a file message with a thumbnail', { ...message, text: '', file: { ...offer, mime: 'image/png', thumb: Uint8Array.of(1, 2, 3), thumbMime: 'image/png', width: 2, height: 2 } }],
      ['ack stored', { type: 'ack', id: ID, status: 'stored' }],
      ['ack duplicate', { type: 'ack', id: ID, status: 'duplicate' }],
      ['reject not-a-contact', { type: 'reject', id: ID, reason: 'not-a-contact' }]
    ])('%s is the same bytes in both versions, and each decodes the other\'s', (_name, frame) => {
      const v10 = encodeChatFrame(frame, '1.0.0')
      const v11 = encodeChatFrame(frame, '1.1.0')
      expect(v11).toEqual(v10)
      for (const version of ['1.0.0', '1.1.0'] as ChatVersion[]) {
        expect(decodeChatFrame(v10, undefined, version)).toEqual(frame)
      }
    })
  })

  describe('toVersion1', () => {
    it('strips replyTo, ttl and the voice note, keeping the rest of the message', () => {
      const full: ChatMessageFrame = { ...message, text: 'listen', replyTo: TARGET, ttl: 3600, file: { ...offer, voice } }
      const plain = toVersion1(full)
      expect(plain).toEqual({ ...message, text: 'listen', file: offer })
      expect(plain?.file).not.toHaveProperty('voice')
      expect(plain).not.toHaveProperty('replyTo')
      expect(plain).not.toHaveProperty('ttl')
      // what it leaves is a 1.0.0 frame
      expect(decodeChatFrame(encodeChatFrame(plain as ChatMessageFrame, '1.0.0'), 'dialer', '1.0.0')).toEqual(plain)
      // the original is unchanged
      expect(full.file?.voice).toBe(voice)
    })

    it('leaves a 1.0.0 message as it was', () => {
      expect(toVersion1(message)).toEqual(message)
      const withFile: ChatMessageFrame = { ...message, text: '', file: offer }
      expect(toVersion1(withFile)).toEqual(withFile)
    })

    it.each([reaction, edit, del, read, timer, typing])('drops the action $type (1.0.0 has no frame for it)', (frame) => {
      expect(toVersion1(frame)).toBeUndefined()
    })
  })
})
