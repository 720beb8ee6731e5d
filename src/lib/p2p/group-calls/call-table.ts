/**
 * The group calls a node knows of (each `state` said who is in one), and
 * those that ended, so that a late `state` of one does not bring it back.
 * Both bounded.
 */
import type { CallMesh } from '@parley/protocol/group-call/mesh'
import type { GroupCallEndReason, GroupCallView } from '../../contract/group-call-types.ts'

/** Calls a node knows of at once (in our groups); beyond, the oldest not joined nor ringing is forgotten. */
export const MAX_KNOWN_CALLS = 32
/** Ended calls remembered. */
export const MAX_ENDED_CALLS = 256

export interface Call {
  groupId: string
  callId: string
  video: boolean
  phase: GroupCallView['phase']
  startedBy: string
  startedAt: number
  /** the newest `state`'s `sentAt` we took */
  sentAt: number
  /** the devices in it, by member: as the newest `state` said, or our mesh once we are in it */
  participants: Map<string, string>
  declined: Set<string>
  /** members any state, join or joined named: who took part */
  took: Set<string>
  /** the devices we knew in the call while in it: whom we join again after our network dropped */
  known: Set<string>
  /** the device whose `state` rang us */
  ringer?: string
  declinedHere: boolean
  /** this device's pairs while it is in the call */
  mesh?: CallMesh
  timer?: ReturnType<typeof setTimeout>
  reason?: GroupCallEndReason
}

/** A call known of for the first time: nobody declined, took part or is known yet. */
export function newCall (fields: Pick<Call, 'groupId' | 'callId' | 'video' | 'phase' | 'startedBy' | 'startedAt' | 'sentAt'> & Partial<Pick<Call, 'mesh' | 'took'>>): Call {
  return { participants: new Map(), declined: new Set(), took: new Set(), known: new Set(), declinedHere: false, ...fields }
}

export class CallTable {
  readonly #calls = new Map<string, Call>()
  readonly #ended = new Set<string>()

  get (callId: string): Call | undefined {
    return this.#calls.get(callId)
  }

  values (): IterableIterator<Call> {
    return this.#calls.values()
  }

  add (call: Call): Call {
    if (this.#calls.size >= MAX_KNOWN_CALLS) {
      const idle = [...this.#calls.values()].find(c => c.mesh === undefined && c.phase !== 'ringing')
      if (idle !== undefined) this.#calls.delete(idle.callId)
    }
    this.#calls.set(call.callId, call)
    return call
  }

  /** The call ended: forgotten, and its id remembered. */
  ended (callId: string): void {
    this.#calls.delete(callId)
    this.#ended.add(callId)
    if (this.#ended.size > MAX_ENDED_CALLS) this.#ended.delete(this.#ended.values().next().value as string)
  }

  hasEnded (callId: string): boolean {
    return this.#ended.has(callId)
  }
}

export function view (call: Call): GroupCallView {
  return {
    groupId: call.groupId,
    callId: call.callId,
    video: call.video,
    phase: call.phase,
    participants: [...call.participants].map(([peer, member]) => ({ peer, member })),
    declined: [...call.declined],
    startedBy: call.startedBy,
    startedAt: call.startedAt,
    ...(call.reason === undefined ? {} : { reason: call.reason })
  }
}
