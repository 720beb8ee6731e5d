import type { NodeHandlers } from '../../contract/index.ts'
import type { GroupCalls } from './group-calls.ts'

export type GroupCallMethod = 'startGroupCall' | 'joinGroupCall' | 'declineGroupCall' | 'leaveGroupCall' | 'sendGroupCallDescription' | 'sendGroupCallIce' | 'closeGroupCallPair' | 'groupCalls'

/** The group call contract methods. */
export function groupCallHandlers (components: { groupCalls: GroupCalls }): NodeHandlers<GroupCallMethod> {
  const { groupCalls } = components
  return {
    startGroupCall: async ({ groupId, video }) => ({ callId: await groupCalls.startCall(groupId, video) }),
    joinGroupCall: async ({ groupId, callId, video }) => { await groupCalls.join(groupId, callId, video); return null },
    declineGroupCall: ({ callId }) => { groupCalls.decline(callId); return null },
    leaveGroupCall: ({ callId }) => { groupCalls.leave(callId); return null },
    sendGroupCallDescription: ({ callId, peer, type, sdp }) => { groupCalls.description(callId, peer, type, sdp); return null },
    sendGroupCallIce: ({ callId, peer, candidates }) => { groupCalls.candidates(callId, peer, candidates); return null },
    closeGroupCallPair: ({ callId, peer }) => { groupCalls.closePair(callId, peer); return null },
    groupCalls: () => groupCalls.list()
  }
}
