import type { EnTable } from '../table.ts'

/** Strings of the 'onboarding' area (keys are used as `t('onboarding.<key>')`): the first screen. */
export const en = {
  welcome: 'Welcome to Parley',
  intro: 'Chat directly with the people you add, browser to browser. There is no account: your identity is created on this device and your history stays here.',
  yourName: 'Your name',
  nameHint: 'Shown to your contacts; 1 to {max} characters.',
  creating: 'Creating your identity…',
  continue: 'Continue',
  restoreHeading: 'Already use Parley?',
  invitedBy: '{name} invited you. Choose your name, then add {name}.',
  restoreHint: 'Restore your identity and contacts from a backup file made in Settings.',
  restoreCloseOther: 'Moving from another browser or device? Close Parley there, before or right after restoring: an identity receives messages in one place at a time.',
  backupFile: 'Backup file',
  chooseBackup: 'Choose file…',
  noFileChosen: 'No file chosen',
  backupPassphrase: 'Backup passphrase',
  restoring: 'Restoring…',
  restore: 'Restore',
  chooseFile: 'Choose your backup file first.',
  fileTooLarge: 'This file is too large to be a Parley backup.',
  enterPassphrase: 'Enter the passphrase of the backup.'
} as const satisfies EnTable
