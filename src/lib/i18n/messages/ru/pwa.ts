import type { RuTable } from '../../table.ts'
import type { en } from '../pwa.ts'

/** The Russian of messages/pwa.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
export const ru: RuTable<typeof en> = {
  updateReady: 'Готова новая версия Parley.',
  reload: 'Перезагрузить',
  later: 'Позже',
  installOffer: 'Установите Parley, чтобы открывать его как приложение с главного экрана.',
  install: 'Установить приложение',
  notNow: 'Не сейчас',
  notifyOffer: 'Получайте уведомления о новых сообщениях',
  notifyOfferHelp: 'Когда Parley открыт в фоне, он может сообщать о новых сообщениях и запросах на добавление.',
  turnOn: 'Включить',
  notificationsBlocked: 'Уведомления для этого сайта запрещены. Разрешите их в настройках сайта в браузере и попробуйте снова.',
  notificationsUnsupported: 'Этот браузер не умеет показывать уведомления.',
  sentFile: 'Отправил(а) файл',
  requestTitle: 'Новый запрос на добавление',
  requestBody: '{name} хочет с вами переписываться',
  unread: {
    one: '{count} непрочитанное сообщение',
    few: '{count} непрочитанных сообщения',
    many: '{count} непрочитанных сообщений',
    other: '{count} непрочитанного сообщения'
  }
}
