import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the 'files' area (keys are used as `t('files.<key>')`): the file
 * card in a chat, transfer progress, dropping and pasting files, the image viewer.
 * `{name}` is the contact's display name, `{file}` a file name.
 */
export const en = {
  fallbackName: 'File',
  notOnDevice: 'The file is not on this device.',
  /** under the sender's own file when its name had to be made safe to send */
  sentAs: 'Sent as “{file}”',
  cancel: 'Cancel',
  retry: 'Retry',
  save: 'Save',
  cancelSending: 'Cancel sending {file}',
  cancelDownloading: 'Cancel downloading {file}',
  retrySending: 'Retry sending {file}',
  retryDownloading: 'Retry downloading {file}',
  saveLabel: 'Save {file}',
  openLabel: 'Open {file}',
  progressLabel: 'Progress of {file}',
  pathPrefix: 'Connection path: ',
  pathDirect: 'direct',
  pathRelayed: 'relayed',
  timeLeft: '{eta} left',
  preparing: 'Preparing…',
  waitingOnline: 'Waiting for {name} to come online',
  waitingToFetch: 'Waiting for {name} to download it',
  waitingSlot: 'Waiting for other downloads to finish',
  waitingDirect: 'Waiting for a direct connection',
  sending: 'Sending',
  receiving: 'Receiving',
  verifying: 'Checking the file…',
  sent: 'Sent',
  received: 'Received',
  cancelledByMe: 'Cancelled by you',
  cancelledByPeer: 'Cancelled by {name}',
  cancelled: 'Cancelled',
  failed: 'Failed: {reason}',
  failedNoReason: 'Failed',
  seconds: '{s} s',
  minutes: '{m} min',
  hours: '{h} h',
  hoursMinutes: '{h} h {m} min',
  perSecond: '{size}/s',
  drop: 'Drop files to send',
  dismiss: 'Dismiss',
  tooMany: {
    one: 'Only {max} files can be sent at once: {count} was left out.',
    other: 'Only {max} files can be sent at once: {count} were left out.'
  },
  folders: {
    one: 'Folders cannot be sent: a folder was left out.',
    other: 'Folders cannot be sent: {count} folders were left out.'
  },
  viewerClose: 'Close',
  viewerCloseLabel: 'Close image'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  fallbackName: 'Файл',
  notOnDevice: 'Файла нет на этом устройстве.',
  sentAs: 'Отправлен под именем «{file}»',
  cancel: 'Отменить',
  retry: 'Повторить',
  save: 'Сохранить',
  cancelSending: 'Отменить отправку файла {file}',
  cancelDownloading: 'Отменить загрузку файла {file}',
  retrySending: 'Повторить отправку файла {file}',
  retryDownloading: 'Повторить загрузку файла {file}',
  saveLabel: 'Сохранить файл {file}',
  openLabel: 'Открыть файл {file}',
  progressLabel: 'Ход передачи файла {file}',
  pathPrefix: 'Путь соединения: ',
  pathDirect: 'напрямую',
  pathRelayed: 'через ретранслятор',
  timeLeft: 'осталось {eta}',
  preparing: 'Подготовка…',
  waitingOnline: 'Ждём, когда {name} будет в сети',
  waitingToFetch: 'Ждём, когда {name} загрузит файл',
  waitingSlot: 'Ждём окончания других загрузок',
  waitingDirect: 'Ждём прямого соединения',
  sending: 'Отправка',
  receiving: 'Получение',
  verifying: 'Проверка файла…',
  sent: 'Отправлено',
  received: 'Получено',
  cancelledByMe: 'Отменено вами',
  cancelledByPeer: '{name} отменил(а) передачу',
  cancelled: 'Отменено',
  failed: 'Ошибка: {reason}',
  failedNoReason: 'Не удалось',
  seconds: '{s} с',
  minutes: '{m} мин',
  hours: '{h} ч',
  hoursMinutes: '{h} ч {m} мин',
  perSecond: '{size}/с',
  drop: 'Отпустите файлы, чтобы отправить',
  dismiss: 'Скрыть',
  tooMany: {
    one: 'За один раз можно отправить не больше {max} файлов: {count} файл не добавлен.',
    few: 'За один раз можно отправить не больше {max} файлов: {count} файла не добавлены.',
    many: 'За один раз можно отправить не больше {max} файлов: {count} файлов не добавлено.',
    other: 'За один раз можно отправить не больше {max} файлов: {count} файла не добавлено.'
  },
  folders: {
    one: 'Папки отправлять нельзя: {count} папка не добавлена.',
    few: 'Папки отправлять нельзя: {count} папки не добавлены.',
    many: 'Папки отправлять нельзя: {count} папок не добавлено.',
    other: 'Папки отправлять нельзя: {count} папки не добавлено.'
  },
  viewerClose: 'Закрыть',
  viewerCloseLabel: 'Закрыть изображение'
}
