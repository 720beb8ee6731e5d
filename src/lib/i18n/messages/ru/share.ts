import type { RuTable } from '../../table.ts'
import type { en } from '../share.ts'

/** The Russian of messages/share.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
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
