/**
 * Entries this device writes into a chat for itself and never sends: calls
 * (node/calls/call-log.ts) and notices (node/sessions/notices.ts). The
 * contact has no message by their ids: no receipt, reaction, edit or
 * "delete for everyone" touches them; they can only be deleted here.
 */
import type { MessageRow } from './types.ts'

export function isLocalEntry (row: Pick<MessageRow, 'kind'>): boolean {
  return row.kind === 'call' || row.kind === 'notice'
}

/** With the chat's disappearing-messages timer on (`ttl` seconds), the entry disappears `ttl` after `from` (ms), like a message. */
export function withChatTimer (row: MessageRow, ttl: number | undefined, from: number): MessageRow {
  if (ttl !== undefined && ttl > 0) {
    row.ttl = ttl
    row.expiresAt = from + ttl * 1000
  }
  return row
}
