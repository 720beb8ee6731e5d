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
  saved: 'Saved.',
  remove: 'Remove',
  removeHeading: 'Remove a device',
  /** said before the holder signs a list without the device */
  removeConfirm: 'Remove {name} from your account? It will no longer get your messages, and your contacts will stop taking messages from it. What it already holds stays on it until it is erased there.',
  removeYes: 'Remove device',
  removed: 'Removed. Your contacts get the new list of your devices when they next connect.',
  cancel: 'Cancel',
  unlink: 'Unlink this device',
  /** on a linked device: unlinking erases it here; the holder removes it from the list */
  unlinkConfirm: 'Unlink this device? Parley’s data on it is erased: your chats, contacts and history here. Your other devices keep theirs. Then remove it from the list on the device that holds your account key, so that your contacts stop sending to it.',
  unlinkYes: 'Erase and unlink'
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
  saved: 'Сохранено.',
  remove: 'Удалить',
  removeHeading: 'Удаление устройства',
  removeConfirm: 'Удалить {name} из вашего аккаунта? Оно больше не будет получать ваши сообщения, а ваши контакты перестанут принимать сообщения от него. То, что на нём уже есть, останется там, пока его не сотрут.',
  removeYes: 'Удалить устройство',
  removed: 'Удалено. Контакты получат новый список ваших устройств при следующем подключении.',
  cancel: 'Отмена',
  unlink: 'Отвязать это устройство',
  unlinkConfirm: 'Отвязать это устройство? Данные Parley на нём будут стёрты: ваши чаты, контакты и история здесь. На других ваших устройствах всё останется. Затем удалите его из списка на устройстве, которое хранит ключ аккаунта, чтобы контакты перестали отправлять ему сообщения.',
  unlinkYes: 'Стереть и отвязать'
}
