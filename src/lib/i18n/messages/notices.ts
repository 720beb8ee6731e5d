import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the 'notices' area (keys are used as `t('notices.<key>')`):
 * notices kept in a chat (ui/NoticeEntry.svelte, the chats list's preview).
 */
export const en = {
  sessionReset: 'Secure session reset',
  sessionResetDetail: 'Messages with {name} go on in a new end-to-end encrypted session. Your safety number has not changed.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  sessionReset: 'Защищённый сеанс сброшен',
  sessionResetDetail: 'Переписка с {name} продолжается в новом сквозном зашифрованном сеансе. Код безопасности не изменился.'
}
