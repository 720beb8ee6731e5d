import type { EnTable } from '../table.ts'

/**
 * Strings of the 'callLog' area (keys are used as `t('callLog.<key>')`):
 * calls kept in the chat (ui/CallEntry.svelte, the chats list's preview).
 */
export const en = {
  outgoing: 'Outgoing voice call',
  outgoingVideo: 'Outgoing video call',
  incoming: 'Incoming voice call',
  incomingVideo: 'Incoming video call',
  missed: 'Missed voice call',
  missedVideo: 'Missed video call',
  declinedByYou: 'You declined a voice call',
  declinedByYouVideo: 'You declined a video call',
  declined: 'Voice call declined',
  declinedVideo: 'Video call declined',
  unanswered: 'Voice call not answered',
  unansweredVideo: 'Video call not answered',
  cancelled: 'Cancelled voice call',
  cancelledVideo: 'Cancelled video call',
  busy: 'Voice call: the line was busy',
  busyVideo: 'Video call: the line was busy',
  failed: 'Voice call failed',
  failedVideo: 'Video call failed',
  answeredElsewhere: 'Voice call answered on another device',
  answeredElsewhereVideo: 'Video call answered on another device',
  lasted: 'lasted {duration}',
  callBack: 'Call back',
  callAgain: 'Call again'
} as const satisfies EnTable
