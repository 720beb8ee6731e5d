/**
 * One group's operations as a member holds them: verified operations whose
 * predecessors are all present, plus a bounded set waiting for a predecessor
 * that has not arrived yet (out-of-order delivery). The state is the fold of
 * the held operations (state.ts), recomputed when they change.
 */
import { MAX_OPS_PER_GROUP, MAX_PENDING_OPS } from './constants.ts'
import { compareOps, decodeGroupOp, groupOpId, invalidOp } from './op.ts'
import { foldGroup } from './state.ts'
import type { GroupOp, SignedGroupOp } from './op.ts'
import type { GroupState } from './state.ts'

/** What adding an operation did: held now, held already, or waiting for `missing`. */
export type AddResult = { status: 'added', released: GroupOp[] } | { status: 'duplicate' } | { status: 'pending', missing: string[] }

export class GroupLog {
  readonly id: string
  readonly #ops = new Map<string, GroupOp>()
  /** ids named in some held operation's deps */
  readonly #named = new Set<string>()
  /** waiting for a predecessor, oldest first */
  readonly #pending = new Map<string, GroupOp>()
  #state: GroupState | undefined

  /** Starts from the group's create operation (decodeGroupOp has checked it). */
  constructor (create: GroupOp) {
    if (create.kind !== 'create') throw invalidOp('a group starts with its create operation')
    this.id = create.group
    this.#ops.set(create.id, create)
  }

  get size (): number { return this.#ops.size }
  get lamport (): number {
    let max = 0
    for (const op of this.#ops.values()) max = Math.max(max, op.lamport)
    return max
  }

  has (id: string): boolean { return this.#ops.has(id) }
  get (id: string): GroupOp | undefined { return this.#ops.get(id) }

  /**
   * `signed` as an operation: the one held or waiting when it is that one
   * (the same body and signature, checked when it came), else decoded and
   * checked (decodeGroupOp; throws InvalidMessageError). A whole log sent
   * again, as a member's mailbox gets it, costs no signature check.
   */
  decode (signed: SignedGroupOp): GroupOp {
    const id = groupOpId(signed.body)
    const known = this.#ops.get(id) ?? this.#pending.get(id)
    if (known !== undefined && known.signed.body === signed.body && known.signed.sig === signed.sig) return known
    return decodeGroupOp(signed)
  }

  /** Every held operation, in fold order. */
  ops (): GroupOp[] {
    return [...this.#ops.values()].sort(compareOps)
  }

  /** The held operations nothing held follows (what a new operation names as deps). */
  heads (): string[] {
    return [...this.#ops.keys()].filter((id) => !this.#named.has(id)).sort()
  }

  /** Predecessors named by waiting operations and not held (what to ask a peer for). */
  missing (): string[] {
    const wanted = new Set<string>()
    for (const op of this.#pending.values()) for (const dep of op.deps) if (!this.#ops.has(dep) && !this.#pending.has(dep)) wanted.add(dep)
    return [...wanted].sort()
  }

  state (): GroupState {
    this.#state ??= foldGroup([...this.#ops.values()], this.#ops)
    return this.#state
  }

  /**
   * Adds a verified operation of this group. Throws InvalidMessageError when
   * it can never fit (another group, a lamport that is not 1 + its deps'
   * largest, the group full of operations).
   */
  add (op: GroupOp): AddResult {
    if (op.group !== this.id) throw invalidOp(`it belongs to group ${op.group}, not ${this.id}`)
    if (this.#ops.has(op.id) || this.#pending.has(op.id)) return { status: 'duplicate' }
    const missing = op.deps.filter((d) => !this.#ops.has(d))
    if (missing.length > 0) {
      if (this.#pending.size >= MAX_PENDING_OPS) {
        const oldest = this.#pending.keys().next().value
        if (oldest !== undefined) this.#pending.delete(oldest)
      }
      this.#pending.set(op.id, op)
      return { status: 'pending', missing }
    }
    this.#hold(op)
    const released: GroupOp[] = []
    // operations that waited for this one (and for those they release)
    let progress = true
    while (progress) {
      progress = false
      for (const waiting of [...this.#pending.values()].sort(compareOps)) {
        if (!waiting.deps.every((d) => this.#ops.has(d))) continue
        this.#pending.delete(waiting.id)
        try {
          this.#hold(waiting)
          released.push(waiting)
          progress = true
        } catch {
          // it can never fit: it stays out
        }
      }
    }
    return { status: 'added', released }
  }

  #hold (op: GroupOp): void {
    let top = 0
    for (const dep of op.deps) top = Math.max(top, this.#ops.get(dep)?.lamport ?? 0)
    if (op.lamport !== top + 1) throw invalidOp(`its lamport ${op.lamport} is not 1 + its deps' largest (${top})`)
    if (this.#ops.size >= MAX_OPS_PER_GROUP) throw invalidOp(`the group holds the most operations it may (${MAX_OPS_PER_GROUP})`)
    this.#ops.set(op.id, op)
    for (const dep of op.deps) this.#named.add(dep)
    this.#state = undefined
  }

  /**
   * The held operations a peer that holds `theirHeads` (and everything
   * before them) lacks, in fold order: everything not before one of the
   * heads we hold too. Heads we do not hold tell us nothing.
   */
  since (theirHeads: readonly string[]): GroupOp[] {
    const known = new Set<string>()
    const stack = theirHeads.filter((h) => this.#ops.has(h))
    while (stack.length > 0) {
      const id = stack.pop() as string
      if (known.has(id)) continue
      known.add(id)
      const op = this.#ops.get(id)
      if (op !== undefined) stack.push(...op.deps)
    }
    return this.ops().filter((op) => !known.has(op.id))
  }
}
