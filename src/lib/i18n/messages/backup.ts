import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the backup file in Settings (ui/BackupSettings.svelte), loaded
 * with it on demand, not with the app (lib/i18n/index.ts, `addArea`). The
 * section's heading stays in `settings`, shown while this loads.
 */
export const en = {
  identityWarning: 'This file is your identity. Whoever has the file and its passphrase can be you: read what your contacts send you and write to them as you, and a PeerID cannot be changed. Keep both safe, and not in the same place.',
  intro: 'Download your identity and contacts, and if you like your history, as one file encrypted with a passphrase. Disappearing messages are never in it, and reactions, edits or deletions not yet delivered to a contact are not kept. The keys of your secure sessions are never in it either: a restored identity starts new sessions with your contacts, and their chats say so. Restoring it in another browser gives you the same identity there: then close Parley here, since only one copy can receive messages.',
  recoveryLabel: 'Recovery passphrase',
  recoveryHelp: 'This browser chose these {count} words at random from a list of 2,048: {bits} bits, too many to guess even for someone who has the file. Write them down or keep them in a password manager. Parley keeps them nowhere, and without them the file cannot be opened.',
  otherWords: 'Other words',
  copied: 'Copied to the clipboard.',
  saved: 'I have written down or saved this passphrase',
  notSaved: 'Save the passphrase first (write it down or keep it in a password manager), then tick the box.',
  chooseOwn: 'Choose my own passphrase',
  useGenerated: 'Use random words instead',
  ownHelp: 'A passphrase of your own must be hard to guess: if the file is ever in someone else\'s hands, they can try passphrases as fast as their computers allow.',
  passphrase: 'Passphrase',
  passphraseAgain: 'Passphrase again',
  strength: 'Strength',
  strength0: 'Very weak',
  strength1: 'Weak',
  strength2: 'Fair',
  strength3: 'Good',
  strength4: 'Strong',
  strengthChecking: 'Checking the strength…',
  strongEnough: 'Strong enough for a backup.',
  notStrongEnough: 'Too easy to guess for a file that is your identity: add more words or characters.',
  tooWeak: 'This passphrase is too easy to guess. Make it longer (several unrelated words work well), or use the random words.',
  passphraseTooShort: {
    one: 'Choose a passphrase of at least {count} character.',
    other: 'Choose a passphrase of at least {count} characters.'
  },
  passphrasesDiffer: 'The two passphrases differ. Type the same passphrase twice.',
  includeHistory: 'Include the chat history',
  encrypting: 'Encrypting…',
  downloadBackup: 'Download backup',
  downloading: 'Your backup file is downloading. Keep it and the passphrase safe: together they are your identity.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  identityWarning: 'Этот файл — ваш профиль. Тот, у кого есть файл и его пароль, может стать вами: читать то, что вам пишут контакты, и писать им от вашего имени, а PeerID сменить нельзя. Храните и то, и другое в надёжном месте, и не вместе.',
  intro: 'Скачайте свой профиль и контакты, а при желании и историю переписки, одним файлом, зашифрованным паролем. Исчезающих сообщений в нём не бывает, а реакции, правки и удаления, ещё не доставленные контакту, не сохраняются. Ключей защищённых сеансов в нём тоже нет: восстановленный профиль начнёт с контактами новые сеансы, и в их чатах это будет отмечено. Восстановив его в другом браузере, вы получите там тот же профиль; затем закройте Parley здесь: сообщения получает только одна копия.',
  recoveryLabel: 'Пароль для восстановления',
  recoveryHelp: 'Этот браузер выбрал эти слова случайно из списка в 2048 слов (их {count}, это {bits} бит): столько не подобрать даже тому, у кого есть файл. Запишите их или сохраните в менеджере паролей. Parley их нигде не хранит, а без них файл не открыть.',
  otherWords: 'Другие слова',
  copied: 'Скопировано в буфер обмена.',
  saved: 'Пароль записан или сохранён',
  notSaved: 'Сначала сохраните пароль (запишите его или сохраните в менеджере паролей), затем поставьте отметку.',
  chooseOwn: 'Придумать свой пароль',
  useGenerated: 'Взять случайные слова',
  ownHelp: 'Свой пароль должно быть трудно подобрать: если файл когда-нибудь окажется в чужих руках, пароли к нему будут перебирать так быстро, как позволят компьютеры.',
  passphrase: 'Пароль',
  passphraseAgain: 'Пароль ещё раз',
  strength: 'Надёжность',
  strength0: 'Очень слабый',
  strength1: 'Слабый',
  strength2: 'Средний',
  strength3: 'Хороший',
  strength4: 'Надёжный',
  strengthChecking: 'Проверяем надёжность…',
  strongEnough: 'Достаточно надёжен для резервной копии.',
  notStrongEnough: 'Слишком легко подобрать для файла, который и есть ваш профиль: добавьте слова или символы.',
  tooWeak: 'Этот пароль слишком легко подобрать. Сделайте его длиннее (хорошо подходят несколько не связанных слов) или возьмите случайные слова.',
  passphraseTooShort: {
    one: 'Придумайте пароль не короче {count} символа.',
    few: 'Придумайте пароль не короче {count} символов.',
    many: 'Придумайте пароль не короче {count} символов.',
    other: 'Придумайте пароль не короче {count} символа.'
  },
  passphrasesDiffer: 'Пароли не совпадают. Введите один и тот же пароль дважды.',
  includeHistory: 'Добавить историю чатов',
  encrypting: 'Шифрование…',
  downloadBackup: 'Скачать резервную копию',
  downloading: 'Файл резервной копии скачивается. Храните его и пароль в надёжном месте: вместе они — ваш профиль.'
}
