import type { EnTable, RuTable } from '../table.ts'

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

export const ru: RuTable<typeof en> = {
  outgoing: 'Исходящий аудиозвонок',
  outgoingVideo: 'Исходящий видеозвонок',
  incoming: 'Входящий аудиозвонок',
  incomingVideo: 'Входящий видеозвонок',
  missed: 'Пропущенный аудиозвонок',
  missedVideo: 'Пропущенный видеозвонок',
  declinedByYou: 'Вы отклонили аудиозвонок',
  declinedByYouVideo: 'Вы отклонили видеозвонок',
  declined: 'Аудиозвонок отклонён',
  declinedVideo: 'Видеозвонок отклонён',
  unanswered: 'Аудиозвонок без ответа',
  unansweredVideo: 'Видеозвонок без ответа',
  cancelled: 'Отменённый аудиозвонок',
  cancelledVideo: 'Отменённый видеозвонок',
  busy: 'Аудиозвонок: линия была занята',
  busyVideo: 'Видеозвонок: линия была занята',
  failed: 'Аудиозвонок не удался',
  failedVideo: 'Видеозвонок не удался',
  answeredElsewhere: 'Аудиозвонок принят на другом устройстве',
  answeredElsewhereVideo: 'Видеозвонок принят на другом устройстве',
  lasted: 'длился {duration}',
  callBack: 'Перезвонить',
  callAgain: 'Позвонить снова'
}
