/**
 * @packageDocumentation
 * The `/parley/group/1.0.0` service (docs/protocols.md, "Groups"): one
 * request and one reply per stream, also over relayed connections. What a
 * request means is the group book's (book.ts); this is the stream work:
 * limits, deadline, rate per peer, and a malformed frame answered
 * `reject invalid` with the stream reset.
 */
import { AbortError } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { toError } from '@parley/protocol/abort'
import { GROUP_PROTOCOL } from '@parley/protocol/group/constants'
import {
  decodeGroupReply, decodeGroupRequest, encodeGroupFrame, GROUP_EXCHANGE_TIMEOUT_MS, GROUP_REQUESTS_PER_MINUTE,
  MAX_GROUP_FRAME_BYTES, MAX_GROUP_PREFIX_BYTES
} from '@parley/protocol/group/wire'
import { oneRequest } from '@parley/protocol/one-request/client'
import { RateLimiter } from '@parley/protocol/rate-limit'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'
import type { OneRequestClient } from '@parley/protocol/one-request/client'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** Where group requests go (the group book). */
export interface GroupDesk {
  /** Answers a request from `from` (its PeerID proven by the connection's encryption). */
  receive(from: PeerId, request: GroupRequest, options: AbortOptions): Promise<GroupReply>
}

export interface GroupServiceComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  logger: ComponentLogger
}

/** At most this many group exchanges at once per connection, each way. */
export const MAX_GROUP_STREAMS = 8

const GROUP_CLIENT: OneRequestClient<GroupRequest, GroupReply> = {
  protocol: GROUP_PROTOCOL,
  maxReplyBytes: MAX_GROUP_FRAME_BYTES,
  maxPrefixBytes: MAX_GROUP_PREFIX_BYTES,
  encode: encodeGroupFrame,
  decode: (bytes) => decodeGroupReply(bytes),
  defaultTimeoutMs: GROUP_EXCHANGE_TIMEOUT_MS,
  runOnLimitedConnection: true
}

export class GroupService implements Startable {
  readonly [Symbol.toStringTag] = '@parley/group'
  private readonly components: GroupServiceComponents
  private readonly desk: GroupDesk
  private readonly log: Logger
  private readonly rate = new RateLimiter(GROUP_REQUESTS_PER_MINUTE, GROUP_REQUESTS_PER_MINUTE / 60_000)
  private shutdown = new AbortController()
  private started = false

  constructor (components: GroupServiceComponents, desk: GroupDesk) {
    this.components = components
    this.desk = desk
    this.log = components.logger.forComponent('parley:group')
    this.handle = this.handle.bind(this)
  }

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    await this.components.registrar.handle(GROUP_PROTOCOL, this.handle, {
      runOnLimitedConnection: true, maxInboundStreams: MAX_GROUP_STREAMS, maxOutboundStreams: MAX_GROUP_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    this.shutdown.abort(new AbortError('The group service was stopped'))
    await this.components.registrar.unhandle(GROUP_PROTOCOL)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /** Inbound exchange. Never throws: a failure is logged and the stream aborted. */
  async handle (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(GROUP_EXCHANGE_TIMEOUT_MS), this.shutdown.signal])
    const frames = lpStream(stream, { maxDataLength: MAX_GROUP_FRAME_BYTES, maxLengthLength: MAX_GROUP_PREFIX_BYTES })
    try {
      if (!this.rate.take(connection.remotePeer.toString())) {
        await frames.write(encodeGroupFrame({ type: 'reject', reason: 'rate-limited' }), { signal })
        await stream.close({ signal })
        return
      }
      const bytes = (await frames.read({ signal })).subarray()
      let request: GroupRequest
      try {
        request = decodeGroupRequest(bytes)
      } catch (err) {
        this.log('malformed group request from %p - %e', connection.remotePeer, err)
        await frames.write(encodeGroupFrame({ type: 'reject', reason: 'invalid' }), { signal })
        stream.abort(toError(err))
        return
      }
      const reply = await this.desk.receive(connection.remotePeer, request, { signal })
      await frames.write(encodeGroupFrame(reply), { signal })
      await stream.close({ signal })
    } catch (err) {
      this.log.error('inbound group exchange with %p failed - %e', connection.remotePeer, err)
      stream.abort(toError(err))
    }
  }

  /** Sends one request over `connection` and resolves the reply (throws on a malformed one, no protocol, or the deadline). */
  async send (connection: Connection, request: GroupRequest, options: AbortOptions = {}): Promise<GroupReply> {
    const signal = AbortSignal.any([AbortSignal.timeout(GROUP_EXCHANGE_TIMEOUT_MS), this.shutdown.signal, ...(options.signal === undefined ? [] : [options.signal])])
    return oneRequest(GROUP_CLIENT, connection, request, { signal })
  }
}

/** The libp2p service factory. */
export function groupService (desk: GroupDesk): (components: GroupServiceComponents) => GroupService {
  return (components) => new GroupService(components, desk)
}
