import type { EnTable } from '../table.ts'

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
