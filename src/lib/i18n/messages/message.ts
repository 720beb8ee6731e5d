import type { EnTable } from '../table.ts'

/** Strings of the 'message' area (keys are used as `t('message.<key>')`): one message bubble. */
export const en = {
  /** who wrote an outgoing message, for screen readers */
  you: 'You',
  /** delivery states under an outgoing message */
  queued: 'queued',
  sent: 'sent',
  stored: 'stored on relay',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  /** failed because no one with the contact's ID was found (MessageRow.failure 'contactNotFound') */
  failedNotFound: 'not delivered: no one with this ID',
  /**
   * instead of queued/sent, while the contact's app speaks sessions and no
   * relay (nor the contact) hands out its keys: the message waits, and never
   * goes without a secure session
   */
  waitingKeys: 'waiting for {name}\'s keys',
  /** a long message is shown folded to its first lines until the reader asks for the rest */
  showMore: 'Show more',
  showLess: 'Show less',
  /** the line above the first unread message a chat opened at */
  newMessages: 'New messages',
  /** under a group message that names us with @ */
  mentionsYou: 'Mentions you'
} as const satisfies EnTable
