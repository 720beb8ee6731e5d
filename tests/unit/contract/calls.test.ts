/**
 * The call methods' limits (contract/methods/calls.ts) are the wire's
 * (@parley/protocol/call/constants), and the params a tab may pass are what
 * a call frame may carry.
 */
import { describe, expect, it } from 'vitest'
import { MAX_CANDIDATE_CHARS, MAX_CANDIDATES_PER_FRAME, MAX_MID_CHARS, MAX_MLINE_INDEX, MAX_SDP_CHARS } from '@parley/protocol/call/constants'
import { nodeContract } from '../../../src/lib/contract/index.ts'
import { CALL_LIMITS } from '../../../src/lib/contract/methods/calls.ts'

describe('the call methods', () => {
  it('take the wire\'s limits', () => {
    expect(CALL_LIMITS).toEqual({ sdpChars: MAX_SDP_CHARS, candidatesPerFrame: MAX_CANDIDATES_PER_FRAME, candidateChars: MAX_CANDIDATE_CHARS, midChars: MAX_MID_CHARS, mLineIndex: MAX_MLINE_INDEX })
  })

  it('refuse params beyond them, saying which', () => {
    const { sendCallIce, startCall, answerCall } = nodeContract.methods
    const callId = '0123456789abcdef0123456789abcdef'
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }
    expect(sendCallIce.params.parse({ callId, candidates: [candidate] }, 'params')).toEqual({ callId, candidates: [candidate] })
    expect(() => sendCallIce.params.parse({ callId, candidates: Array.from({ length: 33 }, () => candidate) }, 'params')).toThrow(/at most 32/)
    expect(() => sendCallIce.params.parse({ callId: 'XYZ', candidates: [] }, 'params')).toThrow(/a call id/)
    expect(() => startCall.params.parse({ contactId: 1, video: true, sdp: 'v'.repeat(MAX_SDP_CHARS + 1) }, 'params')).toThrow(/sdp/)
    expect(() => answerCall.params.parse({ callId, sdp: 'v=0', extra: 1 }, 'params')).toThrow(/unexpected key "extra"/)
  })
})
