/**
 * @packageDocumentation
 * The `/parley/group/1.0.0` service (docs/protocols.md, "Groups"): one
 * request and one reply per stream, also over relayed connections. What a
 * request means is the group book's (book.ts); the stream work (limits,
 * deadline, rate per peer, a malformed frame answered `reject invalid` with
 * the stream reset) is kernel/desk-service.ts.
 */
import { GROUP_PROTOCOL } from '@parley/protocol/group/constants'
import {
  decodeGroupReply, decodeGroupRequest, encodeGroupFrame, GROUP_EXCHANGE_TIMEOUT_MS, GROUP_REQUESTS_PER_MINUTE,
  MAX_GROUP_FRAME_BYTES, MAX_GROUP_PREFIX_BYTES
} from '@parley/protocol/group/wire'
import { DeskService } from '../kernel/desk-service.ts'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'
import type { Desk, DeskProtocol, DeskServiceComponents } from '../kernel/desk-service.ts'

/** Where group requests go (the group book). */
export type GroupDesk = Desk<GroupRequest, GroupReply>

export type GroupService = DeskService<GroupRequest, GroupReply>

/** At most this many group exchanges at once per connection, each way. */
export const MAX_GROUP_STREAMS = 8

const GROUP: DeskProtocol<GroupRequest, GroupReply> = {
  protocol: GROUP_PROTOCOL,
  name: 'group',
  maxFrameBytes: MAX_GROUP_FRAME_BYTES,
  maxPrefixBytes: MAX_GROUP_PREFIX_BYTES,
  timeoutMs: GROUP_EXCHANGE_TIMEOUT_MS,
  requestsPerMinute: GROUP_REQUESTS_PER_MINUTE,
  maxStreams: MAX_GROUP_STREAMS,
  encode: encodeGroupFrame,
  decodeRequest: decodeGroupRequest,
  decodeReply: (bytes) => decodeGroupReply(bytes),
  invalid: { type: 'reject', reason: 'invalid' },
  rateLimited: { type: 'reject', reason: 'rate-limited' }
}

/** The libp2p service factory. */
export function groupService (desk: GroupDesk): (components: DeskServiceComponents) => GroupService {
  return (components) => new DeskService(components, GROUP, desk)
}
