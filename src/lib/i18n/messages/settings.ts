import type { EnTable } from '../table.ts'

/** Strings of the Settings screen (routes/Settings.svelte): language and theme, the backup's heading (the rest of it: messages/backup.ts), TURN servers. Linked devices have theirs (messages/devices.ts), loaded with their section. */
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
  turnRemoved: 'Removed {url}.'
} as const satisfies EnTable
