import type { EnTable, RuTable } from '../table.ts'

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

export const ru: RuTable<typeof en> = {
  welcome: 'Добро пожаловать в Parley',
  intro: 'Общайтесь напрямую с теми, кого добавили, из браузера в браузер. Учётной записи нет: ваша личность создаётся на этом устройстве, и история остаётся здесь.',
  yourName: 'Ваше имя',
  nameHint: 'Его видят ваши контакты; от 1 до {max} символов.',
  creating: 'Создаём вашу личность…',
  continue: 'Продолжить',
  restoreHeading: 'Уже пользуетесь Parley?',
  invitedBy: '{name} приглашает вас. Выберите себе имя, затем добавьте {name}.',
  restoreHint: 'Восстановите свою личность и контакты из резервной копии, сделанной в настройках.',
  restoreCloseOther: 'Переезжаете с другого браузера или устройства? Закройте Parley там — до восстановления или сразу после: личность получает сообщения только в одном месте.',
  backupFile: 'Файл резервной копии',
  chooseBackup: 'Выбрать файл…',
  noFileChosen: 'Файл не выбран',
  backupPassphrase: 'Пароль резервной копии',
  restoring: 'Восстановление…',
  restore: 'Восстановить',
  chooseFile: 'Сначала выберите файл резервной копии.',
  fileTooLarge: 'Этот файл слишком большой для резервной копии Parley.',
  enterPassphrase: 'Введите пароль резервной копии.'
}
