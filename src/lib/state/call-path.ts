/**
 * A call's path kept up when the network changes (docs/protocols.md, "Calls"):
 * the caller restarts ICE, a new offer through the node, after RESTART_AFTER_MS
 * of 'disconnected' or at once on 'failed'; the callee waits for it (the two
 * sides never offer at once). Not connected again within RECONNECT_WITHIN_MS
 * (or after MAX_RESTARTS), the call ends as failed. The tab's CallManager
 * (call.svelte.ts) holds one and resets it when its call closes.
 */

/** A path down this long (ICE 'disconnected') is restarted; 'failed' is restarted at once. */
export const RESTART_AFTER_MS = 3000
/** After a restart (or, for the callee, a failure) the call ends as failed unless it connects again within this. */
export const RECONNECT_WITHIN_MS = 15_000
/** Restarts one call may try. */
export const MAX_RESTARTS = 3

import type { CallCandidates } from './call-candidates.ts'

export class CallPath {
  /** we placed the call held here: the caller restarts ICE (so the two sides never offer at once) */
  caller = false
  readonly #candidates: Pick<CallCandidates, 'restarting'>
  readonly #current: () => RTCPeerConnection | undefined
  readonly #callId: () => string | undefined
  readonly #fail: () => Promise<void>
  readonly #offer: (callId: string, sdp: string) => Promise<unknown>
  #restarts = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  /**
   * `candidates`: the call's, whose new round waits for their answer once we
   * restart; `current`: the peer connection of the call held here now (a
   * timer of an older one does nothing); `callId`: the call held here, if it
   * has its id; `fail`: ends the call as failed, on both sides; `offer`: sends
   * our restart's offer.
   */
  constructor (
    candidates: Pick<CallCandidates, 'restarting'>,
    current: () => RTCPeerConnection | undefined,
    callId: () => string | undefined,
    fail: () => Promise<void>,
    offer: (callId: string, sdp: string) => Promise<unknown>
  ) {
    this.#candidates = candidates
    this.#current = current
    this.#callId = callId
    this.#fail = fail
    this.#offer = offer
  }

  /** The connection's state changed: connected again clears the deadline; down, a restart or a deadline is set. */
  watch (pc: RTCPeerConnection): void {
    const state = pc.connectionState
    if (state === 'connected') {
      clearTimeout(this.#timer)
      this.#timer = undefined
      return
    }
    if (state !== 'disconnected' && state !== 'failed') return
    if (!this.caller) {
      this.#timer ??= setTimeout(() => { if (pc === this.#current()) void this.#fail() }, RECONNECT_WITHIN_MS)
      return
    }
    if (state === 'disconnected' && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        if (pc === this.#current() && pc.connectionState !== 'connected') void this.#restart(pc)
      }, RESTART_AFTER_MS)
    } else if (state === 'failed') {
      clearTimeout(this.#timer)
      this.#timer = undefined
      void this.#restart(pc)
    }
  }

  /** The call closed here: no timer left, the next call starts with no restarts. */
  reset (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#restarts = 0
    this.caller = false
  }

  async #restart (pc: RTCPeerConnection): Promise<void> {
    const callId = this.#callId()
    if (callId === undefined) return
    if (this.#restarts >= MAX_RESTARTS) {
      await this.#fail()
      return
    }
    this.#restarts++
    this.#candidates.restarting()
    pc.restartIce()
    try {
      await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }))
      await this.#offer(callId, pc.localDescription?.sdp ?? '')
    } catch {
      // the next state change tries again, or the deadline ends the call
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (pc === this.#current() && pc.connectionState !== 'connected') void this.#restart(pc)
    }, RECONNECT_WITHIN_MS)
  }
}
