/** How a notice kept in a chat (MessageRow kind 'notice') reads, short (the line, the chats list's preview), with `{name}` for the contact's. */
import type { NoticeKind } from '../db/types.ts'
import type { MessageKey } from '../i18n/index.ts'

export const NOTICE_WORDS: Readonly<Record<NoticeKind, MessageKey>> = {
  'session-reset': 'notices.sessionReset',
  'device-added': 'notices.deviceAdded',
  'device-removed': 'notices.deviceRemoved'
}

/** The longer words under the line, with `{name}` for the contact's. */
export const NOTICE_DETAILS: Readonly<Record<NoticeKind, MessageKey>> = {
  'session-reset': 'notices.sessionResetDetail',
  'device-added': 'notices.deviceAddedDetail',
  'device-removed': 'notices.deviceRemovedDetail'
}
