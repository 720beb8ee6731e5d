import type { EnTable, RuTable } from '../table.ts'

/** Strings of the Settings screen (routes/Settings.svelte): language and theme, backup, TURN servers. */
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
  backupIntro: 'Download your identity and contacts, and if you like your history, as one file encrypted with a passphrase. Disappearing messages are never in it, and reactions, edits or deletions not yet delivered to a contact are not kept. The keys of your secure sessions are never in it either: a restored identity starts new sessions with your contacts, and their chats say so. Restoring it in another browser gives you the same identity there: then close Parley here, since only one copy can receive messages.',
  passphrase: 'Passphrase',
  passphraseAgain: 'Passphrase again',
  includeHistory: 'Include the chat history',
  passphraseTooShort: {
    one: 'Choose a passphrase of at least {count} character.',
    other: 'Choose a passphrase of at least {count} characters.'
  },
  passphrasesDiffer: 'The two passphrases differ. Type the same passphrase twice.',
  encrypting: 'Encrypting…',
  downloadBackup: 'Download backup',
  backupDownloading: 'Your backup file is downloading. Keep it and the passphrase safe: together they are your identity.',
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
  turnRemoved: 'Removed {url}.'
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
  backupIntro: 'Скачайте свой профиль и контакты, а при желании и историю переписки, одним файлом, зашифрованным паролем. Исчезающих сообщений в нём не бывает, а реакции, правки и удаления, ещё не доставленные контакту, не сохраняются. Ключей защищённых сеансов в нём тоже нет: восстановленный профиль начнёт с контактами новые сеансы, и в их чатах это будет отмечено. Восстановив его в другом браузере, вы получите там тот же профиль; затем закройте Parley здесь: сообщения получает только одна копия.',
  passphrase: 'Пароль',
  passphraseAgain: 'Пароль ещё раз',
  includeHistory: 'Добавить историю чатов',
  passphraseTooShort: {
    one: 'Придумайте пароль не короче {count} символа.',
    few: 'Придумайте пароль не короче {count} символов.',
    many: 'Придумайте пароль не короче {count} символов.',
    other: 'Придумайте пароль не короче {count} символа.'
  },
  passphrasesDiffer: 'Пароли не совпадают. Введите один и тот же пароль дважды.',
  encrypting: 'Шифрование…',
  downloadBackup: 'Скачать резервную копию',
  backupDownloading: 'Файл резервной копии скачивается. Храните его и пароль в надёжном месте: вместе они — ваш профиль.',
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
