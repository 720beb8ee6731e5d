import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'chat' area (keys are used as `t('chat.<key>')`): one chat screen. */
export const en = {
  notFoundTitle: 'Chat not found',
  loading: 'Loading…',
  /** presence line under the contact's name */
  connected: 'Connected',
  notConnected: 'Not connected',
  lastSeen: 'Last seen {time}',
  /** screen-reader prefix of the path badge */
  connectionPath: 'Connection path:',
  pathDirect: 'direct',
  pathRelayed: 'relayed',
  pathOffline: 'offline',
  verified: 'verified',
  verifiedTitle: 'You compared safety numbers with this contact',
  contactInfo: 'Contact info',
  contactInfoFor: 'Contact info for {name}',
  /** the sentence is followed by a "Contact info" link and a full stop */
  blockedNote: 'You blocked {name}. Nothing they send reaches you; unblock them in',
  requestedNote: 'Waiting for {name} to accept your contact request. What you write now is delivered once they do.',
  /** the sentence is followed by a "Chats" link and a full stop */
  pendingNote: '{name} wants to chat with you. Accept or decline the request in',
  chatsLink: 'Chats',
  readError: 'Could not read this chat: {error}',
  notFoundText: 'This contact does not exist on this device.',
  backToChats: 'Back to chats',
  /** accessible name of the message log */
  messages: 'Messages',
  loadingOlder: 'Loading older messages…',
  loadingNewer: 'Loading newer messages…',
  jumpToLatest: 'Jump to latest',
  noMessages: 'No messages yet. Say hello!',
  attachFiles: 'Attach files',
  /** label of the message box */
  messageLabel: 'Message',
  placeholder: 'Write a message',
  send: 'Send'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  notFoundTitle: 'Чат не найден',
  loading: 'Загрузка…',
  connected: 'В сети',
  notConnected: 'Не в сети',
  lastSeen: 'Был(а) в сети {time}',
  connectionPath: 'Способ связи:',
  pathDirect: 'напрямую',
  pathRelayed: 'через ретранслятор',
  pathOffline: 'нет связи',
  verified: 'проверен',
  verifiedTitle: 'Вы сверили коды безопасности с этим контактом',
  contactInfo: 'Сведения о контакте',
  contactInfoFor: 'Сведения о контакте {name}',
  blockedNote: 'Вы заблокировали {name}. Сообщения от этого контакта до вас не доходят; разблокировать его можно в разделе',
  requestedNote: 'Ждём, пока {name} примет ваш запрос на добавление. Всё, что вы напишете сейчас, будет доставлено после этого.',
  pendingNote: '{name} хочет переписываться с вами. Принять или отклонить запрос на добавление можно в разделе',
  chatsLink: 'Чаты',
  readError: 'Не удалось прочитать этот чат: {error}',
  notFoundText: 'На этом устройстве нет такого контакта.',
  backToChats: 'Вернуться к чатам',
  messages: 'Сообщения',
  loadingOlder: 'Загрузка более ранних сообщений…',
  loadingNewer: 'Загрузка более новых сообщений…',
  jumpToLatest: 'К последним сообщениям',
  noMessages: 'Сообщений пока нет. Поздоровайтесь!',
  attachFiles: 'Прикрепить файлы',
  messageLabel: 'Сообщение',
  placeholder: 'Напишите сообщение',
  send: 'Отправить'
}
