import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the 'notices' area (keys are used as `t('notices.<key>')`):
 * notices kept in a chat (ui/NoticeEntry.svelte, the chats list's preview).
 */
export const en = {
  sessionReset: 'Secure session reset',
  sessionResetDetail: 'Messages with {name} go on in a new end-to-end encrypted session. Your safety number has not changed.',
  deviceAdded: '{name} linked a new device',
  deviceAddedDetail: 'Messages from it show here, as from {name}. Your safety number has not changed.',
  deviceRemoved: '{name} removed a device',
  deviceRemovedDetail: 'Messages from that device no longer show as from {name}. Your safety number has not changed.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  sessionReset: 'Защищённый сеанс сброшен',
  sessionResetDetail: 'Переписка с {name} продолжается в новом сквозном зашифрованном сеансе. Код безопасности не изменился.',
  deviceAdded: '{name}: подключено новое устройство',
  deviceAddedDetail: 'Сообщения с него показываются здесь, как от {name}. Код безопасности не изменился.',
  deviceRemoved: '{name}: устройство отключено',
  deviceRemovedDetail: 'Сообщения с того устройства больше не показываются как от {name}. Код безопасности не изменился.'
}
