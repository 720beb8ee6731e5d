import type { RuTable } from '../../table.ts'
import type { en } from '../message.ts'

/** The Russian of messages/message.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
export const ru: RuTable<typeof en> = {
  you: 'Вы',
  queued: 'в очереди',
  sent: 'отправлено',
  stored: 'сохранено на ретрансляторе',
  delivered: 'доставлено',
  read: 'прочитано',
  failed: 'не отправлено',
  failedNotFound: 'не доставлено: никого с таким PeerID',
  waitingKeys: 'ждёт ключей собеседника ({name})',
  showMore: 'Показать полностью',
  showLess: 'Свернуть',
  newMessages: 'Новые сообщения',
  mentionsYou: 'Упоминает вас'
}
