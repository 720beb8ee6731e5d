import type { NodeHandlers } from '../../contract/index.ts'
import { sanitizeMime } from '../../files/names.ts'
import { checkText } from '../messaging/index.ts'
import { checkVoice } from '../transfers/index.ts'
import { messagingSettings } from '../../db/settings.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { Groups } from './groups.ts'
import type { TypingSignals } from '../kernel/typing.ts'

export interface GroupHandlerComponents {
  groups: Groups
  groupTyping: TypingSignals<string>
  db: ParleyDb
}

export type GroupMethod = 'setGroupPicture' | 'markGroupRead' | 'sendGroupFile' | 'createGroup' | 'addGroupMember' | 'removeGroupMember' | 'setGroupRole' | 'renameGroup' | 'acceptGroup' | 'declineGroup' | 'leaveGroup' | 'sendGroupMessage' | 'setGroupTyping' | 'setGroupTimer'

/** The group contract methods. */
export function groupHandlers (components: GroupHandlerComponents): NodeHandlers<GroupMethod> {
  const { groups, groupTyping, db } = components
  return {
    setGroupTyping: async ({ groupId, typing }) => { await groupTyping.set(groupId, typing); return null },
    markGroupRead: async ({ groupId, ids }) => { await groups.markRead(groupId, ids, (await messagingSettings(db)).readReceipts); return null },
    createGroup: async ({ name, contactIds }) => ({ groupId: await groups.create(name, contactIds) }),
    addGroupMember: async ({ groupId, contactId }) => { await groups.add(groupId, contactId); return null },
    removeGroupMember: async ({ groupId, peerId }) => { await groups.remove(groupId, peerId); return null },
    setGroupRole: async ({ groupId, peerId, role }) => { await groups.setRole(groupId, peerId, role); return null },
    renameGroup: async ({ groupId, name }) => { await groups.rename(groupId, name); return null },
    setGroupPicture: async ({ groupId, picture }) => { await groups.setPicture(groupId, picture); return null },
    acceptGroup: async ({ groupId }) => { await groups.accept(groupId); return null },
    declineGroup: async ({ groupId }) => { await groups.decline(groupId); return null },
    leaveGroup: async ({ groupId }) => { await groups.leave(groupId); return null },
    setGroupTimer: async ({ groupId, ttl }) => { await groups.setTimer(groupId, ttl); return null },
    sendGroupMessage: async ({ groupId, text, replyTo }) => {
      const messageId = await groups.send(groupId, text, replyTo)
      groupTyping.messageSent(groupId)
      return { messageId }
    },
    /** As sendFile: the caption and a voice note are checked first. */
    sendGroupFile: async ({ groupId, file, name, mime, caption, thumb, voice }) => {
      if (caption !== '') checkText(caption)
      const note = voice === undefined ? undefined : checkVoice(voice, sanitizeMime(mime))
      const messageId = await groups.sendFile(groupId, {
        file, name, mime, caption, ...(thumb == null ? {} : { thumb }), ...(note === undefined ? {} : { voice: note })
      })
      return { messageId }
    }
  }
}
