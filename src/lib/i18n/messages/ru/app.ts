import type { RuTable } from '../../table.ts'
import type { en } from '../app.ts'

/** The Russian of messages/app.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
export const ru: RuTable<typeof en> = {
  couldNotStart: 'Не удалось запустить Parley: {error}',
  reload: 'Перезагрузить',
  notFoundTitle: 'Страница не найдена',
  notFoundText: 'По этому адресу ничего нет.',
  backToChats: 'К чатам',
  connectionStatus: 'Состояние соединения',
  online: 'в сети',
  offline: 'не в сети',
  connecting: 'подключение',
  navLabel: 'Главное меню',
  navChats: 'Чаты',
  navChatsWaiting: { one: 'Чаты, новых: {count}', few: 'Чаты, новых: {count}', many: 'Чаты, новых: {count}', other: 'Чаты, новых: {count}' },
  navAdd: 'Добавить контакт',
  navInvite: 'Моё приглашение',
  navNetwork: 'Сеть',
  navSettings: 'Настройки',
  tabAdd: 'Добавить',
  chooseChat: 'Выберите чат',
  chooseChatHint: 'Выберите человека в списке, чтобы читать переписку и писать ему.',
  inviteWhat: 'Ваш QR-код и ссылка, чтобы вас добавили',
  networkWhat: 'Ретрансляторы, ваши адреса, соединения',
  removedHint: 'Оно больше не получает и не отправляет сообщения. Чаты и история, которые на нём есть, останутся здесь, пока вы их не сотрёте.',
  eraseDevice: 'Стереть это устройство',
  eraseConfirm: 'Стереть всё, что Parley хранит на этом устройстве: чаты, контакты, историю и ключи? Это нельзя отменить. Потом можно начать заново или снова связать это устройство.',
  eraseYes: 'Стереть',
  eraseCancel: 'Отмена'
}
