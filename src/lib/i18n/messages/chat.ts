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
  /** why a relayed chat is not direct (the outlook of presence/direct-upgrade.ts) */
  relayedHere: 'This browser cannot make direct connections, so this chat goes through a relay. Files go through it too, up to the size the relay carries.',
  relayedThere: 'The browser of {name} cannot make direct connections, so this chat goes through a relay. Files go through it too, up to the size the relay carries.',
  relayedFailed: 'A direct connection to {name} could not be made (the network may block it), so this chat goes through a relay. A TURN server in Settings may help.',
  verified: 'verified',
  verifiedTitle: 'You compared safety numbers with this contact',
  contactInfo: 'Contact info',
  contactInfoFor: 'Contact info for {name}',
  /** the sentence is followed by a "Contact info" link and a full stop */
  blockedNote: 'You blocked {name}. Nothing they send reaches you; unblock them in',
  requestSending: 'Sending your contact request to {name}…',
  requestUndelivered: 'Your contact request has not reached {name} yet: they may be offline. Parley sends it as soon as you are both online; what you write now is delivered once they accept.',
  requestStored: 'Your contact request waits on a relay until {name} comes online: Parley cannot reach them now. What you write now is delivered once they accept.',
  requestedNote: 'Delivered: waiting for {name} to accept your contact request. What you write now is delivered once they do.',
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
  placeholder: 'Message',
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
  relayedHere: 'Этот браузер не может устанавливать прямые соединения, поэтому чат идёт через ретранслятор. Файлы тоже идут через него, до размера, который он передаёт.',
  relayedThere: 'Браузер собеседника {name} не может устанавливать прямые соединения, поэтому чат идёт через ретранслятор. Файлы тоже идут через него, до размера, который он передаёт.',
  relayedFailed: 'Прямое соединение с {name} установить не удалось (возможно, его блокирует сеть), поэтому чат идёт через ретранслятор. Может помочь TURN-сервер в Настройках.',
  verified: 'проверен',
  verifiedTitle: 'Вы сверили коды безопасности с этим контактом',
  contactInfo: 'Сведения о контакте',
  contactInfoFor: 'Сведения о контакте {name}',
  blockedNote: 'Вы заблокировали {name}. Сообщения от этого контакта до вас не доходят; разблокировать его можно в разделе',
  requestSending: 'Отправляем запрос на добавление: {name}…',
  requestUndelivered: 'Запрос на добавление ещё не дошёл до адресата ({name}): возможно, собеседник не в сети. Parley отправит его, как только вы оба будете в сети; всё, что вы напишете сейчас, будет доставлено после того, как запрос примут.',
  requestStored: 'Ваш запрос на добавление ждёт на ретрансляторе, пока адресат ({name}) не появится в сети: сейчас Parley не может с ним связаться. Всё, что вы напишете сейчас, будет доставлено после того, как запрос примут.',
  requestedNote: 'Доставлено: ждём, пока {name} примет ваш запрос на добавление. Всё, что вы напишете сейчас, будет доставлено после этого.',
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
  placeholder: 'Сообщение',
  send: 'Отправить'
}
