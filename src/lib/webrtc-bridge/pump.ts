/**
 * `ChannelPump`: takes the tab's main thread off the data path of the WebRTC
 * bridge. It runs in a dedicated worker of the tab, between the node worker
 * and the tab's `RtcHost`:
 *
 * ```
 * node worker (RtcBridge)  ⇄ upstream port ⇄  ChannelPump (dedicated worker)  ⇄ host port ⇄  RtcHost (main thread)
 * ```
 *
 * `RTCPeerConnection` exists only on Window, but an `RTCDataChannel` can be
 * transferred to a dedicated worker in the task that created it. So the host
 * keeps the peer connections and hands the pump each channel (`pump.adopt`);
 * from then on `dc.send`, `dc.close` and `dc.threshold` for that channel run
 * here, and its events go to the node worker from here, while the main thread
 * renders. Everything else passes through unchanged.
 *
 * The pump is the only path between the two sides, so it keeps their order
 * (pump-channels.ts keeps the channels and what waits for them; this module
 * routes the messages between the two ports):
 * - a channel's events are held until the message that announces the channel
 *   to the worker (the reply to `dc.create`, or `pc.datachannel`) has passed;
 * - notices the worker sends for a channel while its `dc.create` is still on
 *   the way (e.g. a threshold set right after `createDataChannel()`) wait here
 *   and run on the channel once it is adopted, or go on to the host if the
 *   host keeps it (a browser that cannot transfer it).
 *
 * Environment-agnostic: it needs two `BridgePort`s and nothing else, so it is
 * unit tested in Node (docs/webrtc-bridge.md, "Channel pump").
 */

import { errorToWire } from './errors.ts'
import { isHostToWorker, isPumpAdopt, isWorkerToHost } from './guards.ts'
import { defaultBridgeLog } from './protocol.ts'
import { PumpChannels } from './pump-channels.ts'
import type { BridgeLog, BridgePort, HostToWorker, PumpToHost, WorkerToHost } from './protocol.ts'

/** Options for {@link ChannelPump}. */
export interface ChannelPumpOptions {
  /** To the node worker (its `RtcBridge` sees this port as the host). */
  upstream: BridgePort
  /** To the tab's `RtcHost` (created with `transferChannels: true`). */
  host: BridgePort
  /** Where dropped messages and swallowed errors are reported (default: console.warn). */
  log?: BridgeLog
  /** Called once after the pump has shut down and closed both ports. */
  onClose?: () => void
}

/** Drives transferred data channels for the node worker (see the module comment). */
export class ChannelPump {
  readonly #upstream: BridgePort
  readonly #host: BridgePort
  readonly #log: BridgeLog
  readonly #onClose: (() => void) | undefined
  /** The channels driven here, their events held and their early notices (pump-channels.ts). */
  readonly #channels: PumpChannels
  #closed = false

  constructor (options: ChannelPumpOptions) {
    this.#upstream = options.upstream
    this.#host = options.host
    this.#log = options.log ?? defaultBridgeLog
    this.#onClose = options.onClose
    this.#channels = new PumpChannels((message, transfer) => { this.#toWorker(message, transfer) }, (message) => { this.#toHost(message) }, this.#log)
    this.#upstream.addEventListener('message', this.#onUpstreamMessage)
    this.#upstream.addEventListener('messageerror', this.#onUpstreamMessageError)
    this.#upstream.addEventListener('close', this.#onUpstreamClose)
    this.#host.addEventListener('message', this.#onHostMessage)
    this.#host.addEventListener('messageerror', this.#onHostMessageError)
    this.#host.addEventListener('close', this.#onHostClose)
    this.#upstream.start?.()
    this.#host.start?.()
  }

  /** Data channels the pump drives. */
  get channelCount (): number { return this.#channels.size }

  /** True once the pump has shut down. */
  get closed (): boolean { return this.#closed }

  /**
   * Closes every channel it drives and both ports. The worker learns of it
   * from `host.leave` (when the host asked) or from its port closing.
   */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.#upstream.removeEventListener('message', this.#onUpstreamMessage)
    this.#upstream.removeEventListener('messageerror', this.#onUpstreamMessageError)
    this.#upstream.removeEventListener('close', this.#onUpstreamClose)
    this.#host.removeEventListener('message', this.#onHostMessage)
    this.#host.removeEventListener('messageerror', this.#onHostMessageError)
    this.#host.removeEventListener('close', this.#onHostClose)
    this.#channels.closeAll()
    this.#upstream.close?.()
    this.#host.close?.()
    this.#onClose?.()
  }

  // ---- worker → pump

  readonly #onUpstreamMessage = (event: Event): void => {
    const data: unknown = (event as MessageEvent).data
    if (!isWorkerToHost(data)) {
      this.#log('pump: dropped a malformed message from the worker: %o', data)
      return
    }
    try {
      this.#fromWorker(data)
    } catch (err) {
      this.#log('pump: error handling %s: %o', data.type, err)
      this.#toWorker({ type: 'host.error', command: data.type, error: errorToWire(err) })
    }
  }

  readonly #onUpstreamMessageError = (): void => {
    this.#log('pump: the worker sent a message that could not be deserialized; dropped')
  }

  /** The node worker is gone: nothing can use the channels any more. */
  readonly #onUpstreamClose = (): void => { this.close() }

  #fromWorker (msg: WorkerToHost): void {
    switch (msg.type) {
      case 'dc.send':
      case 'dc.sendMany':
      case 'dc.close':
      case 'dc.threshold':
        if (this.#channels.notice(msg)) return
        break
      case 'request':
        if (msg.op === 'dc.create') this.#channels.trackCreate(msg)
        break
      case 'pc.close':
        this.#toHost(msg)
        // the host closes the real pc, which closes its channels; forget them now all the same
        this.#channels.dropPc(msg.pcId)
        return
    }
    this.#toHost(msg)
  }

  #toHost (msg: PumpToHost): void {
    if (this.#closed) return
    const transfer = msg.type === 'dc.sendMany' ? msg.data : msg.type === 'dc.send' && msg.data instanceof ArrayBuffer ? [msg.data] : []
    try {
      this.#host.postMessage(msg, transfer)
    } catch (err) {
      this.#log('pump: postMessage to the host failed: %o', err)
    }
  }

  // ---- host → pump

  readonly #onHostMessage = (event: Event): void => {
    const data: unknown = (event as MessageEvent).data
    try {
      if (isPumpAdopt(data)) this.#channels.adopt(data)
      else if (isHostToWorker(data)) this.#fromHost(data)
      else this.#log('pump: dropped a malformed message from the host: %o', data)
    } catch (err) {
      this.#log('pump: error handling a message from the host: %o', err)
    }
  }

  readonly #onHostMessageError = (): void => {
    // most likely a data channel this browser could not hand over; its channel stays silent
    this.#log('pump: the host sent a message that could not be deserialized; dropped')
  }

  /** The tab is gone (or its host closed without a word): the worker loses this host. */
  readonly #onHostClose = (): void => {
    if (this.#closed) return
    this.#toWorker({ type: 'host.leave' })
    this.close()
  }

  #fromHost (msg: HostToWorker): void {
    switch (msg.type) {
      case 'reply':
        this.#toWorker(msg)
        this.#channels.replied(msg.id)
        return
      case 'pc.datachannel':
        this.#toWorker(msg)
        this.#channels.release(msg.channel.channelId)
        return
      case 'host.leave':
        this.#toWorker(msg)
        this.close()
        return
      default:
        this.#toWorker(msg)
    }
  }

  #toWorker (message: HostToWorker, transfer: ArrayBuffer[] = transferOf(message)): void {
    if (this.#closed) return
    try {
      this.#upstream.postMessage(message, transfer)
    } catch (err) {
      if (transfer.length > 0) {
        // a buffer that cannot be transferred is sent as a copy instead
        this.#toWorker(message, [])
        return
      }
      this.#log('pump: postMessage to the worker failed: %o', err)
    }
  }
}

/** The buffer a forwarded host message carries, transferred on. */
function transferOf (message: HostToWorker): ArrayBuffer[] {
  return message.type === 'dc.message' && message.data instanceof ArrayBuffer ? [message.data] : []
}
