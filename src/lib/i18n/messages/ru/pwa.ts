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
  installHeading: 'Приложение',
  installHelp: 'Установите Parley на это устройство, чтобы открывать его с главного экрана или из списка приложений.',
  installed: 'Parley установлен на этом устройстве.',
  installUnavailable: 'Этот браузер не предлагает установить Parley. Воспользуйтесь его меню (например, «Добавить на главный экран»), если там есть такой пункт.',
  notifyOffer: 'Получайте уведомления о новых сообщениях',
  notifyOfferHelp: 'Когда Parley открыт в фоне, он может сообщать о новых сообщениях и запросах на добавление.',
  turnOn: 'Включить',
  notificationsHeading: 'Уведомления',
  notificationsToggle: 'Показывать уведомления о новых сообщениях и запросах на добавление',
  notificationsHelp: 'Показываются, когда Parley открыт, но не на экране.',
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
