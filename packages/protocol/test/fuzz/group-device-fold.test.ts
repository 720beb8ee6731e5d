/**
 * Fuzzing of the device rule of the group fold (src/group/state.ts,
 * device.ts; docs/protocols.md, "Made on a linked device"). Contract
 * checked, for 10,000 generated histories: operations of a group of Alice
 * and Bob (members) — `devices` operations carrying lists drawn from a pool
 * (each account's genuine lists of versions 1 to 6 with any of four
 * devices, some versions signed twice with other devices, a forged list,
 * another account's, one altered after signing, a malformed one), and
 * timer operations — made by an account's key, on one of the four devices,
 * or by Mallory (no member), each following 1 to 3 earlier operations (so
 * with concurrency), fold to what a model written here says: which
 * operations are void and why (not-a-member, bad-devices, not-a-device,
 * stale-devices, unseen-device-removal), each account's device set, the
 * timer; and a member that got them in any order (the log's out-of-order
 * holding) holds the same state.
 * The fold does not check operations' signatures (the decoder does:
 * group-device.test.ts), so the operations are made here unsigned, their
 * ids unique; the lists are signed, and opened by the fold with Ed25519 on
 * OpenSSL (native-ed25519.ts).
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, it, vi } from 'vitest'
import { signDeviceList } from '../../src/devices/list.ts'
import { deviceSpeaksFor } from '../../src/group/device.ts'
import { GroupLog } from '../../src/group/log.ts'
import { compareOps } from '../../src/group/op.ts'
import { foldGroup } from '../../src/group/state.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { bodyOf, signBody as signListBody } from '../devices/helpers.ts'
import { idOf, makePeople } from './group-arbs.ts'
import type { DeviceListFields, SignedDeviceList } from '../../src/devices/list.ts'
import type { GroupOp } from '../../src/group/op.ts'
import type { VoidReason } from '../../src/group/state.ts'
import type { Person } from './group-arbs.ts'

vi.mock('@noble/curves/ed25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/ed25519.js')>()
  const { nativeEd25519 } = await import('./native-ed25519.ts')
  return { ...real, ed25519: nativeEd25519(real.ed25519) }
})

const [alice, bob, mallory, ...devices] = makePeople(7) as [Person, Person, Person, Person, Person, Person, Person]
const accounts = [alice, bob]
const GROUP = 'ab'.repeat(16)
const AT = 1_764_424_800_000

/** A list of the pool: its wire form, and what it is for the model (undefined: it opens as no one's). */
interface Pooled { signed: SignedDeviceList, owner: string | undefined, version: number, peers: string[] }

const fields = (account: Person, version: number, mask: number): DeviceListFields => ({
  account: account.peer,
  version,
  at: AT,
  devices: [account, ...devices.filter((_, d) => (mask & (1 << d)) !== 0)].map((d, n) => ({ peer: d.peer, name: `D${n}`, added: n }))
})
const genuine = (account: Person, version: number, mask: number): Pooled => {
  const f = fields(account, version, mask)
  return { signed: signDeviceList(account.secret, f).signed, owner: account.peer, version, peers: f.devices.map((d) => d.peer) }
}
/** Each account's lists, versions 1–6 (2 and 5 twice with other devices), and lists that open as no one's. */
const pool: Pooled[] = [
  ...accounts.flatMap((account) => [[1, 1], [2, 3], [2, 12], [3, 0], [4, 15], [5, 6], [5, 9], [6, 2]].map(([v, m]) => genuine(account, v as number, m as number))),
  { signed: signListBody(bodyOf(fields(alice, 9, 15)), bob), owner: undefined, version: 0, peers: [] }, // forged: Alice's body, Bob's key
  { signed: signListBody(bodyOf(fields(mallory, 9, 15)), mallory), owner: mallory.peer, version: 9, peers: [mallory.peer, ...devices.map((d) => d.peer)] },
  { signed: { body: bodyOf(fields(alice, 7, 15)), sig: genuine(alice, 6, 2).signed.sig }, owner: undefined, version: 0, peers: [] }, // changed after signing
  { signed: { body: 'not a list', sig: genuine(bob, 1, 1).signed.sig }, owner: undefined, version: 0, peers: [] }
]

const create = {
  kind: 'create', name: 'Group', members: [{ peer: alice.peer, name: 'A' }, { peer: bob.peer, name: 'B' }],
  id: idOf('create'), group: GROUP, author: alice.peer, lamport: 1, deps: [], at: AT, signed: { body: '', sig: '' }
} satisfies GroupOp

/** One step of a history: who makes it (an account's key, one of its devices, Mallory), what, and which earlier operations it follows. */
interface Step { who: 'alice' | 'bob' | 'mallory', device: number | undefined, devicesOp: boolean, list: number, deps: number[] }
const stepArb: fc.Arbitrary<Step> = fc.record({
  who: fc.constantFrom('alice', 'bob', 'mallory'),
  device: fc.option(fc.nat({ max: devices.length - 1 }), { nil: undefined, freq: 2 }),
  devicesOp: fc.boolean(),
  list: fc.nat({ max: pool.length - 1 }),
  deps: fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 })
})
const historyArb = fc.tuple(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.integer())

let made = 0
/** The operations of a history, unsigned, each with its list's pool entry. */
function build (steps: readonly Step[]): { ops: GroupOp[], lists: Map<string, Pooled> } {
  const ops: GroupOp[] = [create]
  const lists = new Map<string, Pooled>()
  for (const step of steps) {
    const author = step.who === 'alice' ? alice : step.who === 'bob' ? bob : mallory
    const deps = [...new Set(step.deps.map((d) => ops[d % ops.length] as GroupOp))]
    const lamport = 1 + Math.max(...deps.map((d) => d.lamport))
    const head = {
      id: idOf(`${made++}`), group: GROUP, author: author.peer, ...(step.device === undefined ? {} : { device: devices[step.device]?.peer ?? '' }),
      lamport, deps: deps.map((d) => d.id).sort(), at: AT + lamport, signed: { body: '', sig: '' }
    }
    const listed = pool[step.list] as Pooled
    const op: GroupOp = step.devicesOp ? { ...head, kind: 'devices', list: listed.signed } : { ...head, kind: 'timer', ttl: 0 }
    if (step.devicesOp) lists.set(op.id, listed)
    ops.push(op)
  }
  return { ops, lists }
}

/** The rule as docs/protocols.md states it, written out plainly: the fold's verdicts, device sets and timer. */
function model (ops: readonly GroupOp[], lists: ReadonlyMap<string, Pooled>): { void: Map<string, VoidReason>, sets: Map<string, { version: number, peers: string[] }>, timer: string | undefined } {
  const byId = new Map(ops.map((op) => [op.id, op]))
  const ancestors = (op: GroupOp): Set<string> => {
    const seen = new Set<string>()
    const stack = [...op.deps]
    while (stack.length > 0) {
      const id = stack.pop() as string
      if (seen.has(id)) continue
      seen.add(id)
      stack.push(...(byId.get(id)?.deps ?? []))
    }
    return seen
  }
  const voided = new Map<string, VoidReason>()
  const sets = new Map<string, { version: number, peers: string[] }>()
  const drops: Array<{ account: string, device: string, by: string }> = []
  let timer: string | undefined
  for (const op of [...ops].sort(compareOps).slice(1)) {
    const verdict = ((): VoidReason | undefined => {
      if (op.author !== alice.peer && op.author !== bob.peer) return 'not-a-member'
      const held = sets.get(op.author)
      if (op.kind === 'devices') {
        const list = lists.get(op.id) as Pooled
        if (list.owner !== op.author) return 'bad-devices'
        if (op.device !== undefined && !list.peers.includes(op.device)) return 'not-a-device'
        if (list.version <= (held?.version ?? 0)) return 'stale-devices'
        return undefined
      }
      if (op.device === undefined) return undefined
      const past = ancestors(op)
      if (drops.some((d) => d.account === op.author && d.device === op.device && !past.has(d.by))) return 'unseen-device-removal'
      return held?.peers.includes(op.device) === true ? undefined : 'not-a-device'
    })()
    if (verdict !== undefined) {
      voided.set(op.id, verdict)
      continue
    }
    if (op.kind === 'devices') {
      const list = lists.get(op.id) as Pooled
      for (const peer of sets.get(op.author)?.peers ?? []) if (!list.peers.includes(peer)) drops.push({ account: op.author, device: peer, by: op.id })
      sets.set(op.author, { version: list.version, peers: list.peers })
    } else {
      timer = op.id
    }
  }
  return { void: voided, sets, timer }
}

/** A Park–Miller generator: a delivery order follows from its seed. */
function shuffle<T> (items: readonly T[], seed: number): T[] {
  let s = (Math.abs(seed) % 2147483646) + 1
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 16807) % 2147483647
    const j = s % (i + 1)
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

describe('the device rule of the group fold (fuzz)', () => {
  it('folds any history as the model says, and a member getting it in any order holds the same state', () => {
    const seen = new Set<VoidReason | 'applied'>()
    fc.assert(fc.property(historyArb, ([steps, seed]) => {
      const { ops, lists } = build(steps)
      const byId = new Map(ops.map((op) => [op.id, op]))
      const state = foldGroup(ops, byId)
      const expected = model(ops, lists)
      expectEqual(new Map([...state.void].sort()), new Map([...expected.void].sort()))
      expectEqual(new Map([...state.devices].map(([account, set]) => [account, { version: set.version, peers: [...set.peers] }])), expected.sets)
      const last = expected.timer === undefined ? undefined : byId.get(expected.timer)
      expectEqual(state.timer, last === undefined ? undefined : { ttl: 0, by: last.author, at: last.at })
      for (const account of accounts) for (const device of devices) expectSame(deviceSpeaksFor(state, account.peer, device.peer), expected.sets.get(account.peer)?.peers.includes(device.peer) ?? false)
      // a member that got the operations in another order
      const log = new GroupLog(create)
      for (const op of shuffle(ops.slice(1), seed)) log.add(op)
      const again = log.state()
      expectSame(log.size, ops.length)
      expectEqual(new Map([...again.void].sort()), new Map([...state.void].sort()))
      expectEqual(again.devices, state.devices)
      for (const op of ops.slice(1)) seen.add(state.void.get(op.id) ?? 'applied')
    }), FUZZ_PARAMS)
    // the histories reach every verdict
    expectEqual([...seen].sort(), ['applied', 'bad-devices', 'not-a-device', 'not-a-member', 'stale-devices', 'unseen-device-removal'])
  })
})
