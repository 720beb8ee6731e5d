/**
 * @packageDocumentation
 * The `/parley/call/1.0.0` service (docs/protocols.md, "Calls"): one
 * request and one reply per stream, also over relayed connections. What a
 * request means is the calls desk's (calls.ts); the stream work is
 * kernel/desk-service.ts.
 */
import { CALL_EXCHANGE_TIMEOUT_MS, CALL_PROTOCOL, CALL_REQUESTS_PER_MINUTE, MAX_CALL_FRAME_BYTES, MAX_CALL_PREFIX_BYTES } from '@parley/protocol/call/constants'
import { decodeCallReply, decodeCallRequest, encodeCallFrame } from '@parley/protocol/call/wire'
import { DeskService } from '../kernel/desk-service.ts'
import type { CallReply, CallRequest } from '@parley/protocol/call/wire'
import type { Desk, DeskProtocol, DeskServiceComponents } from '../kernel/desk-service.ts'
import type { CallLinePort } from '../kernel/ports/calls.ts'

export type CallDesk = Desk<CallRequest, CallReply>

export type CallService = DeskService<CallRequest, CallReply>

/** At most this many call exchanges at once per connection, each way (a call's frames go one after another). */
export const MAX_CALL_STREAMS = 4

const CALL: DeskProtocol<CallRequest, CallReply> = {
  protocol: CALL_PROTOCOL,
  name: 'call',
  maxFrameBytes: MAX_CALL_FRAME_BYTES,
  maxPrefixBytes: MAX_CALL_PREFIX_BYTES,
  timeoutMs: CALL_EXCHANGE_TIMEOUT_MS,
  requestsPerMinute: CALL_REQUESTS_PER_MINUTE,
  maxStreams: MAX_CALL_STREAMS,
  encode: encodeCallFrame,
  decodeRequest: decodeCallRequest,
  decodeReply: decodeCallReply,
  invalid: { type: 'reject', reason: 'invalid' },
  rateLimited: { type: 'reject', reason: 'rate-limited' }
}

/** The libp2p service factory: an invite while a group call holds `line` is answered `busy`. */
export function callService (desk: CallDesk, line: Pick<CallLinePort, 'holder'>): (components: DeskServiceComponents) => CallService {
  const lined: CallDesk = {
    receive: async (from, request, options) => {
      const holder = line.holder
      if (request.type === 'invite' && holder !== undefined && holder !== request.call) return { type: 'reject', reason: 'busy' }
      return desk.receive(from, request, options)
    }
  }
  return (components) => new DeskService(components, CALL, lined)
}
