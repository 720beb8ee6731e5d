/**
 * A group's row (db/groups.ts) as its log's fold says it now: name,
 * picture, members, owner, timer, heads, who said its app speaks sessions,
 * and our own part in it — which the operations say (added, removed, left),
 * the invitation's answer `decided` says (accepted, declined), a profile
 * of ours in the log says (accepted on another device of our account), or
 * the row before says (still invited).
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
  // accepted on another device of ours: our profile (what accepting signs) is in the log
  else if (state.creator === me || before?.state === 'member' || acceptedElsewhere(log, me)) membership = 'member'
  else membership = 'invited'
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

/** Whether the log holds a profile of ours that the fold applied since we were last added: we accepted, here or on another device of our account. */
function acceptedElsewhere (log: GroupLog, me: string): boolean {
  const state = log.state()
  const since = state.lastChange.get(me)?.lamport ?? 0
  return log.ops().some((op) => op.kind === 'profile' && op.author === me && op.lamport > since && !state.void.has(op.id))
}
