/**
 * The data channels one `ChannelPump` (pump.ts) drives, and the order it
 * keeps for them: a channel the host transferred is adopted (within the
 * limits per peer connection), its events are held until the message that
 * announces it to the worker has passed, and the notices the worker sent
 * while its `dc.create` was on the way run on it once it is here. The pump
 * routes the messages; this is its bookkeeping (docs/webrtc-bridge.md,
 * "Channel pump").
 */
import { ChannelTable } from './channel-table.ts'
import type { ChannelNotice } from './channel-table.ts'
import {
  MAX_CHANNELS_PER_PEER_CONNECTION, MAX_HELD_EVENTS_PER_CHANNEL, MAX_NOTICES_PER_CREATING_CHANNEL, MAX_PEER_CONNECTIONS, MAX_PENDING_REQUESTS
} from './constants.ts'
import { errorToWire } from './errors.ts'
import type { HostDataChannel } from './host-types.ts'
import type { BridgeLog, BridgeRequest, ChannelKey, HostToWorker, PcKey, PumpAdoptMessage, PumpToHost } from './protocol.ts'

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

/** The channels the pump drives (see the module comment). */
export class PumpChannels {
  readonly #toWorker: (message: HostToWorker, transfer?: ArrayBuffer[]) => void
  readonly #toHost: (message: PumpToHost) => void
  readonly #log: BridgeLog
  readonly #channels = new ChannelTable()
  /** Adopted channels per peer connection, for the limits and for `pc.close`. */
  readonly #pcs = new Map<PcKey, Set<ChannelKey>>()
  readonly #channelPc = new Map<ChannelKey, PcKey>()
  readonly #creatingByRequest = new Map<number, Creating>()
  readonly #creatingByChannel = new Map<ChannelKey, Creating>()
  /** Events of channels the worker has not heard of yet, in order. */
  readonly #held = new Map<ChannelKey, Held[]>()

  /**
   * Where the channels' messages go: the pump's two ports (to the worker,
   * `transfer` defaulting to the buffer the message carries), and its log.
   */
  constructor (toWorker: (message: HostToWorker, transfer?: ArrayBuffer[]) => void, toHost: (message: PumpToHost) => void, log: BridgeLog) {
    this.#toWorker = toWorker
    this.#toHost = toHost
    this.#log = log
  }

  /** Data channels driven here. */
  get size (): number { return this.#channels.size }

  /**
   * A notice from the worker for a channel: run on it when it is driven here,
   * or kept while its `dc.create` is on the way. False: the host's to handle.
   */
  notice (msg: ChannelNotice): boolean {
    if (this.#channels.handle(msg)) return true
    const creating = this.#creatingByChannel.get(msg.channelId)
    if (creating !== undefined && creating.queue.length < MAX_NOTICES_PER_CREATING_CHANNEL) {
      creating.queue.push(msg)
      return true
    }
    // the host drives it (or nobody does: the host answers as for an unknown channel)
    return false
  }

  /** Remembers a `dc.create` so notices for its channel wait for the channel (see the module comment). */
  trackCreate (msg: Extract<BridgeRequest, { op: 'dc.create' }>): void {
    if (this.#creatingByRequest.size >= MAX_PENDING_REQUESTS || this.#creatingByChannel.has(msg.channelId)) return
    const creating: Creating = { requestId: msg.id, channelId: msg.channelId, queue: [], adopted: false }
    this.#creatingByRequest.set(msg.id, creating)
    this.#creatingByChannel.set(msg.channelId, creating)
  }

  /** The host answered request `id` (the worker has the reply now): a created channel is announced. */
  replied (id: number): void {
    const creating = this.#creatingByRequest.get(id)
    if (creating === undefined) return
    this.#creatingByRequest.delete(id)
    this.#creatingByChannel.delete(creating.channelId)
    if (creating.adopted) {
      this.release(creating.channelId)
    } else {
      // the host drives this channel (or failed to create it): the waiting notices are its business
      for (const notice of creating.queue) this.#toHost(notice)
    }
  }

  /** Drives a channel the host transferred; its events wait until the worker has heard of it. */
  adopt (msg: PumpAdoptMessage<HostDataChannel>): void {
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
  dropPc (pcId: PcKey): void {
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
      this.release(channelId)
    }
  }

  /** The worker has heard of the channel: send what was held, in order. */
  release (channelId: ChannelKey): void {
    const held = this.#held.get(channelId)
    if (held === undefined) return
    this.#held.delete(channelId)
    for (const { message, transfer } of held) this.#toWorker(message, transfer)
  }

  /** The pump shuts down: every channel closed, nothing kept. */
  closeAll (): void {
    this.#channels.closeAll((key, err) => { this.#log('closing channel %s threw: %o', key, err) })
    this.#pcs.clear()
    this.#channelPc.clear()
    this.#creatingByRequest.clear()
    this.#creatingByChannel.clear()
    this.#held.clear()
  }
}
