/**
 * A group call's frames to one device go one after another, each after the
 * reply to the one before (docs/protocols.md, "Group calls", Order), so a
 * `leave` never overtakes its `join` and candidates follow their offer or
 * answer; candidates gathered meanwhile go together, up to 32 a frame. Each
 * frame goes over a connection the dialer finds (direct or relayed), once
 * more on a new one when that connection closed under it.
 */
import { MAX_CANDIDATES_PER_FRAME } from '@parley/protocol/call/constants'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import { CallSessionRefusedError } from '../sessions/index.ts'
import type { GroupCallSender } from './group-call-service.ts'
import type { CallCandidate, GroupCallReply, GroupCallRequest } from '@parley/protocol/group-call/wire'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { Logger } from '@libp2p/interface'

/** Our candidates waiting for one device (it is slow to answer); beyond, the oldest go first. */
export const MAX_WAITING_CANDIDATES = 256
/** Devices one call's frames go to at once (rings and states to every member's devices). */
export const MAX_DEVICES_AT_ONCE = 8
/** Devices a node keeps queues for (each call's pairs and the devices it told): beyond, the idle ones go. */
export const MAX_DEVICE_QUEUES = 256

export interface DeviceFramesComponents {
  dialer: Pick<ContactDialer, 'connect'>
  libp2p: { services: { groupCall: GroupCallSender } }
}

interface Queue {
  tail: Promise<void>
  /** frames waiting or under way */
  pending: number
  candidates: CallCandidate[]
}

export class DeviceFrames {
  readonly #components: DeviceFramesComponents
  readonly #log: Logger
  readonly #queues = new Map<string, Queue>()
  /** how many `send`s run now, and those waiting for a turn */
  #running = 0
  readonly #waiting: Array<() => void> = []

  constructor (components: DeviceFramesComponents, log: Logger) {
    this.#components = components
    this.#log = log
  }

  /**
   * Sends `frame` to `peer` after the earlier frames to it and resolves the
   * reply; rejects when it could not be carried. At most MAX_DEVICES_AT_ONCE
   * exchanges run at once.
   */
  async send (peer: string, frame: GroupCallRequest): Promise<GroupCallReply> {
    return this.#after(peer, async () => this.#exchange(peer, frame))
  }

  /** Our candidates for `peer`: sent with its next ice frame, in order, after the frames before them. */
  candidates (peer: string, callId: string, groupId: string, candidates: readonly CallCandidate[]): void {
    const queue = this.#queue(peer)
    queue.candidates.push(...candidates)
    queue.candidates.splice(0, Math.max(0, queue.candidates.length - MAX_WAITING_CANDIDATES))
    this.#after(peer, async () => {
      while (queue.candidates.length > 0) {
        const batch = queue.candidates.splice(0, MAX_CANDIDATES_PER_FRAME)
        await this.#exchange(peer, { type: 'ice', group: groupId, call: callId, candidates: batch })
      }
    }).catch((err: unknown) => { this.#log('candidates of call %s to %s not carried - %e', callId, peer, err) })
  }

  /** Drops what waits for `peer` (its pair closed): candidates not sent yet are not sent. */
  forget (peer: string): void {
    const queue = this.#queues.get(peer)
    if (queue !== undefined) queue.candidates = []
  }

  #queue (peer: string): Queue {
    let queue = this.#queues.get(peer)
    if (queue === undefined) {
      if (this.#queues.size >= MAX_DEVICE_QUEUES) {
        for (const [other, q] of this.#queues) if (q.pending === 0) { this.#queues.delete(other); break }
      }
      queue = { tail: Promise.resolve(), pending: 0, candidates: [] }
      this.#queues.set(peer, queue)
    }
    return queue
  }

  async #after<T> (peer: string, task: () => Promise<T>): Promise<T> {
    const queue = this.#queue(peer)
    queue.pending++
    const run = queue.tail.then(async () => this.#limited(task))
    queue.tail = run.then(() => {}, () => {}).finally(() => { queue.pending-- })
    return run
  }

  async #limited<T> (task: () => Promise<T>): Promise<T> {
    if (this.#running >= MAX_DEVICES_AT_ONCE) await new Promise<void>((resolve) => { this.#waiting.push(resolve) })
    else this.#running++
    try {
      return await task()
    } finally {
      // the turn passes to the next waiting one, or is given back
      const next = this.#waiting.shift()
      if (next !== undefined) next()
      else this.#running--
    }
  }

  async #exchange (peer: string, frame: GroupCallRequest, again = true): Promise<GroupCallReply> {
    const connection = await this.#components.dialer.connect({ peerId: peer }, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })
    try {
      const reply = await this.#components.libp2p.services.groupCall.send(connection, frame)
      if (reply.type === 'reject') this.#log('%s of call %s refused by %s: %s', frame.type, frame.call, peer, reply.reason)
      return reply
    } catch (err) {
      // the peer could not open our box: the next try goes on a new session
      if (again && err instanceof CallSessionRefusedError) return this.#exchange(peer, frame, false)
      // the connection closed under the frame (the tab that hosted its WebRTC went away): once more, on another one
      if (!again || connection.status === 'open') throw err
      this.#log('%s of call %s: its connection closed, sending again - %e', frame.type, frame.call, err)
      return this.#exchange(peer, frame, false)
    }
  }
}
