import type { RuTable } from '../../table.ts'
import type { en } from '../settings.ts'

/** The Russian of messages/settings.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
export const ru: RuTable<typeof en> = {
  title: 'Настройки',
  lookHeading: 'Язык и тема',
  language: 'Язык',
  languageAuto: 'Автоматически (как в браузере)',
  theme: 'Тема',
  themeSystem: 'Как в системе',
  themeLight: 'Светлая',
  themeDark: 'Тёмная',
  backupHeading: 'Резервная копия профиля',
  turnHeading: 'Помощь с подключением (TURN)',
  turnIntro: 'Если вы с контактом не можете подключиться напрямую (строгий межсетевой экран, некоторые мобильные сети), соединение может передать TURN-сервер, на котором у вас есть учётная запись. Parley использует добавленные здесь серверы после встроенных в приложение для каждого нового подключения. Не больше {max}.',
  turnNone: 'У вас нет своих TURN-серверов.',
  turnList: 'Ваши TURN-серверы',
  username: 'Имя пользователя',
  credential: 'Учётные данные',
  hidden: 'скрыты',
  turnFull: {
    one: 'У вас {count} TURN-сервер — больше Parley не хранит. Удалите один, чтобы добавить другой.',
    few: 'У вас {count} TURN-сервера — больше Parley не хранит. Удалите один, чтобы добавить другой.',
    many: 'У вас {count} TURN-серверов — больше Parley не хранит. Удалите один, чтобы добавить другой.',
    other: 'У вас {count} TURN-сервера — больше Parley не хранит. Удалите один, чтобы добавить другой.'
  },
  turnForm: 'Добавить TURN-сервер',
  turnUrl: 'Адрес TURN-сервера',
  credentialPassword: 'Учётные данные (пароль)',
  addTurn: 'Добавить TURN-сервер',
  turnAdded: 'Добавлен {url}. Новые подключения теперь используют его.',
  turnRemoved: 'Удалён {url}.'
}
