/**
 * Worker-side `RTCDataChannel` proxy. Every call is posted to the host tab that
 * owns the real channel; events come back over the same port.
 *
 * Back-pressure is honest: `bufferedAmount` is the bytes sent and not yet
 * acknowledged by the host plus the real channel's `bufferedAmount` from the
 * latest ack or low event, and `bufferedamountlow` fires when that sum goes
 * from above `bufferedAmountLowThreshold` to at or below it. Sends are
 * refused with `OperationError` past {@link MAX_BUFFERED_BYTES}, like a
 * browser whose send buffer is full.
 *
 * Binary sends are posted at the end of the current microtask, those of one
 * task together (`dc.sendMany`, at most {@link MAX_MESSAGES_PER_SEND}): one
 * postMessage and one ack for a whole libp2p frame instead of two per message.
 * Each is its own message on the real channel, except that a send of at most
 * {@link JOIN_SENDS_UP_TO_BYTES} (libp2p's length prefix) followed in the same
 * task by a larger binary send (its body) goes with it as one (see there).
 * Anything else this channel posts (a string or Blob send, its threshold, its
 * close) and its peer connection's close go after what is queued.
 *
 * `close()` ends in 'closed' when the host reports the real channel closed,
 * or after {@link CLOSE_ACK_TIMEOUT_MS} when the remote never acknowledges
 * (see there).
 */

import { CLOSE_ACK_TIMEOUT_MS, JOIN_SENDS_UP_TO_BYTES, MAX_BUFFERED_BYTES, MAX_MESSAGES_PER_SEND, MAX_SENDS_IN_FLIGHT } from './constants.ts'
import { InvalidStateError, OperationError, errorFromWire } from './errors.ts'
import { BridgeErrorEvent, BridgeMessageEvent, HandlerSlots } from './events.ts'
import type { EventHandler } from './events.ts'
import type { HostLink } from './host-link.ts'
import type { ChannelDataWire, ChannelInfoWire, ChannelKey, ChannelStateWire, HostEvent, WorkerNotice } from './protocol.ts'

/** Host events addressed to a channel. */
export type ChannelHostEvent = Extract<HostEvent, { channelId: ChannelKey }>

/** What a channel needs from the peer connection that owns it. */
export interface ChannelOwner {
  /** Called once when the channel reaches 'closed'. */
  channelClosed: (channel: ProxyDataChannel) => void
}

const encoder = new TextEncoder()

/** Copies what libp2p (or anyone) passes to `send()` into something postable. */
function toWire (data: unknown): { wire: ChannelDataWire, bytes: number, transfer: ArrayBuffer[] } {
  if (data instanceof ArrayBuffer) {
    // Browsers do not detach the caller's buffer, so transfer a copy.
    const copy = data.slice(0)
    return { wire: copy, bytes: copy.byteLength, transfer: [copy] }
  }
  if (ArrayBuffer.isView(data)) {
    const copy = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer
    return { wire: copy, bytes: copy.byteLength, transfer: [copy] }
  }
  if (typeof data === 'string') return { wire: data, bytes: encoder.encode(data).byteLength, transfer: [] }
  if (typeof Blob !== 'undefined' && data instanceof Blob) return { wire: data, bytes: data.size, transfer: [] }
  throw new TypeError('RTCDataChannel.send() takes an ArrayBuffer, an ArrayBufferView, a Blob or a string')
}

/** A proxy `RTCDataChannel` (see the module comment). */
export class ProxyDataChannel extends EventTarget {
  readonly label: string
  readonly protocol: string
  readonly ordered: boolean
  readonly maxPacketLifeTime: number | null
  readonly maxRetransmits: number | null
  readonly negotiated: boolean
  /** @internal The bridge's key for this channel. */
  readonly _key: ChannelKey

  readonly #link: HostLink | null
  readonly #owner: ChannelOwner
  readonly #h = new HandlerSlots(this)
  #id: number | null
  #readyState: ChannelStateWire
  #binaryType: 'arraybuffer' | 'blob' = 'arraybuffer'
  #threshold = 0
  #inFlightBytes = 0
  #inFlightSends = 0
  #hostBuffered = 0
  /** Binary messages sent in this microtask, not yet posted. */
  #queued: ArrayBuffer[] = []
  #queuedBytes = 0
  /** Messages per posted send notice not yet acknowledged, oldest first (acks come in order). */
  readonly #postedCounts: number[] = []
  /** Set by close(): reports the channel closed if the host has not by then. */
  #closeTimer: ReturnType<typeof setTimeout> | undefined

  /** @internal Created by the proxy peer connection, never by user code. */
  constructor (link: HostLink | null, owner: ChannelOwner, info: ChannelInfoWire) {
    super()
    this.#link = link
    this.#owner = owner
    this._key = info.channelId
    this.label = info.label
    this.protocol = info.protocol
    this.ordered = info.ordered
    this.maxPacketLifeTime = info.maxPacketLifeTime
    this.maxRetransmits = info.maxRetransmits
    this.negotiated = info.negotiated
    this.#id = info.id
    this.#readyState = info.readyState
    this.#hostBuffered = info.bufferedAmount
  }

  /** SCTP stream id; null until the host reports it (or the channel was negotiated with one). */
  get id (): number | null { return this.#id }
  get readyState (): ChannelStateWire { return this.#readyState }
  /** Bytes posted to the host and not yet acknowledged + the host channel's last reported `bufferedAmount`. */
  get bufferedAmount (): number { return this.#inFlightBytes + this.#hostBuffered }

  get bufferedAmountLowThreshold (): number { return this.#threshold }
  set bufferedAmountLowThreshold (value: number) {
    const v = Math.min(Math.max(0, Math.floor(Number(value) || 0)), Number.MAX_SAFE_INTEGER)
    this.#threshold = v
    this._flush()
    this.#link?.notify({ type: 'dc.threshold', channelId: this._key, threshold: v })
  }

  /**
   * 'arraybuffer' (default) delivers ArrayBuffers. 'blob' is accepted and wraps
   * each received buffer in a Blob in the worker (the host always receives
   * ArrayBuffers).
   */
  get binaryType (): 'arraybuffer' | 'blob' { return this.#binaryType }
  set binaryType (value: string) {
    if (value === 'arraybuffer' || value === 'blob') this.#binaryType = value
  }

  get onopen (): EventHandler { return this.#h.get('open') }
  set onopen (fn: EventHandler) { this.#h.set('open', fn) }
  get onmessage (): EventHandler<BridgeMessageEvent> { return this.#h.get('message') }
  set onmessage (fn: EventHandler<BridgeMessageEvent>) { this.#h.set('message', fn) }
  get onclosing (): EventHandler { return this.#h.get('closing') }
  set onclosing (fn: EventHandler) { this.#h.set('closing', fn) }
  get onclose (): EventHandler { return this.#h.get('close') }
  set onclose (fn: EventHandler) { this.#h.set('close', fn) }
  get onerror (): EventHandler<BridgeErrorEvent> { return this.#h.get('error') }
  set onerror (fn: EventHandler<BridgeErrorEvent>) { this.#h.set('error', fn) }
  get onbufferedamountlow (): EventHandler { return this.#h.get('bufferedamountlow') }
  set onbufferedamountlow (fn: EventHandler) { this.#h.set('bufferedamountlow', fn) }

  /**
   * Sends a copy of `data` (the caller's buffer is not detached): binary data
   * is posted to the host at the end of the microtask with the other binary
   * sends of this task, anything else at once.
   * Throws `InvalidStateError` unless open, `OperationError` when the buffer cap is reached.
   */
  send (data: ArrayBuffer | ArrayBufferView | Blob | string): void {
    if (this.#readyState !== 'open') {
      throw new InvalidStateError(`RTCDataChannel.readyState is not 'open' (it is '${this.#readyState}')`)
    }
    const { wire, bytes, transfer } = toWire(data)
    if (this.#inFlightSends >= MAX_SENDS_IN_FLIGHT || this.bufferedAmount + bytes > MAX_BUFFERED_BYTES) {
      throw new OperationError(`RTCDataChannel send queue is full (${this.bufferedAmount} bytes buffered)`)
    }
    this.#inFlightBytes += bytes
    if (wire instanceof ArrayBuffer) {
      const last = this.#queued.at(-1)
      if (last !== undefined && last.byteLength <= JOIN_SENDS_UP_TO_BYTES && bytes > JOIN_SENDS_UP_TO_BYTES) {
        // a length prefix and its body: one message, counted as one send
        const joined = new Uint8Array(last.byteLength + bytes)
        joined.set(new Uint8Array(last), 0)
        joined.set(new Uint8Array(wire), last.byteLength)
        this.#queued[this.#queued.length - 1] = joined.buffer
        this.#queuedBytes += bytes
        return
      }
      this.#inFlightSends++
      this.#queued.push(wire)
      this.#queuedBytes += bytes
      if (this.#queued.length === 1) queueMicrotask(() => { this._flush() })
      if (this.#queued.length >= MAX_MESSAGES_PER_SEND) this._flush()
      return
    }
    this.#inFlightSends++
    this._flush()
    this.#post({ type: 'dc.send', channelId: this._key, data: wire, bytes }, 1, transfer)
  }

  /** @internal Posts the binary sends queued in this microtask (before anything else about this channel or its pc). */
  _flush (): void {
    const queued = this.#queued
    if (queued.length === 0) return
    const bytes = this.#queuedBytes
    this.#queued = []
    this.#queuedBytes = 0
    const [only] = queued
    if (queued.length === 1 && only !== undefined) {
      this.#post({ type: 'dc.send', channelId: this._key, data: only, bytes }, 1, queued)
    } else {
      this.#post({ type: 'dc.sendMany', channelId: this._key, data: queued, bytes }, queued.length, queued)
    }
  }

  #post (notice: Extract<WorkerNotice, { type: 'dc.send' | 'dc.sendMany' }>, messages: number, transfer: ArrayBuffer[]): void {
    if (this.#link === null) return
    this.#postedCounts.push(messages)
    this.#link.notify(notice, transfer)
  }

  /** Starts closing: readyState becomes 'closing' now, 'closed' when the host reports it. */
  close (): void {
    if (this.#readyState === 'closing' || this.#readyState === 'closed') return
    this._flush()
    this.#readyState = 'closing'
    if (this.#link === null) {
      queueMicrotask(() => { this._forceClosed() })
      return
    }
    this.#link.notify({ type: 'dc.close', channelId: this._key })
    this.#closeTimer = setTimeout(() => { this._forceClosed() }, CLOSE_ACK_TIMEOUT_MS)
  }

  /** @internal The host's reply to `dc.create`. */
  _created (id: number | null, readyState: ChannelStateWire): void {
    if (id !== null) this.#id = id
    if (readyState === 'open' && this.#readyState === 'connecting') this.#open()
  }

  /** @internal Closes without the host (peer connection closed or host lost): 'closed' + close event. */
  _forceClosed (): void {
    if (this.#readyState === 'closed') return
    clearTimeout(this.#closeTimer)
    this.#readyState = 'closed'
    this.#owner.channelClosed(this)
    this.dispatchEvent(new Event('close'))
  }

  /** @internal Marks the channel closed now; the close event follows in a microtask (as after `pc.close()`). */
  _closeSoon (): void {
    if (this.#readyState === 'closed') return
    clearTimeout(this.#closeTimer)
    this.#readyState = 'closed'
    this.#owner.channelClosed(this)
    queueMicrotask(() => this.dispatchEvent(new Event('close')))
  }

  /** @internal An event from the host for this channel. */
  _onHostEvent (msg: ChannelHostEvent): void {
    if (this.#readyState === 'closed') return
    switch (msg.type) {
      case 'dc.open':
        if (msg.id !== null) this.#id = msg.id
        if (this.#readyState === 'connecting') this.#open()
        return
      case 'dc.closing':
        this.#readyState = 'closing'
        this.dispatchEvent(new Event('closing'))
        return
      case 'dc.close':
        this._forceClosed()
        return
      case 'dc.error':
        this.dispatchEvent(new BridgeErrorEvent(errorFromWire(msg.error)))
        return
      case 'dc.message': {
        const data = this.#binaryType === 'blob' && msg.data instanceof ArrayBuffer ? new Blob([msg.data]) : msg.data
        this.dispatchEvent(new BridgeMessageEvent(data))
        return
      }
      case 'dc.sent':
        this.#settle(() => {
          this.#inFlightBytes = Math.max(0, this.#inFlightBytes - msg.bytes)
          this.#inFlightSends = Math.max(0, this.#inFlightSends - (this.#postedCounts.shift() ?? 1))
          this.#hostBuffered = msg.bufferedAmount
        })
        if (msg.error !== null) this.dispatchEvent(new BridgeErrorEvent(errorFromWire(msg.error)))
        return
      case 'dc.bufferedamountlow':
        this.#settle(() => { this.#hostBuffered = msg.bufferedAmount })
    }
  }

  #open (): void {
    this.#readyState = 'open'
    this.dispatchEvent(new Event('open'))
  }

  /** Applies an accounting update; fires `bufferedamountlow` on a crossing to ≤ threshold. */
  #settle (update: () => void): void {
    const before = this.bufferedAmount
    update()
    if (before > this.#threshold && this.bufferedAmount <= this.#threshold) {
      this.dispatchEvent(new Event('bufferedamountlow'))
    }
  }
}
