/**
 * @packageDocumentation
 * A Parley protocol between browsers with one request and one reply per
 * stream, also over relayed connections (groups, calls): the stream work
 * written once. Inbound: a deadline, a rate per peer (over it: the
 * protocol's rate-limited reply), a malformed request answered with the
 * protocol's invalid reply and the stream reset, otherwise the desk's answer.
 * Outbound: one-request/client.ts. What a request means is the desk's.
 */
import { AbortError } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { toError } from '@parley/protocol/abort'
import { oneRequest } from '@parley/protocol/one-request/client'
import { RateLimiter } from '@parley/protocol/rate-limit'
import type { OneRequestClient } from '@parley/protocol/one-request/client'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** Where a protocol's requests go. */
export interface Desk<Request, Reply> {
  /** Answers a request from `from` (its PeerID proven by the connection's encryption). */
  receive(from: PeerId, request: Request, options: AbortOptions): Promise<Reply>
}

/** A protocol as the service needs it: its id, limits and codecs. */
export interface DeskProtocol<Request, Reply> {
  protocol: string
  /** for log lines: `group`, `call` */
  name: string
  maxFrameBytes: number
  maxPrefixBytes: number
  /** one exchange, request to reply */
  timeoutMs: number
  /** exchanges one peer may start with us per minute */
  requestsPerMinute: number
  /** exchanges at once per connection, each way */
  maxStreams: number
  encode(frame: Request | Reply): Uint8Array
  decodeRequest(bytes: Uint8Array): Request
  decodeReply(bytes: Uint8Array, request: Request): Reply
  /** the answer to a malformed request, and to one over the rate */
  invalid: Reply
  rateLimited: Reply
}

export interface DeskServiceComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  logger: ComponentLogger
}

export class DeskService<Request, Reply> implements Startable {
  private readonly components: DeskServiceComponents
  private readonly spec: DeskProtocol<Request, Reply>
  private readonly desk: Desk<Request, Reply>
  private readonly client: OneRequestClient<Request, Reply>
  private readonly log: Logger
  private readonly rate: RateLimiter
  private shutdown = new AbortController()
  private started = false

  constructor (components: DeskServiceComponents, spec: DeskProtocol<Request, Reply>, desk: Desk<Request, Reply>) {
    this.components = components
    this.spec = spec
    this.desk = desk
    this.log = components.logger.forComponent(`parley:${spec.name}`)
    this.rate = new RateLimiter(spec.requestsPerMinute, spec.requestsPerMinute / 60_000)
    this.client = {
      protocol: spec.protocol,
      maxReplyBytes: spec.maxFrameBytes,
      maxPrefixBytes: spec.maxPrefixBytes,
      encode: spec.encode,
      decode: spec.decodeReply,
      defaultTimeoutMs: spec.timeoutMs,
      runOnLimitedConnection: true
    }
    this.handle = this.handle.bind(this)
  }

  get [Symbol.toStringTag] (): string {
    return `@parley/${this.spec.name}`
  }

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    await this.components.registrar.handle(this.spec.protocol, this.handle, {
      runOnLimitedConnection: true, maxInboundStreams: this.spec.maxStreams, maxOutboundStreams: this.spec.maxStreams
    })
    this.started = true
  }

  async stop (): Promise<void> {
    this.shutdown.abort(new AbortError(`The ${this.spec.name} service was stopped`))
    await this.components.registrar.unhandle(this.spec.protocol)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /** Inbound exchange. Never throws: a failure is logged and the stream aborted. */
  async handle (stream: Stream, connection: Connection): Promise<void> {
    const { spec } = this
    const signal = AbortSignal.any([AbortSignal.timeout(spec.timeoutMs), this.shutdown.signal])
    const frames = lpStream(stream, { maxDataLength: spec.maxFrameBytes, maxLengthLength: spec.maxPrefixBytes })
    try {
      if (!this.rate.take(connection.remotePeer.toString())) {
        await frames.write(spec.encode(spec.rateLimited), { signal })
        await stream.close({ signal })
        return
      }
      const bytes = (await frames.read({ signal })).subarray()
      let request: Request
      try {
        request = spec.decodeRequest(bytes)
      } catch (err) {
        this.log('malformed %s request from %p - %e', spec.name, connection.remotePeer, err)
        await frames.write(spec.encode(spec.invalid), { signal })
        stream.abort(toError(err))
        return
      }
      const reply = await this.desk.receive(connection.remotePeer, request, { signal })
      await frames.write(spec.encode(reply), { signal })
      await stream.close({ signal })
    } catch (err) {
      this.log.error('inbound %s exchange with %p failed - %e', spec.name, connection.remotePeer, err)
      stream.abort(toError(err))
    }
  }

  /** Sends one request over `connection` and resolves the reply (throws on a malformed one, no protocol, or the deadline). */
  async send (connection: Connection, request: Request, options: AbortOptions = {}): Promise<Reply> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.spec.timeoutMs), this.shutdown.signal, ...(options.signal === undefined ? [] : [options.signal])])
    return oneRequest(this.client, connection, request, { signal })
  }
}
