/**
 * Fuzzing of the group log and the fold every member runs (src/group/log.ts
 * `GroupLog`, state.ts `foldGroup`): forged, replayed, out-of-order and
 * concurrent conflicting operations. For 10,000 generated histories:
 * - six people (their keys made once, for the whole file) share a group:
 *   each holds a partial view of its log and makes random operations on it
 *   (add, remove, leave, role, rename, picture, profile, also ones it is not
 *   entitled to, or makes as a non-member), passing its view to another now
 *   and then; among them, operations signed in someone else's name (forged),
 *   operations whose lamport does not follow their deps (and operations that
 *   follow those), and replays of another group's operations;
 * - a forged operation never decodes (so it never reaches a log);
 * - every operation made is delivered to several GroupLogs, each in its own
 *   random order, some twice: GroupLog.add throws nothing but
 *   InvalidMessageError, a replay is a duplicate, and every log ends with the
 *   same state() (members, roles, names, former, void), heads and operations
 *   as one that took the genuine operations in causal order, holding none of
 *   the refused ones and waiting only for what can never come;
 * - every state, each person's partial one too, keeps the documented rules:
 *   one owner while anyone is left, no former member listed, `sessions` the
 *   authors of the applied profiles that said so (kept for good), and no applied
 *   operation by or adding or promoting a member who was removed earlier in
 *   the order unless it follows that removal.
 * And: with many operations whose predecessors never come, the waiting set
 * stays within MAX_PENDING_OPS, the oldest going first (compared with a
 * model), and a late predecessor releases exactly those still waiting.
 *
 * Ed25519 runs on OpenSSL for the keys made here (native-ed25519.ts, checked
 * against noble in group.test.ts), so each history signs its operations
 * anew; only the last property draws from operations signed once.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { MAX_DEPS, MAX_MEMBERS, MAX_PENDING_OPS, OP_SIGN_CONTEXT } from '../../src/group/constants.ts'
import { GroupLog } from '../../src/group/log.ts'
import { decodeGroupOp, signGroupOp } from '../../src/group/op.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { idOf, makePeople, opFields, signBody } from './group-arbs.ts'
import { typed } from './wire-helpers.ts'
import type { GroupOp, GroupOpChange } from '../../src/group/op.ts'
import type { Person } from './group-arbs.ts'

vi.mock('@noble/curves/ed25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/ed25519.js')>()
  const { nativeEd25519 } = await import('./native-ed25519.ts')
  return { ...real, ed25519: nativeEd25519(real.ed25519) }
})

const INVALID = ['InvalidMessageError']
const AT = 1_700_000_000_000
/** Person 0 creates the group; 1 to 4 may be in it from the start; 5 only if added. */
const people = makePeople(6) as [Person, ...Person[]]
const LOGS = 3
const NAMES = ['Family', 'Friends', 'Ада', '😀']

/** Operations of another group, replayed into ours. */
const foreign = ((): GroupOp[] => {
  const create = signGroupOp({ kind: 'create', name: 'Other', members: people.map(p => ({ peer: p.peer, name: '' })) }, { author: people[0].peer, lamport: 1, deps: [], at: AT }, people[0].secret)
  const rename = signGroupOp({ kind: 'rename', name: 'Mine' }, { group: create.group, author: people[0].peer, lamport: 2, deps: [create.id], at: AT }, people[0].secret)
  return [create, rename]
})()

/** Ordering by lamport, then id, written here as docs/protocols.md says it. */
const byOrder = (a: GroupOp, b: GroupOp): number => a.lamport - b.lamport || (a.id < b.id ? -1 : 1)

const who = fc.nat({ max: people.length - 1 })
const kind = fc.oneof(
  { weight: 3, arbitrary: fc.constant('add' as const) }, { weight: 2, arbitrary: fc.constantFrom('remove' as const, 'role' as const, 'profile' as const) },
  { weight: 1, arbitrary: fc.constantFrom('leave' as const, 'rename' as const, 'picture' as const) }
)
const change = fc.record({ kind, target: who, role: fc.constantFrom('admin' as const, 'member' as const), pick: fc.nat({ max: NAMES.length - 1 }) })
type ChangeSpec = typeof change extends fc.Arbitrary<infer T> ? T : never
const step = fc.oneof(
  // `member`: made by a member of the group as its author sees it (else by the creator), as most operations are
  // `pull`: first takes in what another person holds (so operations merge concurrent branches)
  { weight: 8, arbitrary: fc.record({ t: fc.constant('op' as const), who, member: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), pull: fc.option(who, { freq: 2 }), change }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), from: who, to: who }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('forge' as const), who, as: who, change }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('lamport' as const), who, off: fc.constantFrom(1, 2, 7), child: fc.boolean(), change }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('foreign' as const) }) }
)
const history = fc.record({
  initial: fc.subarray([1, 2, 3, 4]),
  steps: fc.array(step, { minLength: 1, maxLength: 14 }),
  /** per log: a shuffle seed and which deliveries come twice */
  deliveries: fc.array(fc.record({ seed: fc.integer(), twice: fc.nat({ max: 3 }) }), { minLength: LOGS, maxLength: LOGS })
})

function changeOf (spec: ChangeSpec): GroupOpChange {
  const peer = people[spec.target]?.peer ?? ''
  const name = NAMES[spec.pick] ?? ''
  switch (spec.kind) {
    case 'add': return { kind: 'add', peer, name, ...(spec.pick % 2 === 0 ? { sessions: true as const } : {}) }
    case 'remove': return { kind: 'remove', peer }
    case 'leave': return { kind: 'leave' }
    case 'role': return { kind: 'role', peer, role: spec.role }
    case 'rename': return { kind: 'rename', name }
    case 'picture': return { kind: 'picture', picture: spec.pick === 0 ? '' : `data:image/png;base64,${'iVBO'.repeat(spec.pick)}` }
    default: return { kind: 'profile', name, mailboxes: spec.pick % 2 === 0 ? [] : ['/ip4/127.0.0.1/tcp/4001/ws'], ...(spec.pick % 3 === 0 ? { sessions: true as const } : {}) }
  }
}

/**
 * The change as a member entitled to it would make it, as far as `who`'s own
 * view tells: by `who` if it may, else by someone it sees who may; adding someone
 * not in the group, removing or promoting someone in it. Concurrent views
 * still make many of these void.
 */
function entitled (views: readonly GroupLog[], who: number, spec: ChangeSpec): [number, ChangeSpec] {
  const state = (views[who] as GroupLog).state()
  const role = state.members.find(m => m.peer === people[who]?.peer)?.role
  const needs = spec.kind === 'role' ? ['owner'] : ['add', 'remove', 'rename', 'picture'].includes(spec.kind) ? ['owner', 'admin'] : ['owner', 'admin', 'member']
  const managers = state.members.filter(m => needs.includes(m.role)).map(m => people.findIndex(p => p.peer === m.peer))
  const by = role !== undefined && needs.includes(role) ? who : managers[spec.pick % Math.max(1, managers.length)] ?? who
  const inGroup = (i: number): boolean => state.members.some(m => m.peer === people[i]?.peer && m.role !== 'owner')
  const targets = people.map((_, i) => i).filter(i => spec.kind === 'add' ? !state.members.some(m => m.peer === people[i]?.peer) : inGroup(i))
  const target = targets.length > 0 ? targets[spec.target % targets.length] as number : spec.target
  return [by, { ...spec, target }]
}

/** A Park–Miller generator: the shuffles of a run follow from its seeds. */
function random (seed: number): () => number {
  let s = (Math.abs(seed) % 2147483646) + 1
  return () => (s = (s * 48271) % 2147483647) / 2147483647
}

function shuffle<T> (items: T[], rand: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

/** Whether `ancestor` is in the causal past of `op` (walked here, not with state.ts's `precedes`). */
function inPast (ancestor: string, op: GroupOp, byId: ReadonlyMap<string, GroupOp>): boolean {
  const seen = new Set<string>()
  const stack = [...op.deps]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (id === ancestor) return true
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...(byId.get(id)?.deps ?? []))
  }
  return false
}

/** The documented rules, checked on a log's state: what breaks them, in words (one expect per log: 10,000 runs check seven logs each). */
function checkRules (log: GroupLog): void {
  const state = log.state()
  const ops = log.ops()
  const byId = new Map(ops.map(o => [o.id, o]))
  const members = state.members.map(m => m.peer)
  const owners = state.members.filter(m => m.role === 'owner').map(m => m.peer)
  const broken: string[] = []
  if (new Set(members).size !== members.length || members.length > MAX_MEMBERS) broken.push(`members ${members.join()}`)
  // one owner, the state's, while anyone is left
  if (JSON.stringify(owners) !== JSON.stringify(members.length > 0 ? [state.owner] : [])) broken.push(`owners ${owners.join()}, owner ${state.owner}`)
  for (const peer of members) if (state.former.has(peer)) broken.push(`${peer} listed and former`)
  for (const id of state.void.keys()) if (!byId.has(id)) broken.push(`void ${id} not held`)
  const applied = ops.slice(1).filter(o => !state.void.has(o.id))
  // who speaks sessions: exactly the authors of applied profiles saying so, the peers of applied adds saying so, and the
  // create's members marked so, for good (former members too)
  const said = [...new Set([
    ...applied.filter(o => o.kind === 'profile' && o.sessions === true).map(o => o.author),
    ...applied.flatMap(o => o.kind === 'add' && o.sessions === true ? [o.peer] : o.kind === 'create' ? o.members.filter(m => m.sessions === true).map(m => m.peer) : [])
  ])].sort()
  if (JSON.stringify([...state.sessions].sort()) !== JSON.stringify(said)) broken.push(`sessions ${[...state.sessions].join()}, said ${said.join()}`)
  for (const m of state.members) if (m.sessions !== state.sessions.has(m.peer)) broken.push(`${m.peer}'s sessions ${m.sessions}`)
  const removals = applied.filter(o => o.kind === 'remove' || o.kind === 'leave')
  for (const op of applied) {
    const about = [op.author, ...(op.kind === 'add' || op.kind === 'role' ? [op.peer] : [])]
    for (const removal of removals) {
      const gone = removal.kind === 'remove' ? removal.peer : removal.author
      if (byOrder(removal, op) < 0 && about.includes(gone) && !inPast(removal.id, op, byId)) broken.push(`${op.kind} ${op.id} applied after ${removal.kind} ${removal.id} it did not see`)
    }
  }
  expectEqual(broken, [])
}

interface World {
  create: GroupOp
  /** each person's partial view */
  views: GroupLog[]
  /** genuine operations, in the order they were made */
  made: GroupOp[]
  /** validly signed operations that must never be held: wrong lamport, following one of those, another group's */
  refused: GroupOp[]
  /** what the logs must end up waiting for: the refused operations that others follow */
  waitingFor: string[]
  forged: number
}

/** Plays a history: the people's operations on their own views, checking that each forged one fails to decode. */
function simulate (initial: number[], steps: ReadonlyArray<typeof step extends fc.Arbitrary<infer T> ? T : never>): World {
  const create = signGroupOp({ kind: 'create', name: 'Group', members: [0, ...initial].map(i => ({ peer: people[i]?.peer ?? '', name: `p${i}` })) }, { author: people[0].peer, lamport: 1, deps: [], at: AT }, people[0].secret)
  const world: World = { create, views: people.map(() => new GroupLog(create)), made: [], refused: [], waitingFor: [], forged: 0 }
  const view = (i: number): GroupLog => world.views[i] as GroupLog
  let clock = AT
  const make = (by: number, spec: ChangeSpec, deps: string[], lamport: number): GroupOp => {
    const author = people[by] as Person
    return signGroupOp(changeOf(spec), { group: create.group, author: author.peer, lamport, deps, at: ++clock }, author.secret)
  }
  const head = (of: GroupLog): { deps: string[], lamport: number } => {
    const deps = of.heads().slice(0, MAX_DEPS)
    return { deps, lamport: 1 + Math.max(...deps.map(d => of.get(d)?.lamport ?? 0)) }
  }
  for (const s of steps) {
    if (s.t === 'op') {
      const [by, spec] = s.member ? entitled(world.views, s.who, s.change) : [s.who, s.change]
      if (s.pull !== null) for (const op of view(s.pull).ops()) view(by).add(op)
      const { deps, lamport } = head(view(by))
      const op = make(by, spec, deps, lamport)
      expectSame(view(by).add(op).status, 'added')
      world.made.push(op)
    } else if (s.t === 'sync') {
      for (const op of view(s.from).ops()) view(s.to).add(op)
    } else if (s.t === 'forge') {
      // signed by `who` in the name of `as`
      const as = s.as === s.who ? (s.who + 1) % people.length : s.as
      const { deps, lamport } = head(view(s.who))
      const body = JSON.stringify(opFields(changeOf(s.change), { group: create.group, deps, lamport, at: ++clock }, people[as]?.peer ?? ''))
      const result = typed(() => decodeGroupOp(signBody(body, OP_SIGN_CONTEXT, people[s.who] as Person)), INVALID)
      expect(result.ok ? '' : result.error.message).toMatch(/signature is not the author's/)
      world.forged++
    } else if (s.t === 'lamport') {
      const { deps, lamport } = head(view(s.who))
      const bad = make(s.who, s.change, deps, lamport + s.off)
      world.refused.push(bad)
      if (s.child) {
        world.refused.push(make(s.who, s.change, [bad.id], bad.lamport + 1))
        world.waitingFor.push(bad.id)
      }
    } else {
      world.refused.push(...foreign)
    }
  }
  world.waitingFor = [...new Set(world.waitingFor)].sort()
  return world
}

/** Delivers `ops` to a new log in this order; a replay of one it holds must be a duplicate. Returns the log and how many it refused. */
function deliver (create: GroupOp, ops: readonly GroupOp[]): [GroupLog, number] {
  const log = new GroupLog(create)
  let refused = 0
  for (const op of ops) {
    const held = log.has(op.id)
    const result = typed(() => log.add(op), INVALID)
    if (held && !(result.ok && result.value.status === 'duplicate')) expectEqual(result, { ok: true, value: { status: 'duplicate' } })
    if (!result.ok) refused++
  }
  return [log, refused]
}

/** Adds each operation to a log and to a model of its waiting set (insertion-ordered, the oldest dropped past MAX_PENDING_OPS); they must agree on every result. */
function replayPending (create: GroupOp, sequence: readonly GroupOp[]): { log: GroupLog, pending: Map<string, GroupOp>, held: Set<string> } {
  const log = new GroupLog(create)
  const pending = new Map<string, GroupOp>()
  const held = new Set([create.id])
  for (const op of sequence) {
    const result = log.add(op)
    // expect() only when the cheap comparison fails: 10,000 runs make millions of these
    if (held.has(op.id) || pending.has(op.id)) {
      if (result.status !== 'duplicate') expectEqual(result, { status: 'duplicate' })
    } else if (op.deps.every(d => held.has(d))) {
      const released = [...pending.values()].filter(p => p.deps.every(d => d === op.id || held.has(d))).sort(byOrder)
      expectEqual(result, { status: 'added', released })
      for (const p of [op, ...released]) {
        held.add(p.id)
        pending.delete(p.id)
      }
    } else {
      if (result.status !== 'pending' || result.missing.join() !== op.deps.join()) expectEqual(result, { status: 'pending', missing: op.deps })
      if (pending.size === MAX_PENDING_OPS) pending.delete(pending.keys().next().value as string)
      pending.set(op.id, op)
    }
  }
  return { log, pending, held }
}

describe('fuzz: group log', () => {
  // about 10 s of CPU for 10,000 histories (40,000 signatures made and checked); the whole suite on two shared cores can stretch that past the default 30 s
  it('random histories of forged, replayed, out-of-order and conflicting operations end the same on every log', { timeout: 120_000 }, () => {
    const seen = { ops: 0, void: 0, forged: 0, refused: 0, removed: 0 }
    fc.assert(fc.property(history, ({ initial, steps, deliveries }) => {
      const { create, views, made, refused, waitingFor, forged } = simulate(initial, steps)
      // one log takes the genuine operations in causal order
      const [reference] = deliver(create, [...made].sort(byOrder))
      expectSame(reference.size, 1 + made.length)
      const all = [...made, ...refused]
      for (const [i, { seed, twice }] of deliveries.entries()) {
        const rand = random(seed + i)
        // some twice (a replay, or the same operation from two members), all in a random order
        const [log, thrown] = deliver(create, shuffle([...all, ...all.filter(() => rand() * 4 < twice)], rand))
        expectEqual(log.state(), reference.state())
        expectEqual(log.heads(), reference.heads())
        expectEqual(log.ops().map(o => o.id), reference.ops().map(o => o.id))
        expectEqual(log.missing(), waitingFor)
        expectEqual(refused.filter(op => log.has(op.id)), [])
        seen.refused += thrown
      }
      checkRules(reference)
      for (const view of views) checkRules(view)
      seen.ops += made.length
      seen.forged += forged
      seen.void += reference.state().void.size
      seen.removed += reference.state().former.size
    }), FUZZ_PARAMS)
    // the histories reach conflicts: forged, refused and void operations, members removed or gone
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(FUZZ_PARAMS.numRuns / 10)
  })

  it('waiting operations stay within MAX_PENDING_OPS, the oldest going first, and a late predecessor releases those still waiting', () => {
    // signed once (hundreds per run would take seconds): operations following ids no one has, and some following one that comes late
    const alice = people[0]
    const bob = people[1] as Person
    const create = signGroupOp({ kind: 'create', name: 'Group', members: [alice, bob].map(p => ({ peer: p.peer, name: '' })) }, { author: alice.peer, lamport: 1, deps: [], at: AT }, alice.secret)
    const late = signGroupOp({ kind: 'rename', name: 'Late' }, { group: create.group, author: alice.peer, lamport: 2, deps: [create.id], at: AT }, alice.secret)
    const orphans = Array.from({ length: 600 }, (_, i) => signGroupOp({ kind: 'profile', name: `o${i}`, mailboxes: [] },
      { group: create.group, author: bob.peer, lamport: 2 + (i % 7), deps: [idOf(`never ${i}`)], at: AT + i }, bob.secret))
    const children = Array.from({ length: 12 }, (_, i) => signGroupOp({ kind: 'rename', name: `c${i}` }, { group: create.group, author: alice.peer, lamport: 3, deps: [late.id], at: AT + i }, alice.secret))
    let full = 0
    fc.assert(fc.property(fc.integer(), fc.integer({ min: 100, max: 450 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, count, when) => {
      const rand = random(seed)
      const sequence = Array.from({ length: count }, () => rand() < 0.03 ? children[Math.floor(rand() * children.length)] as GroupOp : orphans[Math.floor(rand() * orphans.length)] as GroupOp)
      sequence.splice(Math.floor(when * count), 0, late)
      const { log, pending, held } = replayPending(create, sequence)
      expectEqual(log.missing(), [...new Set([...pending.values()].flatMap(p => p.deps))].sort())
      expect(log.missing().length).toBeLessThanOrEqual(MAX_PENDING_OPS)
      expectSame(log.size, held.size)
      if (pending.size === MAX_PENDING_OPS) full++
    }), FUZZ_PARAMS)
    // many runs filled the waiting set
    expect(full).toBeGreaterThan(FUZZ_PARAMS.numRuns / 10)
  })
})
