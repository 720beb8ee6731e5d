/**
 * @packageDocumentation
 *
 * The `/parley/chat/1.1.0` service (and 1.0.0, which it extends; and 2.0.0,
 * the same frames in session boxes, when given {@link ChatBoxes}): receives
 * chat messages and actions into a {@link ChatInbox} and delivers outgoing
 * ones in batches, one stream per batch. Wire format and behaviour:
 * docs/protocols.md.
 *
 * @example
 *
 * ```ts
 * const node = await createLibp2p({
 *   services: { chat: chat({ inbox }) }
 * })
 * const connection = await node.dial(contactPeerId)
 * const results = await node.services.chat.deliver(connection, outbox, {
 *   onResult: async (r) => { await markDelivered(r) }
 * })
 * ```
 */
import { AbortError, InvalidMessageError, InvalidParametersError, ProtocolError } from '@libp2p/interface'
import { raceSignal, toError, withDeadline } from '@parley/protocol/abort'
import { decodeChatFrame, encodeChatFrame, toVersion1, validateText } from '@parley/protocol/chat/codec'
import { FrameStream } from '@parley/protocol/framing'
import {
  ACK_TIMEOUT_MS, CHAT_FRAME_LIMITS, CHAT_FRAME_LIMITS_V2, CHAT_PROTOCOL, CHAT_PROTOCOLS, CHAT_PROTOCOLS_WITH_SESSIONS, MAX_INBOUND_STREAMS,
  MAX_IDLE_OUTBOUND_STREAMS, MAX_MESSAGES_PER_STREAM, MAX_OUTBOUND_STREAMS, READ_TIMEOUT_MS, chatVersionOf
} from '@parley/protocol/chat/constants'
import type { ChatDialerFrame, ChatReplyFrame } from '@parley/protocol/chat/codec'
import type { ChatVersion } from '@parley/protocol/chat/constants'
import type { ChatBoxes, ChatInbox, ChatPort, DeliverOptions, DeliveryResult } from '../kernel/ports/messaging.ts'
import type { SessionPinsPort } from '../kernel/ports/sessions.ts'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** The key of a connection's kept stream for `lane`. */
function laneKey (connection: Connection, lane: DeliverOptions['lane']): string {
  return lane === 'signals' ? `${connection.id}/signals` : connection.id
}

/**
 * The part of libp2p's registrar this service uses. The full `Registrar` type
 * lives in `@libp2p/interface-internal`, which is not a dependency of ours;
 * libp2p's registrar (and a `Libp2p` node) satisfy this structurally.
 */
export type Registrar = Pick<Libp2p, 'handle' | 'unhandle'>

export interface ChatServiceComponents {
  registrar: Registrar
  logger: ComponentLogger
}

export interface ChatServiceInit {
  inbox: ChatInbox
  /** with sessions: 2.0.0 is spoken, and proposed first */
  boxes?: ChatBoxes
  /** with sessions: a peer that speaks them is held to 2.0.0 both ways (a 1.x stream with it is refused and counted) */
  pins?: Pick<SessionPinsPort, 'pinned' | 'refused'>
  /** Per-frame ack bound, in ms (tests shorten it). @default ACK_TIMEOUT_MS */
  ackTimeoutMs?: number
  /** Listener's idle bound per frame read, in ms (tests shorten it). @default READ_TIMEOUT_MS */
  readTimeoutMs?: number
  /**
   * Keep an outbound stream open this long after a batch and reuse it for the
   * next batch on the same connection (OUTBOUND_IDLE_MS in the app). 0 closes
   * the stream after every batch. @default 0
   */
  keepStreamsOpenMs?: number
}

/** An outbound stream kept open between batches. */
interface OutboundSession {
  stream: Stream
  frames: FrameStream
  /** the version the listener agreed to */
  version: ChatVersion
  /** messages sent on it so far (the listener accepts MAX_MESSAGES_PER_STREAM) */
  sent: number
  /** a delivery is using it right now */
  busy: boolean
  idle?: ReturnType<typeof setTimeout>
}

export class ChatService implements ChatPort, Startable {
  readonly protocol = CHAT_PROTOCOL
  readonly [Symbol.toStringTag] = '@parley/chat'
  private readonly components: ChatServiceComponents
  private readonly inbox: ChatInbox
  private readonly boxes?: ChatBoxes
  private readonly pins?: Pick<SessionPinsPort, 'pinned' | 'refused'>
  /** what this node speaks, the preferred first */
  private readonly protocols: readonly string[]
  private readonly log: Logger
  private readonly ackTimeoutMs: number
  private readonly readTimeoutMs: number
  private readonly keepStreamsOpenMs: number
  /** idle outbound streams by connection id (and `<id>/signals`, see DeliverOptions.lane), at most MAX_IDLE_OUTBOUND_STREAMS */
  private readonly sessions = new Map<string, OutboundSession>()
  /** streams `prepare` is opening, by connection id (a delivery meanwhile waits for it) */
  private readonly opening = new Map<string, Promise<void>>()
  /** Aborted by stop(): ends every in-flight inbound stream. */
  private shutdown = new AbortController()
  private started = false

  constructor (components: ChatServiceComponents, init: ChatServiceInit) {
    this.components = components
    this.inbox = init.inbox
    if (init.boxes !== undefined) this.boxes = init.boxes
    if (init.pins !== undefined) this.pins = init.pins
    this.protocols = init.boxes === undefined ? CHAT_PROTOCOLS : CHAT_PROTOCOLS_WITH_SESSIONS
    this.log = components.logger.forComponent('parley:chat')
    this.ackTimeoutMs = init.ackTimeoutMs ?? ACK_TIMEOUT_MS
    this.readTimeoutMs = init.readTimeoutMs ?? READ_TIMEOUT_MS
    this.keepStreamsOpenMs = init.keepStreamsOpenMs ?? 0
    this.handleChat = this.handleChat.bind(this)
  }

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    for (const protocol of this.protocols) {
      await this.components.registrar.handle(protocol, this.handleChat, {
        runOnLimitedConnection: true,
        maxInboundStreams: MAX_INBOUND_STREAMS,
        maxOutboundStreams: MAX_OUTBOUND_STREAMS
      })
    }
    this.started = true
  }

  async stop (): Promise<void> {
    for (const [key, session] of this.sessions) this.endSession(key, session)
    this.shutdown.abort(new AbortError('The chat service was stopped'))
    for (const protocol of this.protocols) await this.components.registrar.unhandle(protocol)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /**
   * Inbound stream handler: read message frames until the dialer closes its
   * write side, store each through the inbox and answer it. Never throws: on
   * any failure it logs and aborts the stream, and the node carries on.
   */
  async handleChat (stream: Stream, connection: Connection): Promise<void> {
    const version = chatVersionOf(stream.protocol)
    const frames = new FrameStream(stream, version === '2.0.0' ? CHAT_FRAME_LIMITS_V2 : CHAT_FRAME_LIMITS)
    const from = connection.remotePeer
    const shutdown = this.shutdown.signal
    const boxes = this.boxes
    try {
      await this.refuseDowngrade(version, from, 'from')
      for (let count = 0; ; count++) {
        const bytes = await withDeadline(this.readTimeoutMs, `No chat frame within ${this.readTimeoutMs} ms`, [shutdown],
          async signal => frames.read({ signal }))
        if (bytes == null) {
          break
        }
        if (count === MAX_MESSAGES_PER_STREAM) {
          throw new InvalidMessageError(`Invalid chat frame: more than ${MAX_MESSAGES_PER_STREAM} messages on one stream`)
        }
        // 2.0.0: a box, opened and stored by the sessions; else a frame for the inbox
        const message = version === '2.0.0' ? undefined : decodeChatFrame(bytes, 'dialer', version)
        const reply = await withDeadline(this.ackTimeoutMs, `Storing and acking message ${message?.id ?? 'in a box'} took over ${this.ackTimeoutMs} ms`, [shutdown],
          async signal => {
            let reply: ChatReplyFrame
            if (message === undefined) {
              if (boxes === undefined) throw new ProtocolError('chat 2.0.0 without sessions')
              reply = await raceSignal(boxes.receive(from, bytes, { signal }), signal)
            } else {
              const outcome = await raceSignal(this.inbox.receive(from, message, { signal }), signal)
              reply = outcome === 'not-a-contact' || outcome === 'not-allowed'
                ? { type: 'reject', id: message.id, reason: outcome }
                : { type: 'ack', id: message.id, status: outcome }
            }
            await frames.write(encodeChatFrame(reply, version), { signal })
            return reply
          })
        this.log.trace('message %s from %p: %s', reply.id, from, reply.type === 'ack' ? reply.status : reply.reason)
      }
      await withDeadline(this.ackTimeoutMs, 'Closing the chat stream timed out', [shutdown], async signal => stream.close({ signal }))
    } catch (err) {
      this.log.error('inbound chat stream %s from %p failed - %e', stream.id, from, err)
      stream.abort(toError(err))
    }
  }

  /**
   * Delivers `messages` in order over one new stream, waiting for each ack or
   * reject (at most `ackTimeoutMs` per message); calls `onResult` after each.
   * Stops at the first error, aborts the stream and throws it: a
   * `MessageTooLargeError`/`EmptyMessageError` for a bad text, `TimeoutError`
   * for a missing ack, `InvalidMessageError` for a malformed reply.
   */
  async deliver (connection: Connection, messages: ChatDialerFrame[], options: DeliverOptions = {}): Promise<DeliveryResult[]> {
    if (messages.length === 0) {
      return []
    }
    if (messages.length > MAX_MESSAGES_PER_STREAM) {
      throw new InvalidParametersError(`A chat delivery batch holds at most ${MAX_MESSAGES_PER_STREAM} messages, got ${messages.length}`)
    }
    const to = connection.remotePeer
    const key = laneKey(connection, options.lane)
    const session = await this.outboundSession(connection, key, messages.length, options)
    const { stream, frames } = session
    const results: DeliveryResult[] = []
    try {
      for (const frame of messages) {
        // a 1.0.0 listener takes what 1.0.0 has of a message, and no action
        const message = session.version === '1.0.0' ? toVersion1(frame) : frame
        if (message === undefined) {
          const result: DeliveryResult = { id: frame.id, outcome: 'unsupported' }
          results.push(result)
          await options.onResult?.(result)
          continue
        }
        // a file offer may come without a caption
        if (message.type === 'message' && (message.file == null || message.text !== '')) validateText(message.text)
        const body = session.version === '2.0.0' ? await this.seal(to, message, options) : encodeChatFrame(message, session.version)
        const reply = await withDeadline(this.ackTimeoutMs, `No ack for message ${message.id} within ${this.ackTimeoutMs} ms`, [options.signal],
          async signal => {
            await frames.write(body, { signal })
            session.sent++
            const bytes = await frames.read({ signal })
            if (bytes == null) {
              throw new ProtocolError(`The receiver closed the chat stream without answering message ${message.id}`)
            }
            return decodeChatFrame(bytes, 'listener', session.version)
          })
        if (reply.id !== message.id) {
          throw new InvalidMessageError(`Invalid chat frame: a reply for message ${reply.id} while waiting for ${message.id}`)
        }
        if (session.version === '2.0.0') await this.boxes?.settled(to, message.id, reply, body)
        const result: DeliveryResult = reply.type === 'ack'
          ? { id: message.id, outcome: 'delivered', status: reply.status }
          : { id: message.id, outcome: 'rejected', reason: reply.reason }
        results.push(result)
        await options.onResult?.(result)
      }
    } catch (err) {
      this.log.error('delivering %d message(s) to %p failed after %d - %e', messages.length, to, results.length, err)
      this.sessions.delete(key)
      stream.abort(toError(err))
      throw err
    }
    if (this.sessions.get(key) === session) {
      this.idle(key, session)
    } else {
      session.busy = false
      await withDeadline(this.ackTimeoutMs, 'Closing the chat stream timed out', [options.signal], async signal => stream.close({ signal }))
    }
    return results
  }

  /**
   * Opens the stream for the next delivery on `connection` now and keeps it
   * (idle, for keepStreamsOpenMs), so that the first message on a new
   * connection does not wait for a data channel and a protocol negotiation.
   * Does nothing when streams are not kept or one is kept or being opened
   * already. Never throws: a stream that cannot be opened is opened again by
   * the next delivery.
   */
  async prepare (connection: Connection, options: AbortOptions = {}): Promise<void> {
    const key = laneKey(connection, 'messages')
    if (this.keepStreamsOpenMs <= 0 || this.sessions.has(key) || this.opening.has(key) || this.sessions.size >= MAX_IDLE_OUTBOUND_STREAMS) return
    const opening = this.openSession(connection, key, options).then((session) => {
      if (this.started && this.sessions.get(key) === session) {
        this.idle(key, session)
        return
      }
      // a delivery opened and kept its own meanwhile (or the service stopped)
      session.busy = false
      this.endSession(key, session)
    }, (err: unknown) => {
      this.log('could not open a chat stream to %p ahead of a delivery - %e', connection.remotePeer, err)
    }).finally(() => { this.opening.delete(key) })
    this.opening.set(key, opening)
    await opening
  }

  /**
   * The stream for one delivery: the idle one kept under `key` (the
   * connection's, for a lane) when it is still open, not in use and has room
   * for `count` more messages; otherwise a new one, kept afterwards when
   * keepStreamsOpenMs allows.
   */
  private async outboundSession (connection: Connection, key: string, count: number, options: AbortOptions): Promise<OutboundSession> {
    await this.opening.get(key)
    const kept = this.sessions.get(key)
    if (kept != null && !kept.busy) {
      if (kept.stream.status === 'open' && !kept.stream.readableEnded && kept.sent + count <= MAX_MESSAGES_PER_STREAM) {
        clearTimeout(kept.idle)
        kept.busy = true
        return kept
      }
      this.endSession(key, kept)
    }
    return this.openSession(connection, key, options)
  }

  /** A new stream (busy), kept under `key` for later deliveries when keepStreamsOpenMs allows. */
  private async openSession (connection: Connection, key: string, options: AbortOptions): Promise<OutboundSession> {
    const stream = await withDeadline(this.ackTimeoutMs, `Opening a chat stream took over ${this.ackTimeoutMs} ms`, [options.signal],
      // negotiateFully: false would send the protocol id together with the
      // first frame, but libp2p 3 (multistream-select 7) always negotiates in
      // full: a new stream costs a round trip before its first frame (plus a
      // new data channel on WebRTC), which is why streams are kept and
      // opened ahead (`prepare`)
      // a listener that speaks only 1.0.0 answers "na" to 1.1.0, and 1.0.0 is proposed next
      async signal => connection.newStream([...this.protocols], { runOnLimitedConnection: true, negotiateFully: false, signal }))
    const version = chatVersionOf(stream.protocol)
    try {
      await this.refuseDowngrade(version, connection.remotePeer, 'to')
    } catch (err) {
      stream.abort(toError(err))
      throw err
    }
    const session: OutboundSession = { stream, frames: new FrameStream(stream, version === '2.0.0' ? CHAT_FRAME_LIMITS_V2 : CHAT_FRAME_LIMITS), version, sent: 0, busy: true }
    if (this.keepStreamsOpenMs > 0 && !this.sessions.has(key) && this.sessions.size < MAX_IDLE_OUTBOUND_STREAMS) {
      this.sessions.set(key, session)
      stream.addEventListener('close', () => {
        if (this.sessions.get(key) === session) this.sessions.delete(key)
        clearTimeout(session.idle)
      }, { once: true })
    }
    return session
  }

  /**
   * A chat 1.x stream with a peer that speaks sessions is refused (and
   * counted): what it carries would go outside a box (docs/protocols.md,
   * "Sessions are mandatory").
   */
  private async refuseDowngrade (version: ChatVersion, peer: PeerId, way: 'from' | 'to'): Promise<void> {
    if (version === '2.0.0' || this.pins === undefined || !await this.pins.pinned(peer.toString())) return
    this.pins.refused('chat', peer.toString(), `a chat ${version} stream ${way} it`)
    throw new ProtocolError(`${peer.toString()} speaks sessions: chat ${version} is refused`)
  }

  private async seal (to: PeerId, frame: ChatDialerFrame, options: AbortOptions): Promise<Uint8Array> {
    if (this.boxes === undefined) throw new ProtocolError('chat 2.0.0 was negotiated without sessions')
    return this.boxes.seal(to, frame, options)
  }

  /** A kept stream is free for the next delivery; closed after keepStreamsOpenMs unless one comes. */
  private idle (key: string, session: OutboundSession): void {
    session.busy = false
    session.idle = setTimeout(() => { this.endSession(key, session) }, this.keepStreamsOpenMs)
  }

  /** Closes a kept stream (gracefully when idle and open) and forgets it. */
  private endSession (key: string, session: OutboundSession): void {
    clearTimeout(session.idle)
    if (this.sessions.get(key) === session) this.sessions.delete(key)
    if (session.busy || session.stream.status !== 'open') return
    session.stream.close().catch((err: unknown) => {
      this.log.error('closing an idle chat stream failed - %e', err)
      session.stream.abort(toError(err))
    })
  }
}

export function chat (init: ChatServiceInit): (components: ChatServiceComponents) => ChatService {
  return (components) => new ChatService(components, init)
}
