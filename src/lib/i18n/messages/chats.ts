import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the 'chats' area (keys are used as `t('chats.<key>')`): the
 * chats list with its contact requests, and each chat's row in it.
 * `{name}` is a display name, `{query}` what the user typed, `{file}` a file's name and `{caption}` a file's caption: user data,
 * rendered with translate="no" (ui/Template.svelte) where they show as text.
 */
export const en = {
  title: 'Chats',
  readError: 'Could not read your chats: {error}',
  requests: 'Contact requests',
  wantsToChat: 'wants to chat with you',
  namesake: 'Careful: you already have a contact called {name} with a different identity.',
  impostor: 'This may be someone pretending to be them.',
  accept: 'Accept',
  decline: 'Decline',
  acceptLabel: 'Accept {name}',
  declineLabel: 'Decline {name}',
  search: 'Search chats',
  searchPlaceholder: 'Search by name or PeerID',
  empty: 'No chats yet',
  emptyHint: 'Add someone with their invite, or send them yours.',
  addContact: 'Add contact',
  myInvite: 'My invite',
  noMatch: 'No chat matches “{query}”.',
  list: 'Chats',
  waitingForAccept: 'Waiting for them to accept your request',
  requestNotDelivered: 'Your request has not reached them yet',
  requestStored: 'Your request waits on a relay for them',
  notFound: 'No one with this ID was found',
  noMessages: 'No messages yet',
  you: 'You:',
  fileMessage: '📎 {file}',
  photo: '📷 Photo',
  photoCaption: '📷 {caption}',
  voiceMessage: '🎤 Voice message {duration}',
  youDeleted: 'You deleted a message',
  theyDeleted: 'This message was deleted',
  connected: ', connected',
  unread: { one: '{count} unread message', other: '{count} unread messages' },
  unreadMany: 'more than {count} unread messages'
} as const satisfies EnTable

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
