/**
 * Event plumbing for the proxy classes: event types shaped like the browser's
 * (`RTCPeerConnectionIceEvent`, `RTCDataChannelEvent`, `MessageEvent`,
 * `RTCErrorEvent`) and `on<type>` handler properties with browser semantics.
 * Worker-safe: uses only `Event` and `EventTarget`.
 */

/** A handler property value, as in `pc.onicecandidate = (evt) => …`. */
export type EventHandler<E extends Event = Event> = ((this: unknown, event: E) => unknown) | null

/** `icecandidate`: `candidate` is null at the end of gathering. */
export class BridgeIceCandidateEvent<C> extends Event {
  readonly candidate: C | null
  constructor (candidate: C | null) {
    super('icecandidate')
    this.candidate = candidate
  }
}

/** `icecandidateerror`, with the fields of `RTCPeerConnectionIceErrorEvent`. */
export class BridgeIceCandidateErrorEvent extends Event {
  readonly errorCode: number
  readonly errorText: string
  readonly url: string
  readonly address: string | null
  readonly port: number | null
  constructor (init: { errorCode: number, errorText: string, url: string, address: string | null, port: number | null }) {
    super('icecandidateerror')
    this.errorCode = init.errorCode
    this.errorText = init.errorText
    this.url = init.url
    this.address = init.address
    this.port = init.port
  }
}

/** `datachannel`: a channel the remote peer created. */
export class BridgeDataChannelEvent<C> extends Event {
  readonly channel: C
  constructor (channel: C) {
    super('datachannel')
    this.channel = channel
  }
}

/** `message` on a data channel: `data` is an ArrayBuffer (or a Blob with binaryType 'blob', or a string). */
export class BridgeMessageEvent extends Event {
  readonly data: ArrayBuffer | Blob | string
  constructor (data: ArrayBuffer | Blob | string) {
    super('message')
    this.data = data
  }
}

/** `error` on a data channel (`RTCErrorEvent`): `error` has the host's `name` and `message`. */
export class BridgeErrorEvent extends Event {
  readonly error: Error
  constructor (error: Error) {
    super('error')
    this.error = error
  }
}

/**
 * Backs `on<type>` properties. As in browsers, assigning a function registers
 * one listener at that moment (so it runs in order with `addEventListener`
 * listeners); later assignments swap the function in place; `null` removes it.
 */
export class HandlerSlots {
  readonly #target: EventTarget
  readonly #handlers = new Map<string, { fn: (event: Event) => unknown, listener: (event: Event) => void }>()

  constructor (target: EventTarget) {
    this.#target = target
  }

  /** The current handler for `type`, or null. */
  get<E extends Event> (type: string): EventHandler<E> {
    return (this.#handlers.get(type)?.fn as EventHandler<E> | undefined) ?? null
  }

  /** Sets (or with anything but a function, clears) the handler for `type`. */
  set (type: string, fn: unknown): void {
    const slot = this.#handlers.get(type)
    if (typeof fn !== 'function') {
      if (slot !== undefined) {
        this.#target.removeEventListener(type, slot.listener)
        this.#handlers.delete(type)
      }
      return
    }
    const handler = fn as (event: Event) => unknown
    if (slot !== undefined) {
      slot.fn = handler
      return
    }
    const entry = {
      fn: handler,
      listener: (event: Event): void => { entry.fn.call(this.#target, event) }
    }
    this.#handlers.set(type, entry)
    this.#target.addEventListener(type, entry.listener)
  }
}
