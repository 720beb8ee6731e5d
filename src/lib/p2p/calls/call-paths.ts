/**
 * The frames of a call to one device: a call goes to every device of the
 * contact's account while it rings (docs/protocols.md, "Calls: an account
 * with several devices"), each device its own leg, and the frames of one
 * leg go one after another, each after the reply to the one before. This
 * file carries one frame to one device: over a connection the dialer finds,
 * once more when that connection closed under it, or, for the frames that
 * answer and end a call, on every open connection at once.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import type { CallCandidate, CallReply, CallRequest } from '@parley/protocol/call/wire'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { CallService } from './call-service.ts'
import type { Libp2p, Logger } from '@libp2p/interface'

/** Connections a call's answer or ending frame goes on at once (CallPaths.onEveryPath). */
export const MAX_PARALLEL_PATHS = 3

/**
 * A call's path to one device. An outgoing call has one per device of the
 * contact's account; an incoming one, the caller's device alone.
 *
 * - calling: our invite is on its way; ringing: it rings there;
 * - on: the device the call is with (the caller's, or the callee's that answered);
 * - gone: it refused, could not be reached, or was told the call is over for it.
 */
export interface Leg {
  /** the device's PeerID */
  readonly peer: string
  state: 'calling' | 'ringing' | 'on' | 'gone'
  /** the frames to it, one after another */
  queue: Promise<void>
  /** our candidates waiting for its next ice frame */
  outgoing: CallCandidate[]
}

export function newLeg (peer: string, state: Leg['state']): Leg {
  return { peer, state, queue: Promise.resolve(), outgoing: [] }
}

export interface CallPathsComponents {
  dialer: Pick<ContactDialer, 'connect'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { call: Pick<CallService, 'send'> } }
}

export class CallPaths {
  readonly #components: CallPathsComponents
  readonly #log: Logger

  constructor (components: CallPathsComponents, log: Logger) {
    this.#components = components
    this.#log = log
  }

  /**
   * The frames that answer and end a call go on every open connection to the
   * device at once (at most MAX_PARALLEL_PATHS; the first reply wins, the
   * device answers the later copies unknown-call): a tab that closed may
   * have hosted the direct connection (Firefox's WebRTC lives in a tab), which
   * then dies under the frame while the relayed one still carries it. The
   * ending frame of the call it held, or the answer to the next call, which
   * rang over another connection (it was lost on the dying one until its
   * timeout: the Chromium-Firefox e2e of a second call after a closed tab).
   * With none open, or all failing, it is sent as any frame.
   */
  async onEveryPath (callId: string, leg: Leg, frame: CallRequest): Promise<CallReply> {
    const { libp2p } = this.#components
    const open = libp2p.getConnections(peerIdFromString(leg.peer)).filter(c => c.status === 'open').slice(0, MAX_PARALLEL_PATHS)
    if (open.length > 1) {
      const reply = await Promise.any(open.map(async c => libp2p.services.call.send(c, frame))).catch(() => undefined)
      if (reply !== undefined) return reply
    }
    return this.exchange(callId, leg, frame)
  }

  /** One frame to the device and its reply; a frame whose connection closed under it goes once more, on a new one. */
  async exchange (callId: string, leg: Leg, frame: CallRequest, again = true): Promise<CallReply> {
    const connection = await this.#components.dialer.connect({ peerId: leg.peer }, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })
    let reply: CallReply
    try {
      reply = await this.#components.libp2p.services.call.send(connection, frame)
    } catch (err) {
      // the connection closed under the frame (the tab that hosted its WebRTC went away, as when the
      // tab holding the call closes and this frame is its hang-up): once more, on another one
      if (!again || connection.status === 'open') throw err
      this.#log('%s of call %s: its connection closed, sending again - %e', frame.type, callId, err)
      return this.exchange(callId, leg, frame, false)
    }
    if (reply.type === 'reject' && frame.type !== 'invite') this.#log('%s of call %s refused by %p: %s', frame.type, callId, peerIdFromString(leg.peer), reply.reason)
    return reply
  }
}
