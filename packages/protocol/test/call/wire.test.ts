/**
 * The `/parley/call/1.0.0` frames (src/call/wire.ts): every request and
 * reply round-trips; what breaks a rule is refused with InvalidMessageError
 * saying what is wrong.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import {
  decodeCallReply, decodeCallRequest, encodeCallFrame, MAX_CALL_FRAME_BYTES, MAX_CANDIDATES_PER_FRAME, MAX_SDP_CHARS
} from '../../src/call/wire.ts'
import type { CallReply, CallRequest } from '../../src/call/wire.ts'

const call = '0123456789abcdef0123456789abcdef'
const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'
const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host generation 0', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' }
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('call frames', () => {
  it('every request and reply round-trips', () => {
    const requests: CallRequest[] = [
      { type: 'invite', call, video: true, sdp, sentAt: 1_700_000_000_000 },
      { type: 'accept', call, sdp },
      { type: 'decline', call },
      { type: 'hangup', call, reason: 'cancel' },
      { type: 'hangup', call, reason: 'answered-elsewhere' },
      { type: 'hangup', call, reason: 'declined-elsewhere' },
      { type: 'ice', call, candidates: [candidate, { candidate: '', sdpMid: null, sdpMLineIndex: 0 }] },
      { type: 'offer', call, sdp },
      { type: 'answer', call, sdp }
    ]
    for (const request of requests) expect(decodeCallRequest(encodeCallFrame(request))).toEqual(request)
    const replies: CallReply[] = [{ type: 'ringing' }, { type: 'ok' }, { type: 'reject', reason: 'busy' }, { type: 'reject', reason: 'stale' }]
    for (const reply of replies) expect(decodeCallReply(encodeCallFrame(reply))).toEqual(reply)
    expect(decodeCallReply(encodeCallFrame({ type: 'ringing' }), { type: 'invite' })).toEqual({ type: 'ringing' })
  })

  it('refuse what breaks a rule, saying what', () => {
    const refused: Array<[unknown, RegExp]> = [
      [{ type: 'invite', call: call.toUpperCase(), video: true, sdp, sentAt: 1 }, /"call" must be 32 lowercase hex digits/],
      [{ type: 'invite', call, video: 'yes', sdp, sentAt: 1 }, /"video" must be true or false/],
      [{ type: 'invite', call, video: false, sdp, sentAt: 0 }, /"sentAt"/],
      [{ type: 'invite', call, video: false, sdp, sentAt: 1, extra: 1 }, /has only type, call, video, sdp, sentAt/],
      [{ type: 'accept', call, sdp: 'o=- 1 2 IN IP4 0.0.0.0' }, /session description/],
      [{ type: 'accept', call, sdp: `v=0${'a'.repeat(MAX_SDP_CHARS)}` }, /at most 32768 characters/],
      [{ type: 'offer', call, sdp: 'v=0\u0000' }, /session description/],
      [{ type: 'hangup', call, reason: 'bored' }, /"reason" must be one of hangup, cancel, timeout, failed, answered-elsewhere, declined-elsewhere/],
      [{ type: 'hangup', call, reason: 'elsewhere' }, /"reason" must be one of/],
      [{ type: 'ice', call, candidates: [] }, /1 to 32 candidates/],
      [{ type: 'ice', call, candidates: Array.from({ length: MAX_CANDIDATES_PER_FRAME + 1 }, () => candidate) }, /1 to 32 candidates/],
      [{ type: 'ice', call, candidates: [{ ...candidate, candidate: 'a=candidate:1' }] }, /"candidate:" line/],
      [{ type: 'ice', call, candidates: [{ candidate: candidate.candidate, sdpMid: null, sdpMLineIndex: null }] }, /names its "sdpMid" or its "sdpMLineIndex"/],
      [{ type: 'ice', call, candidates: [{ ...candidate, sdpMLineIndex: 64 }] }, /"sdpMLineIndex" must be null or an integer 0 to 63/],
      [{ type: 'ice', call, candidates: [{ ...candidate, port: 1 }] }, /a candidate has only/],
      [{ type: 'ring', call }, /"type" must be/],
      [[], /not an object/]
    ]
    for (const [value, why] of refused) {
      expect(() => decodeCallRequest(bytes(value))).toThrow(InvalidMessageError)
      expect(() => decodeCallRequest(bytes(value))).toThrow(why)
    }
    expect(() => decodeCallRequest(new Uint8Array([0xff, 0xfe]))).toThrow(/not UTF-8 JSON/)
    expect(() => decodeCallRequest(new Uint8Array(MAX_CALL_FRAME_BYTES + 1))).toThrow(/over the limit of 65536/)
    expect(() => decodeCallReply(bytes({ type: 'ringing' }), { type: 'ice' })).toThrow(/only an invite is answered "ringing"/)
    expect(() => decodeCallReply(bytes({ type: 'reject', reason: 'nope' }))).toThrow(/"reason" must be one of busy/)
    expect(() => decodeCallReply(bytes({ type: 'ok', why: 1 }))).toThrow(/has only type/)
  })
})
