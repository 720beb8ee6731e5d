/**
 * A group's state from its set of operations (docs/protocols.md, "Groups",
 * "Agreeing on the state"). Every member folds the same set the same way, so
 * members that hold the same operations hold the same group, whatever order
 * the operations arrived in.
 *
 * The fold takes the operations in `compareOps` order (lamport, then id: a
 * topological order, since an operation's lamport is above its deps') and
 * checks each against the state so far:
 * - its author must be a member, and must have seen (causally follow) every
 *   removal of itself applied so far (a re-added member's old concurrent
 *   operations stay void);
 * - add and role changes about a member must have seen every removal of that
 *   member applied so far (and every entitled removal of it that found it gone
 *   already): removal wins over a concurrent add or promotion;
 * - otherwise the first in the order wins (two admins removing each other at
 *   once: the one first in the order stays).
 * An operation that fails a check is void: kept (others name it in deps) but
 * without effect. Rights: the owner may do everything; admins add, remove
 * (anyone but the owner), rename and set the picture; members leave, set
 * their own profile and set the disappearing-messages timer (as either side
 * of a 1:1 chat may; the last timer in the order is the group's). When the owner leaves, the admin added first becomes
 * owner, else the member added first.
 *
 * Devices (issue 58; docs/protocols.md, "Made on a linked device"): each
 * account's device set is the one its last applied `devices` operation (or
 * the create's `list`) carries; before any, it is empty and only the
 * account's own key speaks. A `devices` operation, by any member for itself,
 * is void unless its list opens as the author's (`bad-devices`), names the
 * device that signed it when a device did (`not-a-device`), and has a
 * version above the set's (`stale-devices`). Any other operation with
 * `device` is void unless every applied `devices` operation of its author
 * that dropped the device is in its causal past (`unseen-device-removal`:
 * removal wins, as for members) and the device is in the author's set
 * (`not-a-device`). So what a device made before its removal (the removal
 * follows it) stays valid for everyone.
 */
import { MAX_MEMBERS } from './constants.ts'
import { carriedList, deviceSpeaksFor } from './device.ts'
import type { GroupRole } from './constants.ts'
import type { GroupDevices } from './device.ts'
import type { GroupOp } from './op.ts'

export type { GroupDevices }

export interface GroupMember {
  peer: string
  role: GroupRole
  /** the name the member gave itself (profile), else the one it was added with */
  name: string
  /** the member's mailbox relays, from its newest profile operation */
  mailboxes: string[]
  /** who added it (the creator for initial members) */
  addedBy: string
  /** position in the fold when added: earlier members come first in the list and in owner succession */
  order: number
  /** an applied profile of this member, or the applied add or create that named it, said its app speaks sessions (kept for good: GroupState.sessions) */
  sessions: boolean
}

/** The group's disappearing-messages timer: the last timer operation applied. */
export interface GroupTimer {
  /** seconds; 0 = off */
  ttl: number
  /** who set it */
  by: string
  /** the author's clock when it was set (shown) */
  at: number
}

export type VoidReason =
  | 'not-a-member' | 'not-entitled' | 'unseen-removal' | 'already-member' | 'not-in-group' | 'group-full' | 'owner'
  | 'bad-devices' | 'stale-devices' | 'not-a-device' | 'unseen-device-removal'

export interface GroupState {
  id: string
  name: string
  /** data: URL, or '' for none */
  picture: string
  creator: string
  /** undefined once everyone left */
  owner: string | undefined
  /** members in the order they were added */
  members: GroupMember[]
  /** who is no longer a member, and how they went */
  former: Map<string, 'removed' | 'left'>
  /** operations without effect, and why */
  void: Map<string, VoidReason>
  /** the last operation applied that changed `peer`'s membership (for "removed by …" notices) */
  lastChange: Map<string, GroupOp>
  /** undefined while no one set one (off) */
  timer: GroupTimer | undefined
  /**
   * Whose app speaks sessions (`"sessions": true`), by its own word in a
   * profile operation applied in the fold, or by the word of the member who
   * added it (an applied add, or the create, naming it so: the adder's
   * contact, whose hellos told the adder): members and former members. Kept
   * for good: a later profile or add without it, a removal or a leave
   * changes nothing (a re-added member is still held to session boxes).
   */
  sessions: Set<string>
  /**
   * Each account's devices as the log says them (members and former
   * members): the last applied `devices` operation's list, or the create's.
   * An account without an entry has no device but its own key.
   */
  devices: ReadonlyMap<string, GroupDevices>
}

/** Whether `ancestor` is `op` or in its causal past (`byId` holds every operation of the group). */
export function precedes (ancestor: string, op: GroupOp, byId: ReadonlyMap<string, GroupOp>): boolean {
  if (op.id === ancestor) return true
  const target = byId.get(ancestor)
  if (target === undefined) return false
  const seen = new Set<string>()
  const stack = [...op.deps]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (id === ancestor) return true
    if (seen.has(id)) continue
    seen.add(id)
    const next = byId.get(id)
    // nothing below the target's lamport can lead to it
    if (next !== undefined && next.lamport > target.lamport) stack.push(...next.deps)
  }
  return false
}

const MANAGE: readonly GroupRole[] = ['owner', 'admin']

/** Folds a group's operations (any order; all deps present) into its state. */
export function foldGroup (ops: readonly GroupOp[], byId: ReadonlyMap<string, GroupOp>): GroupState {
  const sorted = [...ops].sort((a, b) => a.lamport - b.lamport || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const create = sorted[0]
  if (create?.kind !== 'create') throw new Error('a group\'s first operation must be its create')
  const devices = new Map<string, GroupDevices>()
  const state: GroupState = {
    id: create.group, name: create.name, picture: create.picture ?? '', creator: create.author, owner: create.author,
    members: [], former: new Map(), void: new Map(), lastChange: new Map(), timer: undefined, sessions: new Set(), devices
  }
  /** applied `devices` operations that dropped a device, by account, then device */
  const drops = new Map<string, Map<string, string[]>>()
  const createList = carriedList(create)
  if (typeof createList === 'object') devices.set(create.author, { version: createList.version, peers: createList.devices.map((d) => d.peer) })
  const members = new Map<string, GroupMember>()
  /** applied removals (remove or leave) of each peer, by op id */
  const removals = new Map<string, string[]>()
  let order = 0
  create.members.forEach((m, i) => {
    members.set(m.peer, { peer: m.peer, role: i === 0 ? 'owner' : 'member', name: m.name, mailboxes: [], addedBy: create.author, order: order++, sessions: false })
    if (m.sessions === true) state.sessions.add(m.peer)
  })
  const sawRemovals = (peer: string, op: GroupOp): boolean => (removals.get(peer) ?? []).every((r) => precedes(r, op, byId))
  const sawDrops = (account: string, device: string, op: GroupOp): boolean => (drops.get(account)?.get(device) ?? []).every((d) => precedes(d, op, byId))
  const drop = (peer: string, how: 'removed' | 'left', op: GroupOp): void => {
    members.delete(peer)
    state.former.set(peer, how)
    state.lastChange.set(peer, op)
    removals.set(peer, [...(removals.get(peer) ?? []), op.id])
  }

  for (const op of sorted.slice(1)) {
    const reason = check(op)
    if (reason !== undefined) {
      state.void.set(op.id, reason)
      // a removal by someone entitled that found the member gone already (another removal first)
      // still counts: an add must have seen it too, so that removal wins over every concurrent add
      if (reason === 'not-in-group' && op.kind === 'remove') removals.set(op.peer, [...(removals.get(op.peer) ?? []), op.id])
      continue
    }
    switch (op.kind) {
      case 'add':
        members.set(op.peer, { peer: op.peer, role: 'member', name: op.name, mailboxes: [], addedBy: op.author, order: order++, sessions: false })
        if (op.sessions === true) state.sessions.add(op.peer)
        state.former.delete(op.peer)
        state.lastChange.set(op.peer, op)
        break
      case 'remove':
        drop(op.peer, 'removed', op)
        break
      case 'leave': {
        const wasOwner = members.get(op.author)?.role === 'owner'
        drop(op.author, 'left', op)
        if (wasOwner) {
          const rest = [...members.values()].sort((a, b) => a.order - b.order)
          const next = rest.find((m) => m.role === 'admin') ?? rest[0]
          if (next !== undefined) next.role = 'owner'
          state.owner = next?.peer
        }
        break
      }
      case 'role': {
        const member = members.get(op.peer)
        if (member !== undefined) member.role = op.role
        break
      }
      case 'rename':
        state.name = op.name
        break
      case 'picture':
        state.picture = op.picture
        break
      case 'profile': {
        const member = members.get(op.author)
        if (member !== undefined) {
          member.name = op.name === '' ? member.name : op.name
          member.mailboxes = op.mailboxes
          if (op.sessions === true) state.sessions.add(op.author)
        }
        break
      }
      case 'timer':
        state.timer = { ttl: op.ttl, by: op.author, at: op.at }
        break
      case 'devices': {
        const list = carriedList(op)
        if (typeof list !== 'object') break
        const peers = list.devices.map((d) => d.peer)
        const mine = drops.get(op.author) ?? new Map<string, string[]>()
        for (const gone of devices.get(op.author)?.peers ?? []) if (!peers.includes(gone)) mine.set(gone, [...(mine.get(gone) ?? []), op.id])
        drops.set(op.author, mine)
        devices.set(op.author, { version: list.version, peers })
        break
      }
      case 'create':
        break
    }
  }
  for (const member of members.values()) member.sessions = state.sessions.has(member.peer)
  state.members = [...members.values()].sort((a, b) => a.order - b.order)
  return state

  function check (op: GroupOp): VoidReason | undefined {
    if (op.kind === 'create') return 'not-entitled' // a second create of the same id cannot be signed by anyone but a hash collision
    const author = members.get(op.author)
    if (author === undefined) return 'not-a-member'
    if (!sawRemovals(op.author, op)) return 'unseen-removal'
    if (op.device !== undefined && op.kind !== 'devices') {
      if (!sawDrops(op.author, op.device, op)) return 'unseen-device-removal'
      if (!deviceSpeaksFor(state, op.author, op.device)) return 'not-a-device'
    }
    switch (op.kind) {
      case 'add':
        if (!MANAGE.includes(author.role)) return 'not-entitled'
        if (members.has(op.peer)) return 'already-member'
        if (!sawRemovals(op.peer, op)) return 'unseen-removal'
        if (members.size >= MAX_MEMBERS) return 'group-full'
        return undefined
      case 'remove': {
        if (!MANAGE.includes(author.role)) return 'not-entitled'
        const target = members.get(op.peer)
        if (target === undefined) return 'not-in-group'
        if (target.role === 'owner') return 'owner'
        return undefined
      }
      case 'role': {
        if (author.role !== 'owner') return 'not-entitled'
        const target = members.get(op.peer)
        if (target === undefined) return 'not-in-group'
        if (target.role === 'owner') return 'owner'
        if (!sawRemovals(op.peer, op)) return 'unseen-removal'
        return undefined
      }
      case 'rename':
      case 'picture':
        return MANAGE.includes(author.role) ? undefined : 'not-entitled'
      case 'leave':
      case 'profile':
      case 'timer':
        return undefined
      case 'devices': {
        // the carried list speaks for the device that signed it: a device in a newer list of the account
        const list = carriedList(op)
        if (typeof list !== 'object') return 'bad-devices'
        if (op.device !== undefined && !list.devices.some((d) => d.peer === op.device)) return 'not-a-device'
        if (list.version <= (devices.get(op.author)?.version ?? 0)) return 'stale-devices'
        return undefined
      }
    }
  }
}
