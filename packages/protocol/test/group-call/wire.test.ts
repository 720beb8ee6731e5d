/**
 * The `/parley/group-call/1.0.0` frames (src/group-call/wire.ts): every
 * request and reply round-trips; what breaks a rule is refused with
 * InvalidMessageError saying what is wrong; a reply fits its request.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { InvalidMessageError } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  decodeGroupCallReply, decodeGroupCallRequest, encodeGroupCallFrame, MAX_GROUP_CALL_FRAME_BYTES, MAX_GROUP_CALL_MS, MAX_GROUP_CALL_PARTICIPANTS
} from '../../src/group-call/wire.ts'
import type { GroupCallReply, GroupCallRequest } from '../../src/group-call/wire.ts'

const group = 'fedcba9876543210fedcba9876543210'
const call = '0123456789abcdef0123456789abcdef'
const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'
const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host generation 0', sdpMid: '0', sdpMLineIndex: 0 }
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
let peers: string[] = []

beforeAll(async () => {
  peers = await Promise.all(Array.from({ length: 7 }, async (_, i) => peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(i + 1))).toString()))
})

describe('group call frames', () => {
  it('every request and reply round-trips', () => {
    const [a = '', b = ''] = peers
    const requests: GroupCallRequest[] = [
      { type: 'state', group, call, ring: true, video: true, startedAt: 1_700_000_000_000, sentAt: 1_700_000_000_000, participants: [a] },
      { type: 'state', group, call, ring: false, video: false, startedAt: 1_700_000_000_000, sentAt: 1_700_000_360_000, participants: [] },
      { type: 'join', group, call, video: true, sdp },
      { type: 'answer', group, call, sdp },
      { type: 'offer', group, call, sdp },
      { type: 'ice', group, call, candidates: [candidate, { candidate: '', sdpMid: null, sdpMLineIndex: 0 }] },
      { type: 'decline', group, call },
      { type: 'leave', group, call }
    ]
    for (const request of requests) expect(decodeGroupCallRequest(encodeGroupCallFrame(request))).toEqual(request)
    const replies: GroupCallReply[] = [{ type: 'ringing' }, { type: 'ok' }, { type: 'joined', participants: [b, a] }, { type: 'reject', reason: 'full' }, { type: 'reject', reason: 'glare' }]
    for (const reply of replies) expect(decodeGroupCallReply(encodeGroupCallFrame(reply))).toEqual(reply)
  })

  it('refuses what breaks a rule, saying what', () => {
    const [a = '', b = ''] = peers
    const state = { type: 'state', group, call, ring: true, video: true, startedAt: 1_000, sentAt: 2_000, participants: [a] }
    const refused: Array<[unknown, RegExp]> = [
      [{ ...state, group: group.toUpperCase() }, /"group" must be 32 lowercase hex digits/],
      [{ ...state, call: 'x' }, /"call" must be 32 lowercase hex digits/],
      [{ ...state, ring: 1 }, /"ring" must be true or false/],
      [{ ...state, startedAt: 0 }, /"startedAt" must be an integer of ms since the epoch/],
      [{ ...state, sentAt: 999 }, /"sentAt" must be from "startedAt" to/],
      [{ ...state, sentAt: 1_000 + MAX_GROUP_CALL_MS + 1 }, /"sentAt" must be from "startedAt" to/],
      [{ ...state, participants: [] }, /"participants" must list 1 to 6 PeerIDs/],
      [{ ...state, participants: peers.slice(0, MAX_GROUP_CALL_PARTICIPANTS + 1) }, /"participants" must list 1 to 6 PeerIDs/],
      [{ ...state, participants: [a, a] }, /a participant is listed twice/],
      [{ ...state, participants: [a.toLowerCase()] }, /a participant must be an Ed25519 PeerID/],
      [{ ...state, extra: 1 }, /a "state" frame has only/],
      [{ type: 'join', group, call, video: true, sdp: 'o=-' }, /"sdp" must be a session description/],
      [{ type: 'ice', group, call, candidates: [] }, /"candidates" must list 1 to 32 candidates/],
      [{ type: 'ice', group, call, candidates: [{ candidate: 'x', sdpMid: '0', sdpMLineIndex: 0 }] }, /"candidate" must be "" or a "candidate:" line/],
      [{ type: 'hangup', group, call }, /"type" must be one of state, decline, join, answer, offer, ice, leave/]
    ]
    for (const [frame, reason] of refused) {
      expect(() => decodeGroupCallRequest(bytes(frame))).toThrow(InvalidMessageError)
      expect(() => decodeGroupCallRequest(bytes(frame))).toThrow(reason)
    }
    expect(() => decodeGroupCallReply(bytes({ type: 'joined', participants: [] }))).toThrow(/"participants" must list 1 to 6/)
    expect(() => decodeGroupCallReply(bytes({ type: 'reject', reason: 'session' }))).toThrow(/"reason" must be one of not-a-member, unknown-call, full, busy, glare, stale, invalid, rate-limited/)
    expect(() => decodeGroupCallReply(bytes({ type: 'joined', participants: [b] }), { type: 'leave' })).toThrow(/only a join is answered "joined"/)
    expect(() => decodeGroupCallRequest(new Uint8Array(MAX_GROUP_CALL_FRAME_BYTES + 1))).toThrow(`over the limit of ${MAX_GROUP_CALL_FRAME_BYTES}`)
  })

  it('a reply fits its request: ringing only a state that rings, joined or reject only a join', () => {
    const [a = ''] = peers
    expect(decodeGroupCallReply(bytes({ type: 'ringing' }), { type: 'state', ring: true })).toEqual({ type: 'ringing' })
    expect(() => decodeGroupCallReply(bytes({ type: 'ringing' }), { type: 'state', ring: false })).toThrow(/only a state that rings is answered "ringing"/)
    expect(() => decodeGroupCallReply(bytes({ type: 'ringing' }), { type: 'join' })).toThrow(/only a state that rings/)
    expect(decodeGroupCallReply(bytes({ type: 'joined', participants: [a] }), { type: 'join' })).toEqual({ type: 'joined', participants: [a] })
    expect(() => decodeGroupCallReply(bytes({ type: 'ok' }), { type: 'join' })).toThrow(/a join is answered "joined" or "reject"/)
    expect(decodeGroupCallReply(bytes({ type: 'reject', reason: 'full' }), { type: 'join' })).toEqual({ type: 'reject', reason: 'full' })
    expect(decodeGroupCallReply(bytes({ type: 'ok' }), { type: 'ice' })).toEqual({ type: 'ok' })
  })
})
