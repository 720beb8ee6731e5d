import type { RuTable } from '../../table.ts'
import type { en } from '../call-log.ts'

/** The Russian of messages/call-log.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
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
