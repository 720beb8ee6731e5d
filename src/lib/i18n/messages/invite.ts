import type { EnTable, RuTable } from '../table.ts'

/** Strings of the My invite screen (routes/MyInvite.svelte) and the QR code view (lib/ui/QrCode.svelte). */
export const en = {
  title: 'My invite',
  intro: 'Send this invite to someone you want to chat with. When they add it, you can write to each other.',
  yourInvite: 'Your invite',
  preparing: 'Preparing your invite…',
  loadFailed: 'Could not get your invite: {reason}',
  copyInvite: 'Copy invite',
  copyFailed: 'Could not copy: this browser did not allow it. Select the invite and copy it yourself.',
  qrLabel: 'Invite QR code',
  qrUnavailable: 'The QR code could not be loaded. Copy the invite instead.',
  qrCaption: 'Or let them scan this code, in Parley under {add} → {scan}, or with a phone\'s camera, which opens the invite link.',
  yourName: 'Your name',
  asText: 'As text ({format}, for other Parley apps and terminals)',
  peerId: 'Peer ID',
  qrTooLong: 'This is too long for a QR code. Copy the text instead.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  title: 'Моё приглашение',
  intro: 'Отправьте это приглашение тому, с кем хотите переписываться. Когда собеседник его добавит, вы сможете писать друг другу.',
  yourInvite: 'Ваше приглашение',
  preparing: 'Готовим ваше приглашение…',
  loadFailed: 'Не удалось получить приглашение: {reason}',
  copyInvite: 'Скопировать приглашение',
  copyFailed: 'Не удалось скопировать: браузер не разрешил. Выделите приглашение и скопируйте его вручную.',
  qrLabel: 'QR-код приглашения',
  qrUnavailable: 'Не удалось загрузить QR-код. Скопируйте приглашение.',
  qrCaption: 'Или попросите собеседника отсканировать этот код в Parley: {add} → {scan}, или камерой телефона — она откроет ссылку-приглашение.',
  yourName: 'Ваше имя',
  asText: 'Текстом ({format}, для других приложений Parley и терминалов)',
  peerId: 'PeerID',
  qrTooLong: 'Текст слишком длинный для QR-кода. Скопируйте его.'
}
