/**
 * What the group state tests share: the orders a member may get operations
 * in, and a group state as plain data to compare members' states with.
 */
import type { GroupState } from '../../src/group/state.ts'

/** A seeded shuffle (a linear congruential generator: the same seed, the same order). */
export function shuffled<T> (items: readonly T[], seed: number): T[] {
  const out = [...items]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31
    const j = s % (i + 1)
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

/** Every order of `items` when there are at most `most` (5 items: 120), else the given order, its reverse and seeded shuffles, `most` in all. */
export function permutations<T> (items: readonly T[], most = 120): T[][] {
  const all = (rest: readonly T[]): T[][] => rest.length <= 1
    ? [[...rest]]
    : rest.flatMap((item, i) => all([...rest.slice(0, i), ...rest.slice(i + 1)]).map((tail) => [item, ...tail]))
  let count = 1
  for (let n = 2; n <= items.length && count <= most; n++) count *= n
  if (count <= most) return all(items)
  return [[...items], [...items].reverse(), ...Array.from({ length: most - 2 }, (_, i) => shuffled(items, i + 1))]
}

/** A state as plain data, maps as sorted entries: two members agree when these are equal. */
export function stateOf (state: GroupState): object {
  const sorted = <V>(map: ReadonlyMap<string, V>): Array<[string, V]> => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1))
  return {
    id: state.id,
    name: state.name,
    picture: state.picture,
    owner: state.owner,
    members: state.members,
    former: sorted(state.former),
    void: sorted(state.void),
    lastChange: sorted(state.lastChange).map(([peer, op]) => [peer, op.id]),
    timer: state.timer,
    sessions: [...state.sessions].sort(),
    devices: sorted(state.devices)
  }
}
