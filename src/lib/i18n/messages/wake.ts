import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the 'wake' area (keys are used as `t('wake.<key>')`): the
 * notification the service worker shows when a relay's Web Push wakes it
 * while no Parley page is on screen (src/lib/pwa/push-notice.ts). A push
 * carries nothing readable but a count and sealed hints: with "Show names
 * in notifications" the title is the names of the chats they say (the
 * person's own names for them), never a message's text.
 * Only the service worker shows them, reading this table directly (it
 * carries no other strings): it is not among lib/i18n's areas, so the tab's
 * shell does not carry it.
 */
export const en = {
  /** a push whose count could not be read */
  newMessages: 'New messages',
  count: { one: '{count} new message', other: '{count} new messages' },
  /** the names of more chats than a title lists: "Alice, Bob and 2 more" */
  namesMore: { one: '{names} and {count} more', other: '{names} and {count} more' }
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  newMessages: 'Новые сообщения',
  count: { one: '{count} новое сообщение', few: '{count} новых сообщения', many: '{count} новых сообщений', other: '{count} нового сообщения' },
  namesMore: { one: '{names} и ещё {count}', few: '{names} и ещё {count}', many: '{names} и ещё {count}', other: '{names} и ещё {count}' }
}
