import type { EnTable, RuTable } from '../table.ts'

/** Words used on many screens. */
export const en = {
  appName: 'Parley',
  loading: 'Loading…',
  cancel: 'Cancel',
  close: 'Close',
  save: 'Save',
  remove: 'Remove',
  retry: 'Try again',
  copy: 'Copy',
  copied: 'Copied',
  back: 'Back',
  today: 'Today',
  yesterday: 'Yesterday',
  genericError: 'Something went wrong. Please try again.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  appName: 'Parley',
  loading: 'Загрузка…',
  cancel: 'Отмена',
  close: 'Закрыть',
  save: 'Сохранить',
  remove: 'Удалить',
  retry: 'Повторить',
  copy: 'Копировать',
  copied: 'Скопировано',
  back: 'Назад',
  today: 'Сегодня',
  yesterday: 'Вчера',
  genericError: 'Что-то пошло не так. Попробуйте ещё раз.'
}
