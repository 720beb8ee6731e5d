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
 * The pump is the only path between the two sides, so it keeps their order:
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

import { ChannelTable } from './channel-table.ts'
import type { ChannelNotice } from './channel-table.ts'
import {
  MAX_CHANNELS_PER_PEER_CONNECTION, MAX_HELD_EVENTS_PER_CHANNEL, MAX_NOTICES_PER_CREATING_CHANNEL, MAX_PEER_CONNECTIONS, MAX_PENDING_REQUESTS
} from './constants.ts'
import { errorToWire } from './errors.ts'
import { isHostToWorker, isPumpAdopt, isWorkerToHost } from './guards.ts'
import type { HostDataChannel } from './host-types.ts'
import { defaultBridgeLog } from './protocol.ts'
import type {
  BridgeLog, BridgePort, BridgeRequest, ChannelKey, HostToWorker, PcKey, PumpAdoptMessage, PumpToHost, WorkerToHost
} from './protocol.ts'

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

/** A `dc.create` forwarded to the host and not answered yet. */
interface Creating {
  requestId: number
  channelId: ChannelKey
  /** Notices for the channel that arrived before it did. */
  queue: ChannelNotice[]
  adopted: boolean
}

/** A message waiting for its channel to be announced to the worker. */
interface Held {
  message: HostToWorker
  transfer: ArrayBuffer[]
}

/** Drives transferred data channels for the node worker (see the module comment). */
export class ChannelPump {
  readonly #upstream: BridgePort
  readonly #host: BridgePort
  readonly #log: BridgeLog
  readonly #onClose: (() => void) | undefined
  readonly #channels = new ChannelTable()
  /** Adopted channels per peer connection, for the limits and for `pc.close`. */
  readonly #pcs = new Map<PcKey, Set<ChannelKey>>()
  readonly #channelPc = new Map<ChannelKey, PcKey>()
  readonly #creatingByRequest = new Map<number, Creating>()
  readonly #creatingByChannel = new Map<ChannelKey, Creating>()
  /** Events of channels the worker has not heard of yet, in order. */
  readonly #held = new Map<ChannelKey, Held[]>()
  #closed = false

  constructor (options: ChannelPumpOptions) {
    this.#upstream = options.upstream
    this.#host = options.host
    this.#log = options.log ?? defaultBridgeLog
    this.#onClose = options.onClose
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
    this.#channels.closeAll((key, err) => { this.#log('closing channel %s threw: %o', key, err) })
    this.#pcs.clear()
    this.#channelPc.clear()
    this.#creatingByRequest.clear()
    this.#creatingByChannel.clear()
    this.#held.clear()
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
      case 'dc.threshold': {
        if (this.#channels.handle(msg)) return
        const creating = this.#creatingByChannel.get(msg.channelId)
        if (creating !== undefined && creating.queue.length < MAX_NOTICES_PER_CREATING_CHANNEL) {
          creating.queue.push(msg)
          return
        }
        break // the host drives it (or nobody does: the host answers as for an unknown channel)
      }
      case 'request':
        if (msg.op === 'dc.create') this.#trackCreate(msg)
        break
      case 'pc.close':
        this.#toHost(msg)
        // the host closes the real pc, which closes its channels; forget them now all the same
        this.#dropPc(msg.pcId)
        return
    }
    this.#toHost(msg)
  }

  /** Remembers a `dc.create` so notices for its channel wait for the channel (see the module comment). */
  #trackCreate (msg: Extract<BridgeRequest, { op: 'dc.create' }>): void {
    if (this.#creatingByRequest.size >= MAX_PENDING_REQUESTS || this.#creatingByChannel.has(msg.channelId)) return
    const creating: Creating = { requestId: msg.id, channelId: msg.channelId, queue: [], adopted: false }
    this.#creatingByRequest.set(msg.id, creating)
    this.#creatingByChannel.set(msg.channelId, creating)
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
      if (isPumpAdopt(data)) this.#adopt(data)
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
      case 'reply': {
        this.#toWorker(msg)
        const creating = this.#creatingByRequest.get(msg.id)
        if (creating === undefined) return
        this.#creatingByRequest.delete(msg.id)
        this.#creatingByChannel.delete(creating.channelId)
        if (creating.adopted) {
          this.#release(creating.channelId)
        } else {
          // the host drives this channel (or failed to create it): the waiting notices are its business
          for (const notice of creating.queue) this.#toHost(notice)
        }
        return
      }
      case 'pc.datachannel':
        this.#toWorker(msg)
        this.#release(msg.channel.channelId)
        return
      case 'host.leave':
        this.#toWorker(msg)
        this.close()
        return
      default:
        this.#toWorker(msg)
    }
  }

  /** Drives a channel the host transferred; its events wait until the worker has heard of it. */
  #adopt (msg: PumpAdoptMessage<HostDataChannel>): void {
    const { pcId, channelId, channel } = msg
    const creating = this.#creatingByChannel.get(channelId)
    let channels = this.#pcs.get(pcId)
    const full = channels === undefined
      ? this.#pcs.size >= MAX_PEER_CONNECTIONS
      : channels.size >= MAX_CHANNELS_PER_PEER_CONNECTION
    if (this.#channels.has(channelId) || this.#held.has(channelId)) {
      this.#log('pump: refused a second channel %s of %s', channelId, pcId)
      this.#closeRefused(channel)
      return
    }
    if (full) {
      // the host keeps the same limits, so only a confused host gets here
      this.#log('pump: refused channel %s of %s: too many channels', channelId, pcId)
      this.#closeRefused(channel)
      if (creating !== undefined) creating.adopted = true
      this.#held.set(channelId, [{ message: { type: 'dc.close', channelId }, transfer: [] }])
      this.#toHostNotice(channelId)
      return
    }
    if (channels === undefined) {
      channels = new Set()
      this.#pcs.set(pcId, channels)
    }
    channels.add(channelId)
    this.#channelPc.set(channelId, pcId)
    this.#held.set(channelId, [])
    this.#channels.add(channelId, channel, (m, t) => { this.#emit(channelId, m, t ?? []) }, () => {
      this.#forget(channelId)
      this.#toHostNotice(channelId)
    })
    if (creating !== undefined) {
      creating.adopted = true
      const queue = creating.queue.splice(0)
      for (const notice of queue) this.#runNotice(notice)
    }
    this.#reportState(channelId, channel)
  }

  /**
   * Reports a state the channel reached before the pump listened to it. In
   * Chromium a transferred channel starts over as 'connecting' and fires its
   * own 'open'; an engine that hands it over already open, or already closed
   * (its pc closed meanwhile), fires nothing more. An extra `dc.open` is harmless.
   */
  #reportState (channelId: ChannelKey, channel: HostDataChannel): void {
    if (channel.readyState === 'open') {
      this.#emit(channelId, { type: 'dc.open', channelId, id: channel.id }, [])
    } else if (channel.readyState === 'closed') {
      this.#emit(channelId, { type: 'dc.close', channelId }, [])
      this.#channels.drop(channelId)
      this.#forget(channelId)
      this.#toHostNotice(channelId)
    }
  }

  /** A notice that waited for its channel, run now that the channel is here. */
  #runNotice (notice: ChannelNotice): void {
    try {
      this.#channels.handle(notice)
    } catch (err) {
      this.#log('pump: error handling %s: %o', notice.type, err)
      this.#toWorker({ type: 'host.error', command: notice.type, error: errorToWire(err) })
    }
  }

  #closeRefused (channel: HostDataChannel): void {
    try {
      channel.close()
    } catch (err) {
      this.#log('pump: closing a refused channel threw: %o', err)
    }
  }

  #toHostNotice (channelId: ChannelKey): void {
    this.#toHost({ type: 'pump.closed', channelId })
  }

  /** Removes an adopted channel from the bookkeeping (the table already let it go). */
  #forget (channelId: ChannelKey): void {
    const pcId = this.#channelPc.get(channelId)
    this.#channelPc.delete(channelId)
    if (pcId === undefined) return
    const channels = this.#pcs.get(pcId)
    channels?.delete(channelId)
    if (channels?.size === 0) this.#pcs.delete(pcId)
  }

  /** The worker closed a pc: its channels close with it; stop driving them. */
  #dropPc (pcId: PcKey): void {
    const channels = this.#pcs.get(pcId)
    if (channels === undefined) return
    this.#pcs.delete(pcId)
    for (const channelId of channels) {
      this.#channels.drop(channelId)
      this.#channelPc.delete(channelId)
      this.#held.delete(channelId)
    }
  }

  /** Posts a channel's event to the worker, or holds it until the channel is announced. */
  #emit (channelId: ChannelKey, message: HostToWorker, transfer: ArrayBuffer[]): void {
    const held = this.#held.get(channelId)
    if (held === undefined) {
      this.#toWorker(message, transfer)
      return
    }
    held.push({ message, transfer })
    if (held.length >= MAX_HELD_EVENTS_PER_CHANNEL) {
      this.#log('pump: channel %s was not announced after %d events; sending them anyway', channelId, held.length)
      this.#release(channelId)
    }
  }

  /** The worker has heard of the channel: send what was held, in order. */
  #release (channelId: ChannelKey): void {
    const held = this.#held.get(channelId)
    if (held === undefined) return
    this.#held.delete(channelId)
    for (const { message, transfer } of held) this.#toWorker(message, transfer)
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
