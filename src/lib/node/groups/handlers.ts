import type { NodeHandlers } from '../../contract/index.ts'
import type { Groups } from './groups.ts'

export interface GroupHandlerComponents {
  groups: Groups
}

type GroupMethod = 'createGroup' | 'addGroupMember' | 'removeGroupMember' | 'setGroupRole' | 'renameGroup' | 'acceptGroup' | 'declineGroup' | 'leaveGroup' | 'sendGroupMessage'

/** The group contract methods. */
export function groupHandlers (components: GroupHandlerComponents): NodeHandlers<GroupMethod> {
  const { groups } = components
  return {
    createGroup: async ({ name, contactIds }) => ({ groupId: await groups.create(name, contactIds) }),
    addGroupMember: async ({ groupId, contactId }) => { await groups.add(groupId, contactId); return null },
    removeGroupMember: async ({ groupId, peerId }) => { await groups.remove(groupId, peerId); return null },
    setGroupRole: async ({ groupId, peerId, role }) => { await groups.setRole(groupId, peerId, role); return null },
    renameGroup: async ({ groupId, name }) => { await groups.rename(groupId, name); return null },
    acceptGroup: async ({ groupId }) => { await groups.accept(groupId); return null },
    declineGroup: async ({ groupId }) => { await groups.decline(groupId); return null },
    leaveGroup: async ({ groupId }) => { await groups.leave(groupId); return null },
    sendGroupMessage: async ({ groupId, text, replyTo }) => ({ messageId: await groups.send(groupId, text, replyTo) })
  }
}
