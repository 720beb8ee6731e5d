import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the Settings screen (routes/Settings.svelte), loaded with it, not
 * with the app (lib/i18n/index.ts, `addArea`): language and theme, the
 * backup's heading (the rest of it: messages/backup.ts), TURN servers, the
 * App and Notifications sections (ui/PwaSettings.svelte). Linked devices have
 * theirs (messages/devices.ts), loaded with their section.
 */
export const en = {
  title: 'Settings',
  lookHeading: 'Language and theme',
  language: 'Language',
  languageAuto: 'Automatic (browser)',
  theme: 'Theme',
  themeSystem: 'System',
  themeLight: 'Light',
  themeDark: 'Dark',
  backupHeading: 'Back up your identity',
  turnHeading: 'Connection help (TURN)',
  turnIntro: 'If you and a contact cannot connect directly (strict firewalls, some mobile networks), a TURN server you have an account with can pass the connection on. Parley uses the servers you add here, after the ones this app comes with, for every new connection. At most {max}.',
  turnNone: 'You have no TURN servers of your own.',
  turnList: 'Your TURN servers',
  username: 'Username',
  credential: 'Credential',
  hidden: 'hidden',
  turnFull: {
    one: 'You have {count} TURN server, the most Parley keeps. Remove one to add another.',
    other: 'You have {count} TURN servers, the most Parley keeps. Remove one to add another.'
  },
  turnForm: 'Add a TURN server',
  turnUrl: 'TURN server address',
  credentialPassword: 'Credential (password)',
  addTurn: 'Add TURN server',
  turnAdded: 'Added {url}. New connections use it from now on.',
  turnRemoved: 'Removed {url}.',
  installHeading: 'App',
  installHelp: 'Install Parley on this device to open it from your home screen or app list.',
  installed: 'Parley is installed on this device.',
  installUnavailable: 'This browser does not offer to install Parley here. Use its menu (for example “Add to Home screen”) if it has one.',
  notificationsHeading: 'Notifications',
  notificationsToggle: 'Show notifications for new messages and contact requests',
  notificationsHelp: 'Shown while Parley is open but not on screen.'
} as const satisfies EnTable

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
  turnRemoved: 'Удалён {url}.',
  installHeading: 'Приложение',
  installHelp: 'Установите Parley на это устройство, чтобы открывать его с главного экрана или из списка приложений.',
  installed: 'Parley установлен на этом устройстве.',
  installUnavailable: 'Этот браузер не предлагает установить Parley. Воспользуйтесь его меню (например, «Добавить на главный экран»), если там есть такой пункт.',
  notificationsHeading: 'Уведомления',
  notificationsToggle: 'Показывать уведомления о новых сообщениях и запросах на добавление',
  notificationsHelp: 'Показываются, когда Parley открыт, но не на экране.'
}
