import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'search' area (keys are used as `t('search.<key>')`): search across all chats. */
export const en = {
  /** the header's navigation entry */
  nav: 'Search',
  title: 'Search messages',
  /** label of the search box */
  label: 'Search in all chats',
  placeholder: 'Words from a message',
  hint: 'Type a word or the start of one. Every word must appear in the message.',
  searching: 'Searching…',
  noResults: 'No messages found',
  results: { one: '{count} message found', other: '{count} messages found' },
  /** results were cut at the limit */
  more: 'Showing the newest {count}. Add words to narrow the search.',
  /** accessible name of the results list */
  resultsLabel: 'Search results',
  you: 'You',
  error: 'Could not search: {error}'
} as const satisfies EnTable

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
  more: 'Показаны {count} самых новых. Добавьте слова, чтобы сузить поиск.',
  resultsLabel: 'Результаты поиска',
  you: 'Вы',
  error: 'Не удалось выполнить поиск: {error}'
}
