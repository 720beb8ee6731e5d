/**
 * Who offers to whom in a group call (docs/protocols.md, "Group calls",
 * The mesh): one participant's view of its pairs, as pure rules the node
 * applies to the frames it sends and takes. Each pair of participants'
 * devices has one RTCPeerConnection, and its offer comes from the one that
 * joined later: a joiner sends `join` (its offer) to every participant it
 * knows of, and learns of the others from their `joined` replies.
 *
 * - Glare: two devices joining at once may each send `join` to the other.
 *   The join of the smaller PeerID (`glareWinner`) stands: the smaller
 *   answers the larger's `reject glare`, the larger drops its own offer and
 *   answers the smaller's.
 * - Full: a participant with MAX_GROUP_CALL_PARTICIPANTS − 1 pairs answers
 *   a new joiner `reject full`; a joiner refused `full` by anyone, or whose
 *   replies name more participants than a call holds, leaves the call (it
 *   sends `leave` to every pair), so that no two participants see different
 *   calls.
 * - Coming back: a `join` from a device that is already a pair replaces the
 *   pair (its network dropped and it joined again).
 *
 * The frames of one pair go one after another, each after the reply to the
 * one before (as in 1:1 calls), so a `leave` never overtakes the `join`
 * before it.
 */
import { MAX_GROUP_CALL_PARTICIPANTS } from './constants.ts'

/** Of two devices that sent `join` to each other, the one whose join stands: the smaller PeerID (UTF-16 code unit order). */
export function glareWinner (a: string, b: string): string {
  return a < b ? a : b
}

/** What a participant answers a `join`. */
export type JoinAnswer =
  | { reply: 'joined', participants: string[] }
  | { reply: 'glare' | 'full' | 'unknown-call' }

/** The frames a change of the view sends: `join` (an offer) to these, `leave` to those. */
export interface MeshSends {
  join: string[]
  leave: string[]
}

const NONE: MeshSends = { join: [], leave: [] }

/**
 * One participant's pairs in one call: `offering` while its join to the
 * device waits for the reply, `open` once a join either way was answered.
 */
export class CallMesh {
  readonly me: string
  readonly #max: number
  #in = false
  readonly #pairs = new Map<string, 'offering' | 'open'>()

  constructor (me: string, max: number = MAX_GROUP_CALL_PARTICIPANTS) {
    this.me = me
    this.#max = max
  }

  /** Whether this device is in the call. */
  get inCall (): boolean {
    return this.#in
  }

  /** This device and the devices it is paired with (open pairs), this device first. */
  participants (): string[] {
    return [this.me, ...[...this.#pairs].filter(([, state]) => state === 'open').map(([peer]) => peer)]
  }

  /** The pair with `peer`: `offering`, `open`, or undefined. */
  pair (peer: string): 'offering' | 'open' | undefined {
    return this.#pairs.get(peer)
  }

  /** Starts the call, alone in it. */
  start (): void {
    this.#in = true
  }

  /**
   * Joins the call whose participants `known` names (a `state` said them):
   * the joins to send; undefined, and not joined, when they are as many as
   * a call holds.
   */
  join (known: readonly string[]): MeshSends | undefined {
    if (new Set(known.filter(peer => peer !== this.me)).size > this.#max - 1) return undefined
    this.#in = true
    return { join: this.#offerTo(known), leave: [] }
  }

  /** A `join` from `from`: the answer, the pair kept when it is `joined`. */
  onJoin (from: string): JoinAnswer {
    if (!this.#in || from === this.me) return { reply: 'unknown-call' }
    const pair = this.#pairs.get(from)
    if (pair === 'offering' && glareWinner(this.me, from) === this.me) return { reply: 'glare' }
    if (pair === undefined && this.#pairs.size >= this.#max - 1) return { reply: 'full' }
    // a new joiner, the device our own join lost to, or one that joined again
    this.#pairs.set(from, 'open')
    return { reply: 'joined', participants: this.participants() }
  }

  /** The `joined` reply of `from` to our join: the joins to send to participants it named that we did not know, or, past a full call, the leaves. */
  onJoined (from: string, participants: readonly string[]): MeshSends {
    if (!this.#in || this.#pairs.get(from) !== 'offering') return NONE
    this.#pairs.set(from, 'open')
    const others = new Set([...participants, ...this.#pairs.keys()])
    others.delete(this.me)
    if (others.size > this.#max - 1) return this.leave()
    return { join: this.#offerTo(participants), leave: [] }
  }

  /** `from` refused our join (`reason`): a full call is left; otherwise that pair is not made (after glare, the other's join makes it). */
  onRefused (from: string, reason: string): MeshSends {
    if (!this.#in || this.#pairs.get(from) !== 'offering') return NONE
    if (reason === 'full') return this.leave()
    this.#pairs.delete(from)
    return NONE
  }

  /** `from` left the call (a `leave`), or its pair failed for good. */
  onLeave (from: string): void {
    this.#pairs.delete(from)
  }

  /** Leaves the call: the `leave`s to send (every pair, those still offering too). */
  leave (): MeshSends {
    const leave = [...this.#pairs.keys()]
    this.#pairs.clear()
    this.#in = false
    return { join: [], leave }
  }

  #offerTo (known: readonly string[]): string[] {
    const join: string[] = []
    for (const peer of known) {
      if (peer === this.me || this.#pairs.has(peer) || this.#pairs.size >= this.#max - 1) continue
      this.#pairs.set(peer, 'offering')
      join.push(peer)
    }
    return join
  }
}
