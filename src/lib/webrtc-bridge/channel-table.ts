/**
 * The real data channels one thread of a tab drives, and the worker's
 * `dc.send` / `dc.close` / `dc.threshold` notices run on them. `RtcHost` keeps
 * one for the channels it drives on the main thread, `ChannelPump` one for the
 * channels transferred to it: one implementation, so a channel behaves the
 * same wherever it lives (see docs/webrtc-bridge.md, "Back-pressure").
 */

import { errorToWire } from './errors.ts'
import type { ChannelKey, WorkerNotice } from './protocol.ts'
import type { HostDataChannel } from './host-types.ts'
import { wireDataChannel } from './host-wiring.ts'
import type { HostPost } from './host-wiring.ts'

/** The worker's notices addressed to one channel. */
export type ChannelNotice = Extract<WorkerNotice, { channelId: ChannelKey }>

interface Entry {
  channel: HostDataChannel
  /** Where this channel's events and `dc.sent` acks go. */
  post: HostPost
  detach: () => void
  /** The proxy's `bufferedAmountLowThreshold`. */
  threshold: number
  /**
   * True while the real threshold is lowered to 0 after a low event above 0,
   * so the worker also learns when the buffer is empty.
   */
  draining: boolean
}

/** Channels keyed by their bridge id, wired to post their events (see the module comment). */
export class ChannelTable {
  readonly #entries = new Map<ChannelKey, Entry>()

  /** Channels held. */
  get size (): number { return this.#entries.size }

  /** True if `key` is held here. */
  has (key: ChannelKey): boolean { return this.#entries.has(key) }

  /**
   * Wires `channel` so its events go to `post`, and keeps it. `onClosed` runs
   * once its close event has been posted and the table has let it go.
   */
  add (key: ChannelKey, channel: HostDataChannel, post: HostPost, onClosed: () => void): void {
    const entry: Entry = { channel, post, detach: () => {}, threshold: channel.bufferedAmountLowThreshold, draining: false }
    entry.detach = wireDataChannel(key, channel, post, {
      onClosed: () => {
        if (this.#entries.get(key) !== entry) return
        this.drop(key)
        onClosed()
      },
      onLow: () => { this.#onLow(entry) }
    })
    this.#entries.set(key, entry)
  }

  /** Forgets `key` without closing the real channel (its listeners are removed). False if unknown. */
  drop (key: ChannelKey): boolean {
    const entry = this.#entries.get(key)
    if (entry === undefined) return false
    entry.detach()
    this.#entries.delete(key)
    return true
  }

  /** Forgets every channel and closes each real one. */
  closeAll (onError: (key: ChannelKey, err: unknown) => void): void {
    for (const [key, entry] of [...this.#entries]) {
      this.drop(key)
      try {
        entry.channel.close()
      } catch (err) {
        onError(key, err)
      }
    }
  }

  /**
   * Runs a notice on the channel it names and returns true, or returns false
   * (doing nothing) when that channel is not held here. `dc.send` and
   * `dc.sendMany` always answer with one `dc.sent` (the messages of a
   * `dc.sendMany` are sent in order, up to the first that throws); a throwing
   * `close()` is thrown to the caller.
   */
  handle (msg: ChannelNotice): boolean {
    const entry = this.#entries.get(msg.channelId)
    if (entry === undefined) return false
    switch (msg.type) {
      case 'dc.send':
      case 'dc.sendMany': {
        this.#restoreThreshold(entry)
        let error = null
        try {
          if (msg.type === 'dc.send') sendOn(entry.channel, msg.data)
          else for (const data of msg.data) entry.channel.send(data)
        } catch (err) {
          error = errorToWire(err)
        }
        const bufferedAmount = entry.channel.bufferedAmount
        entry.post({ type: 'dc.sent', channelId: msg.channelId, bytes: msg.bytes, bufferedAmount, error })
        return true
      }
      case 'dc.close':
        entry.channel.close()
        return true
      case 'dc.threshold':
        entry.threshold = msg.threshold
        entry.draining = false
        entry.channel.bufferedAmountLowThreshold = msg.threshold
        return true
    }
  }

  #restoreThreshold (entry: Entry): void {
    if (!entry.draining) return
    entry.draining = false
    entry.channel.bufferedAmountLowThreshold = entry.threshold
  }

  /** After a low event above 0, lower the real threshold to 0 so the worker also hears of the empty buffer. */
  #onLow (entry: Entry): void {
    if (entry.draining) {
      this.#restoreThreshold(entry)
    } else if (entry.channel.bufferedAmount > 0 && entry.threshold > 0) {
      entry.draining = true
      entry.channel.bufferedAmountLowThreshold = 0
    }
  }
}

/** `send` with the overload TypeScript needs for each payload type. */
export function sendOn (channel: HostDataChannel, data: ArrayBuffer | string | Blob): void {
  if (typeof data === 'string') channel.send(data)
  else if (data instanceof ArrayBuffer) channel.send(data)
  else channel.send(data)
}
