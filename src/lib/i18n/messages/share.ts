import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'share' area (keys are used as `t('share.<key>')`): the share screen (#/share). */
export const en = {
  heading: 'Share',
  loading: 'Reading what was shared…',
  nothing: 'Nothing was shared, or it was already sent.',
  tooMany: { one: 'Only {count} file can be shared at once. Nothing was kept: share fewer files.', other: 'Only {count} files can be shared at once. Nothing was kept: share fewer files.' },
  tooLarge: 'The shared files are too large (more than {size} together). Nothing was kept: share fewer or smaller files.',
  unreadable: 'What was shared could not be read. Please share it again.',
  readFailed: 'Could not read what was shared: {reason}',
  what: 'Shared with Parley',
  titleLabel: 'Title',
  textLabel: 'Text',
  linkLabel: 'Link',
  filesLabel: 'Files',
  chooseContact: 'Send to',
  noContacts: 'You have no contacts to send this to yet. Add a contact first.',
  addContact: 'Add a contact',
  send: 'Send',
  sending: 'Sending…',
  pickFirst: 'Choose who to send it to.',
  discard: 'Discard',
  sendFailed: 'Could not send: {reason}'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  heading: 'Поделиться',
  loading: 'Читаем то, чем поделились…',
  nothing: 'Ничего не передано, или это уже отправлено.',
  tooMany: {
    one: 'За один раз можно поделиться только {count} файлом. Ничего не сохранено: выберите меньше файлов.',
    few: 'За один раз можно поделиться только {count} файлами. Ничего не сохранено: выберите меньше файлов.',
    many: 'За один раз можно поделиться только {count} файлами. Ничего не сохранено: выберите меньше файлов.',
    other: 'За один раз можно поделиться только {count} файла. Ничего не сохранено: выберите меньше файлов.'
  },
  tooLarge: 'Файлы слишком большие (вместе больше {size}). Ничего не сохранено: выберите меньше файлов или файлы поменьше.',
  unreadable: 'Не удалось прочитать то, чем поделились. Поделитесь ещё раз.',
  readFailed: 'Не удалось прочитать то, чем поделились: {reason}',
  what: 'Передано в Parley',
  titleLabel: 'Заголовок',
  textLabel: 'Текст',
  linkLabel: 'Ссылка',
  filesLabel: 'Файлы',
  chooseContact: 'Кому отправить',
  noContacts: 'Пока некому отправить: сначала добавьте контакт.',
  addContact: 'Добавить контакт',
  send: 'Отправить',
  sending: 'Отправляем…',
  pickFirst: 'Выберите, кому отправить.',
  discard: 'Отменить',
  sendFailed: 'Не удалось отправить: {reason}'
}
