import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of Settings' "Linked devices" section (ui/LinkedDevices.svelte;
 * issue 58), loaded with it on demand, not with the app (lib/i18n/index.ts,
 * `addArea`): its list of devices and the form naming this one. Linking
 * another device has its own (messages/link.ts).
 */
export const en = {
  heading: 'Linked devices',
  holder: 'Your account is the identity your contacts know. This device holds its key and signs the list of your devices.',
  list: 'Your devices',
  thisDevice: 'This device',
  unnamed: 'Unnamed device',
  added: 'Added {date}',
  name: 'Name of this device',
  nameHelp: 'It goes into your signed device list, which your contacts will be able to read. At most {max} characters.',
  save: 'Save name',
  saved: 'Saved.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  heading: 'Связанные устройства',
  holder: 'Ваш аккаунт — это профиль, который знают ваши контакты. Это устройство хранит его ключ и подписывает список ваших устройств.',
  list: 'Ваши устройства',
  thisDevice: 'Это устройство',
  unnamed: 'Устройство без имени',
  added: 'Добавлено {date}',
  name: 'Имя этого устройства',
  nameHelp: 'Оно входит в подписанный список ваших устройств, который смогут прочитать ваши контакты. Не длиннее {max} символов.',
  save: 'Сохранить имя',
  saved: 'Сохранено.'
}
