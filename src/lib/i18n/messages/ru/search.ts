import type { RuTable } from '../../table.ts'
import type { en } from '../search.ts'

/** The Russian of messages/search.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
export const ru: RuTable<typeof en> = {
  nav: 'Поиск',
  title: 'Поиск сообщений',
  label: 'Поиск по всем чатам',
  placeholder: 'Слова из сообщения',
  hint: 'Введите слово или его начало. В сообщении должны быть все слова.',
  searching: 'Идёт поиск…',
  noResults: 'Сообщения не найдены',
  results: {
    one: 'Найдено {count} сообщение',
    few: 'Найдено {count} сообщения',
    many: 'Найдено {count} сообщений',
    other: 'Найдено {count} сообщения'
  },
  resultsSoFar: {
    one: 'Найдено {count} самое новое сообщение; прокрутите, чтобы увидеть более ранние',
    few: 'Найдены {count} самых новых сообщения; прокрутите, чтобы увидеть более ранние',
    many: 'Найдено {count} самых новых сообщений; прокрутите, чтобы увидеть более ранние',
    other: 'Найдено {count} самых новых сообщения; прокрутите, чтобы увидеть более ранние'
  },
  more: 'Показаны {count} самых новых. Добавьте слова, чтобы сузить поиск.',
  showMore: 'Показать более ранние',
  resultsLabel: 'Результаты поиска',
  you: 'Вы',
  error: 'Не удалось выполнить поиск: {error}'
}
