/**
 * The entries of a chat's log: each message with the day heading drawn above
 * it when it is the first of its day. An entry whose message and heading did
 * not change keeps its object from the previous list, so Svelte's keyed
 * `{#each}` leaves its bubble alone: a new message renders one bubble, not
 * the whole log.
 */
import type { MessageId, MessageRow } from '../db/types.ts'
import { formatDay, sameDay } from './format.ts'

export interface ChatItem {
  key: MessageId
  message: MessageRow
  /** the day heading ('Today', a date) when this is the first message of its day */
  day: string | undefined
}

/** The log's entries for `shown` (display order), reusing the unchanged entries of `previous`. */
export function chatItems (shown: readonly MessageRow[], previous: readonly ChatItem[], now: number = Date.now()): readonly ChatItem[] {
  const before = new Map<MessageId, ChatItem>()
  for (const item of previous) before.set(item.key, item)
  let last: MessageRow | undefined
  return shown.map((message) => {
    const day = last === undefined || !sameDay(last.sentAt, message.sentAt) ? formatDay(message.sentAt, now) : undefined
    last = message
    const kept = before.get(message.id)
    return kept !== undefined && kept.message === message && kept.day === day ? kept : { key: message.id, message, day }
  })
}
