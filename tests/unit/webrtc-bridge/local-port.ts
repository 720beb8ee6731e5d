/**
 * An in-process stand-in for a MessageChannel between `RtcHost` and
 * `ChannelPump`: a fake data channel is an ordinary object, which a real
 * MessagePort cannot clone, let alone transfer. Messages are delivered
 * asynchronously (one macrotask each, `setImmediate` like Node's ports), in order, as the very
 * same objects (no structured clone); transfer lists are accepted and ignored.
 * `close()` on either end closes both: messages already posted are still
 * delivered, then both ends fire 'close' (as Node's and recent Chromium's ports do).
 */

import type { BridgePort } from '../../../src/lib/webrtc-bridge/protocol.ts'

type PortEvent = 'message' | 'messageerror' | 'close'

/** One end of a {@link LocalPortPair}. */
export class LocalPort extends EventTarget implements BridgePort {
  /** Every message posted from this end, in order (for assertions). */
  readonly posted: unknown[] = []
  #peer: LocalPort | undefined
  #pair: LocalPortPair

  constructor (pair: LocalPortPair) {
    super()
    this.#pair = pair
  }

  /** @internal */
  _entangle (peer: LocalPort): void { this.#peer = peer }

  postMessage (message: unknown, _transfer: Transferable[] = []): void {
    if (this.#pair.closed) return
    this.posted.push(message)
    const peer = this.#peer
    this.#pair._schedule(() => { peer?.dispatchEvent(new MessageEvent('message', { data: message })) })
  }

  override addEventListener (type: PortEvent, listener: (event: Event) => void): void {
    super.addEventListener(type, listener)
  }

  override removeEventListener (type: PortEvent, listener: (event: Event) => void): void {
    super.removeEventListener(type, listener)
  }

  start (): void {}

  close (): void { this.#pair.close() }
}

/** Two entangled {@link LocalPort}s sharing one in-order delivery queue. */
export class LocalPortPair {
  readonly port1: LocalPort
  readonly port2: LocalPort
  #closed = false
  #tasks: Array<() => void> = []
  #scheduled = false

  constructor () {
    this.port1 = new LocalPort(this)
    this.port2 = new LocalPort(this)
    this.port1._entangle(this.port2)
    this.port2._entangle(this.port1)
  }

  get closed (): boolean { return this.#closed }

  /** Closes both ends; pending messages are delivered first. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    this._schedule(() => {
      this.port1.dispatchEvent(new Event('close'))
      this.port2.dispatchEvent(new Event('close'))
    })
  }

  /** @internal Runs `task` in a later macrotask, after every task scheduled before it. */
  _schedule (task: () => void): void {
    this.#tasks.push(task)
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => { this.#runOne() })
  }

  #runOne (): void {
    const task = this.#tasks.shift()
    if (this.#tasks.length > 0) setImmediate(() => { this.#runOne() })
    else this.#scheduled = false
    task?.()
  }
}
