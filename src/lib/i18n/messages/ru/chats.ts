import type { RuTable } from '../../table.ts'
import type { en } from '../chats.ts'

/** The Russian of messages/chats.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
export const ru: RuTable<typeof en> = {
  title: 'Чаты',
  readError: 'Не удалось прочитать ваши чаты: {error}',
  requests: 'Запросы на добавление',
  wantsToChat: 'хочет общаться с вами',
  namesake: 'Осторожно: у вас уже есть контакт по имени {name} с другим PeerID.',
  impostor: 'Возможно, кто-то выдаёт себя за этого человека.',
  accept: 'Принять',
  decline: 'Отклонить',
  acceptLabel: 'Принять запрос контакта {name}',
  declineLabel: 'Отклонить запрос контакта {name}',
  search: 'Поиск по чатам',
  searchPlaceholder: 'Поиск по имени или PeerID',
  empty: 'Чатов пока нет',
  emptyHint: 'Добавьте человека по его приглашению или отправьте ему своё.',
  addContact: 'Добавить контакт',
  myInvite: 'Моё приглашение',
  noMatch: 'Нет чатов по запросу «{query}».',
  list: 'Чаты',
  waitingForAccept: 'Ждём, когда ваш запрос примут',
  requestNotDelivered: 'Ваш запрос ещё не доставлен',
  requestStored: 'Ваш запрос ждёт адресата на ретрансляторе',
  notFound: 'Никого с таким PeerID не нашлось',
  noMessages: 'Сообщений пока нет',
  you: 'Вы:',
  fileMessage: '📎 {file}',
  photo: '📷 Фото',
  photoCaption: '📷 {caption}',
  voiceMessage: '🎤 Голосовое сообщение {duration}',
  youDeleted: 'Вы удалили сообщение',
  theyDeleted: 'Это сообщение удалено',
  connected: ', в сети',
  unread: {
    one: '{count} непрочитанное сообщение',
    few: '{count} непрочитанных сообщения',
    many: '{count} непрочитанных сообщений',
    other: '{count} непрочитанного сообщения'
  },
  unreadMany: 'больше {count} непрочитанных сообщений'
}
