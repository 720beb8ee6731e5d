/**
 * @packageDocumentation
 *
 * The `/parley/contact/1.0.0` service: contact requests and acceptances.
 * One exchange per stream: the dialer sends one `request` or `accept` frame,
 * the listener answers one `reply` frame, both close. Wire format and rules:
 * docs/protocols.md, "Contact requests".
 */
import { AbortError } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { toError } from '@parley/protocol/abort'
import {
  CONTACT_EXCHANGE_TIMEOUT_MS, CONTACT_PROTOCOL, MAX_CONTACT_FRAME_BYTES, MAX_CONTACT_PREFIX_BYTES,
  contactReply, decodeContactFrame, encodeContactFrame
} from '@parley/protocol/contact/codec'
import type { ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import { oneRequest } from '@parley/protocol/one-request/client'
import type { OneRequestClient } from '@parley/protocol/one-request/client'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** Where hellos go (the worker's contact book). */
export interface ContactDesk {
  /**
   * Applies a `request` or `accept` from `from` (its PeerID is proven by the
   * Noise handshake) and resolves how we now stand with it.
   */
  receive(from: PeerId, frame: ContactHelloFrame, options: AbortOptions): Promise<ContactReplyFrame['status']>
}

export interface ContactServiceComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  logger: ComponentLogger
}

export interface ContactServiceInit {
  desk: ContactDesk
  /** Bound of one exchange, in ms (tests shorten it). @default CONTACT_EXCHANGE_TIMEOUT_MS */
  timeoutMs?: number
}

/** The dialer's side: one hello, one reply (one-request/client.ts), also over a relayed connection. */
const CONTACT_CLIENT: OneRequestClient<ContactHelloFrame, ContactReplyFrame> = {
  protocol: CONTACT_PROTOCOL,
  maxReplyBytes: MAX_CONTACT_FRAME_BYTES,
  maxPrefixBytes: MAX_CONTACT_PREFIX_BYTES,
  encode: encodeContactFrame,
  decode: (bytes) => decodeContactFrame(bytes, 'listener'),
  defaultTimeoutMs: CONTACT_EXCHANGE_TIMEOUT_MS,
  runOnLimitedConnection: true
}

/** At most this many contact exchanges run at once per connection, each way. */
export const MAX_CONTACT_STREAMS = 4

export class ContactService implements Startable {
  readonly [Symbol.toStringTag] = '@parley/contact'
  private readonly components: ContactServiceComponents
  private readonly desk: ContactDesk
  private readonly log: Logger
  private readonly timeoutMs: number
  private shutdown = new AbortController()
  private started = false

  constructor (components: ContactServiceComponents, init: ContactServiceInit) {
    this.components = components
    this.desk = init.desk
    this.log = components.logger.forComponent('parley:contact')
    this.timeoutMs = init.timeoutMs ?? CONTACT_EXCHANGE_TIMEOUT_MS
    this.handle = this.handle.bind(this)
  }

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    await this.components.registrar.handle(CONTACT_PROTOCOL, this.handle, {
      runOnLimitedConnection: true,
      maxInboundStreams: MAX_CONTACT_STREAMS,
      maxOutboundStreams: MAX_CONTACT_STREAMS
    })
    this.started = true
  }

  async stop (): Promise<void> {
    this.shutdown.abort(new AbortError('The contact service was stopped'))
    await this.components.registrar.unhandle(CONTACT_PROTOCOL)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /** Inbound exchange. Never throws: on any failure it logs and aborts the stream. */
  async handle (stream: Stream, connection: Connection): Promise<void> {
    const signal = this.deadline([this.shutdown.signal])
    try {
      const frames = framed(stream)
      const hello = decodeContactFrame((await frames.read({ signal })).subarray(), 'dialer')
      const status = await this.desk.receive(connection.remotePeer, hello, { signal })
      await frames.write(encodeContactFrame(contactReply(hello, status)), { signal })
      await stream.close({ signal })
    } catch (err) {
      this.log.error('inbound contact exchange with %p failed - %e', connection.remotePeer, err)
      stream.abort(toError(err))
    }
  }

  /**
   * Sends one `request` or `accept` over `connection` and resolves the
   * listener's reply (its status, and whether its app speaks sessions).
   * Throws (and aborts the stream) on a malformed reply, a peer without the
   * protocol, or the deadline.
   */
  async send (connection: Connection, hello: ContactHelloFrame, options: AbortOptions = {}): Promise<ContactReplyFrame> {
    return oneRequest(CONTACT_CLIENT, connection, hello, { signal: this.deadline([options.signal]) })
  }

  /** A signal that aborts after `timeoutMs` (a TimeoutError) or with any of `parents`. */
  private deadline (parents: Array<AbortSignal | undefined>): AbortSignal {
    return AbortSignal.any([AbortSignal.timeout(this.timeoutMs), ...parents.filter((s): s is AbortSignal => s != null)])
  }
}

function framed (stream: Stream): ReturnType<typeof lpStream<Stream>> {
  return lpStream(stream, { maxDataLength: MAX_CONTACT_FRAME_BYTES, maxLengthLength: MAX_CONTACT_PREFIX_BYTES })
}

export function contact (init: ContactServiceInit): (components: ContactServiceComponents) => ContactService {
  return (components) => new ContactService(components, init)
}
