import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of exporting a chat (issue 62; state/chat-export.svelte.ts,
 * ui/ExportChat.svelte) and of the page in the ZIP. Loaded with the export,
 * not with the app (lib/i18n/index.ts, `addArea`).
 */
export const en = {
  heading: 'Export chat',
  help: 'Saves this chat as a ZIP file: a page you can open in any browser, with its pictures, voice messages and files.',
  leftOut: 'Disappearing messages are left out.',
  start: 'Export chat',
  progress: '{messages} messages written',
  progressFiles: '{messages} messages, {files} of {total} files written',
  done: { one: 'Saved: {count} message.', other: 'Saved: {count} messages.' },
  doneLeftOut: { one: '{count} disappearing message was left out.', other: '{count} disappearing messages were left out.' },
  pageHeading: 'Chat with {title}, exported {date}',
  you: 'You',
  edited: 'edited',
  deleted: 'This message was deleted.',
  fileMissing: '{name} (not on this device)',
  replyTo: 'Reply to {name}',
  quoteMissing: 'The message this answers is not here.',
  callVoice: 'Voice call',
  callVideo: 'Video call',
  callLength: '{call}, {minutes} min',
  notice: 'The secure session or the devices of this chat changed.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  heading: 'Экспорт чата',
  help: 'Сохраняет этот чат в ZIP-файл: страницу, которую можно открыть в любом браузере, с картинками, голосовыми сообщениями и файлами.',
  leftOut: 'Исчезающие сообщения не сохраняются.',
  start: 'Экспортировать чат',
  progress: 'Записано сообщений: {messages}',
  progressFiles: 'Записано сообщений: {messages}, файлов: {files} из {total}',
  done: { one: 'Сохранено: {count} сообщение.', few: 'Сохранено: {count} сообщения.', many: 'Сохранено: {count} сообщений.', other: 'Сохранено: {count} сообщения.' },
  doneLeftOut: { one: 'Не сохранено {count} исчезающее сообщение.', few: 'Не сохранено {count} исчезающих сообщения.', many: 'Не сохранено {count} исчезающих сообщений.', other: 'Не сохранено {count} исчезающего сообщения.' },
  pageHeading: 'Чат с {title}, экспортирован {date}',
  you: 'Вы',
  edited: 'изменено',
  deleted: 'Это сообщение удалено.',
  fileMissing: '{name} (нет на этом устройстве)',
  replyTo: 'Ответ {name}',
  quoteMissing: 'Сообщения, на которое это ответ, здесь нет.',
  callVoice: 'Голосовой звонок',
  callVideo: 'Видеозвонок',
  callLength: '{call}, {minutes} мин',
  notice: 'Защищённый сеанс или устройства этого чата изменились.'
}
