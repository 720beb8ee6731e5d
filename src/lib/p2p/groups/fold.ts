/**
 * A group's row (db/groups.ts) as its log's fold says it now: name,
 * picture, members, owner, timer, heads, who said its app speaks sessions,
 * and our own part in it — which the operations say (added, removed, left),
 * the invitation's answer `decided` says (accepted, declined), or the row
 * before says (still invited).
 */
import { deviceSetsOf } from './group-devices.ts'
import type { GroupMembership, GroupRow } from '../../db/types.ts'
import type { GroupLog } from '@parley/protocol/group/log'

export function groupRow (log: GroupLog, before: GroupRow | undefined, decided: GroupMembership | undefined, me: string, now: number): GroupRow {
  const state = log.state()
  const inIt = state.members.some((m) => m.peer === me)
  let membership: GroupMembership
  if (!inIt) membership = before?.state === 'declined' ? 'declined' : state.former.get(me) === 'left' ? 'left' : 'removed'
  else if (decided !== undefined) membership = decided
  else if (before === undefined) membership = state.creator === me ? 'member' : 'invited'
  else membership = before.state === 'invited' || before.state === 'member' ? before.state : 'invited'
  const addedUs = state.lastChange.get(me)
  const devices = [...new Set([...deviceSetsOf(log).values()].flatMap((set) => set.peers))].filter((peer) => !state.members.some((m) => m.peer === peer)).sort()
  return {
    id: log.id,
    name: state.name,
    picture: state.picture,
    state: membership,
    ...(state.owner === undefined ? {} : { owner: state.owner }),
    members: state.members.map((m) => ({ peer: m.peer, role: m.role, name: m.name, mailboxes: m.mailboxes })),
    ...(before?.invitedBy !== undefined ? { invitedBy: before.invitedBy } : addedUs?.kind === 'add' ? { invitedBy: addedUs.author } : state.creator !== me ? { invitedBy: state.creator } : {}),
    lamport: before?.lamport ?? 0,
    heads: log.heads(),
    ...(state.timer === undefined ? {} : { timer: state.timer }),
    ...(state.sessions.size === 0 ? {} : { sessions: [...state.sessions].sort() }),
    ...(devices.length === 0 ? {} : { devices }),
    createdAt: before?.createdAt ?? now,
    updatedAt: now
  }
}
