import type { RuTable } from '../../table.ts'
import type { en } from '../onboarding.ts'

/** The Russian of messages/onboarding.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
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
