/**
 * Worker side of one host tab: the port, the requests awaiting a reply, and
 * the proxy objects that live on that host. Routes each validated host message
 * to its proxy; when the host goes away, settles everything it held.
 */

import { MAX_PENDING_REQUESTS } from './constants.ts'
import { RtcHostGoneError, TimeoutError, TooManyError, errorFromWire } from './errors.ts'
import { isHostToWorker } from './guards.ts'
import type { BridgeLog, BridgePort, ChannelKey, HostToWorker, PcKey, ReplyResult, RequestBody, WorkerNotice } from './protocol.ts'
import type { ProxyDataChannel } from './proxy-channel.ts'
import type { ProxyPeerConnection } from './proxy-peer-connection.ts'

interface Pending {
  resolve: (result: ReplyResult) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout>
  pcId: PcKey | undefined
}

/** What a link tells its bridge. */
export interface HostLinkEvents {
  /** The host went away; `lostPeerConnections` proxies were closed. */
  onGone: (link: HostLink, lostPeerConnections: number) => void
  /** The host reported a visibility change. */
  onVisibility: (link: HostLink) => void
}

/** One registered host tab, as the worker sees it. */
export class HostLink {
  /** Bridge-assigned id, unique for the bridge's lifetime. */
  readonly id: number
  /** Whether the tab says it is visible. */
  visible: boolean
  /** Ordering stamps (higher = more recent) used to pick the current host. */
  addedAt: number
  visibleAt: number
  /** Proxies hosted here. */
  readonly pcs = new Map<PcKey, ProxyPeerConnection>()
  readonly channels = new Map<ChannelKey, ProxyDataChannel>()

  readonly #port: BridgePort
  readonly #log: BridgeLog
  readonly #timeoutMs: number
  readonly #events: HostLinkEvents
  readonly #stamp: () => number
  readonly #pending = new Map<number, Pending>()
  #nextRequestId = 1
  #gone = false

  constructor (init: {
    id: number
    port: BridgePort
    visible: boolean
    log: BridgeLog
    timeoutMs: number
    stamp: () => number
    events: HostLinkEvents
  }) {
    this.id = init.id
    this.#port = init.port
    this.visible = init.visible
    this.#log = init.log
    this.#timeoutMs = init.timeoutMs
    this.#stamp = init.stamp
    this.#events = init.events
    this.addedAt = init.stamp()
    this.visibleAt = init.visible ? this.addedAt : 0
    this.#port.addEventListener('message', this.#onMessage)
    this.#port.addEventListener('messageerror', this.#onMessageError)
    this.#port.addEventListener('close', this.#onClose)
    this.#port.start?.()
  }

  /** True once the host has gone away; a gone link never comes back. */
  get gone (): boolean {
    return this.#gone
  }

  /** Sends a request; settles with the reply, a `TimeoutError`, or `RtcHostGoneError`. */
  async request (body: RequestBody, pcId?: PcKey): Promise<ReplyResult> {
    if (this.#gone) throw new RtcHostGoneError()
    if (this.#pending.size >= MAX_PENDING_REQUESTS) {
      throw new TooManyError(`More than ${MAX_PENDING_REQUESTS} WebRTC bridge requests are waiting for a tab`)
    }
    const id = this.#nextRequestId++
    const promise = new Promise<ReplyResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new TimeoutError(`The RTC host did not answer ${body.op} within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      this.#pending.set(id, { resolve, reject, timer, pcId })
    })
    this.#post({ ...body, type: 'request', id }, [])
    return await promise
  }

  /** Sends a fire-and-forget message; transferred buffers are detached here. */
  notify (message: WorkerNotice, transfer: ArrayBuffer[] = []): void {
    if (this.#gone) return
    this.#post(message, transfer)
  }

  /** Rejects every pending request of one peer connection (it was closed locally). */
  rejectPendingFor (pcId: PcKey, err: Error): void {
    for (const [id, p] of this.#pending) {
      if (p.pcId !== pcId) continue
      this.#pending.delete(id)
      clearTimeout(p.timer)
      p.reject(err)
    }
  }

  /** The host is gone (removed, left, port closed or broken): close everything it hosted. */
  lose (reason: string): void {
    if (this.#gone) return
    this.#gone = true
    this.#port.removeEventListener('message', this.#onMessage)
    this.#port.removeEventListener('messageerror', this.#onMessageError)
    this.#port.removeEventListener('close', this.#onClose)
    const err = new RtcHostGoneError(`The tab hosting this WebRTC connection went away (${reason})`)
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.#pending.clear()
    const pcs = [...this.pcs.values()]
    this.pcs.clear()
    for (const pc of pcs) {
      try {
        pc._hostLost()
      } catch (e) {
        this.#log('error closing a peer connection of host %d: %o', this.id, e)
      }
    }
    this.channels.clear()
    this.#events.onGone(this, pcs.length)
  }

  #post (message: unknown, transfer: ArrayBuffer[]): void {
    try {
      this.#port.postMessage(message, transfer)
    } catch (err) {
      this.#log('postMessage to host %d failed, dropping the host: %o', this.id, err)
      // Settle everything asynchronously so the caller (e.g. send()) returns first.
      queueMicrotask(() => { this.lose('postMessage failed') })
    }
  }

  readonly #onClose = (): void => { this.lose('port closed') }

  readonly #onMessageError = (): void => {
    this.#log('host %d sent a message that could not be deserialized; dropped', this.id)
  }

  readonly #onMessage = (event: Event): void => {
    const data: unknown = (event as MessageEvent).data
    if (!isHostToWorker(data)) {
      this.#log('dropped a malformed message from host %d: %o', this.id, data)
      return
    }
    try {
      this.#route(data)
    } catch (err) {
      this.#log('error handling %s from host %d: %o', data.type, this.id, err)
    }
  }

  #route (msg: HostToWorker): void {
    switch (msg.type) {
      case 'reply': {
        const p = this.#pending.get(msg.id)
        if (p === undefined) return // late reply after a timeout or a local close
        this.#pending.delete(msg.id)
        clearTimeout(p.timer)
        if (msg.ok) p.resolve(msg.result)
        else p.reject(errorFromWire(msg.error))
        return
      }
      case 'pc.icecandidate':
      case 'pc.icecandidateerror':
      case 'pc.event':
      case 'pc.datachannel':
        this.pcs.get(msg.pcId)?._onHostEvent(msg)
        return
      case 'dc.open':
      case 'dc.closing':
      case 'dc.close':
      case 'dc.error':
      case 'dc.message':
      case 'dc.sent':
      case 'dc.bufferedamountlow':
        this.channels.get(msg.channelId)?._onHostEvent(msg)
        return
      case 'host.visibility':
        if (msg.visible === this.visible) return
        this.visible = msg.visible
        if (msg.visible) this.visibleAt = this.#stamp()
        this.#events.onVisibility(this)
        return
      case 'host.leave':
        this.lose('tab left')
        return
      case 'host.error':
        this.#log('host %d could not run %s: %s: %s', this.id, msg.command, msg.error.name, msg.error.message)
    }
  }
}
