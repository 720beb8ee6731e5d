/**
 * @packageDocumentation
 * The `/parley/group-call/1.0.0` service (docs/protocols.md, "Group
 * calls"): one request and one reply per stream, also over relayed
 * connections, every frame in a session box (sessions/call-boxes.ts opens
 * and seals them). What a request means is the group calls' desk
 * (group-calls.ts); the stream work is kernel/desk-service.ts.
 */
import { decodeGroupCallBoxRequest, encodeGroupCallBoxReply, MAX_GROUP_CALL_BOX_FRAME_BYTES, MAX_GROUP_CALL_PREFIX_BYTES } from '@parley/protocol/group-call/boxed'
import { GROUP_CALL_EXCHANGE_TIMEOUT_MS, GROUP_CALL_PROTOCOL, GROUP_CALL_REQUESTS_PER_MINUTE } from '@parley/protocol/group-call/constants'
import { oneRequest } from '@parley/protocol/one-request/client'
import { DeskService } from '../kernel/desk-service.ts'
import type { OutsideReject } from '@parley/protocol/group-call/boxed'
import type { GroupCallReply, GroupCallRequest } from '@parley/protocol/group-call/wire'
import type { Desk, DeskProtocol, DeskServiceComponents } from '../kernel/desk-service.ts'
import type { GroupCallBoxesPort } from '../kernel/ports/sessions.ts'
import type { AbortOptions, Connection, Startable } from '@libp2p/interface'

/** At most this many group-call exchanges at once per connection, each way (a pair's frames go one after another). */
export const MAX_GROUP_CALL_STREAMS = 4

const INVALID: OutsideReject = { type: 'reject', reason: 'invalid' }

const GROUP_CALL: DeskProtocol<Uint8Array, Uint8Array | OutsideReject> = {
  protocol: GROUP_CALL_PROTOCOL,
  name: 'group-call',
  maxFrameBytes: MAX_GROUP_CALL_BOX_FRAME_BYTES,
  maxPrefixBytes: MAX_GROUP_CALL_PREFIX_BYTES,
  timeoutMs: GROUP_CALL_EXCHANGE_TIMEOUT_MS,
  requestsPerMinute: GROUP_CALL_REQUESTS_PER_MINUTE,
  maxStreams: MAX_GROUP_CALL_STREAMS,
  encode: encodeGroupCallBoxReply,
  decodeRequest: decodeGroupCallBoxRequest,
  // the dialer is GroupCallService.send, which reads the reply's box itself
  decodeReply: () => { throw new Error('group-call replies are read by GroupCallService.send') },
  invalid: INVALID,
  rateLimited: { type: 'reject', reason: 'rate-limited' }
}

/** Sends one frame to a peer over a connection and resolves its reply (group-calls.ts takes this, not the service). */
export interface GroupCallSender {
  send(connection: Connection, request: GroupCallRequest, options?: AbortOptions): Promise<GroupCallReply>
}

export class GroupCallService implements Startable, GroupCallSender {
  readonly #desk: DeskService<Uint8Array, Uint8Array | OutsideReject>
  readonly #boxes: Pick<GroupCallBoxesPort, 'seal' | 'reply'>

  constructor (components: DeskServiceComponents, desk: Desk<GroupCallRequest, GroupCallReply>, boxes: GroupCallBoxesPort) {
    this.#desk = new DeskService(components, GROUP_CALL, boxes.listenWith(desk))
    this.#boxes = boxes
  }

  get [Symbol.toStringTag] (): string {
    return '@parley/group-call'
  }

  async start (): Promise<void> {
    await this.#desk.start()
  }

  async stop (): Promise<void> {
    await this.#desk.stop()
  }

  /**
   * The request in a box of our session with the peer, sealed before the
   * stream opens (the listener's deadline runs from the opening, and a seal
   * may wait for a bundle), and the reply opened. Throws on a malformed
   * reply, a box that does not open, no protocol, or the deadline.
   */
  async send (connection: Connection, request: GroupCallRequest, options: AbortOptions = {}): Promise<GroupCallReply> {
    const deadline = (): AbortSignal => AbortSignal.any([AbortSignal.timeout(GROUP_CALL_EXCHANGE_TIMEOUT_MS), ...(options.signal === undefined ? [] : [options.signal])])
    const sealed = await this.#boxes.seal(connection.remotePeer, request, { signal: deadline() })
    const bytes = await oneRequest({
      protocol: GROUP_CALL_PROTOCOL,
      maxReplyBytes: MAX_GROUP_CALL_BOX_FRAME_BYTES,
      maxPrefixBytes: MAX_GROUP_CALL_PREFIX_BYTES,
      encode: (box: Uint8Array) => box,
      decode: (reply: Uint8Array) => reply,
      defaultTimeoutMs: GROUP_CALL_EXCHANGE_TIMEOUT_MS,
      runOnLimitedConnection: true
    }, connection, sealed.box, { signal: deadline() })
    return this.#boxes.reply(connection.remotePeer, sealed, bytes, request)
  }
}

/** The libp2p service factory. */
export function groupCallService (desk: Desk<GroupCallRequest, GroupCallReply>, boxes: GroupCallBoxesPort): (components: DeskServiceComponents) => GroupCallService {
  return (components) => new GroupCallService(components, desk, boxes)
}
