import type { RuTable } from '../../table.ts'
import type { en } from '../common.ts'

/** The Russian of messages/common.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
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
