/**
 * Entries this device writes into a chat for itself and never sends: calls
 * (p2p/calls/call-log.ts) and notices (p2p/sessions/notices.ts). The
 * contact has no message by their ids: no receipt, reaction, edit or
 * "delete for everyone" touches them; they can only be deleted here.
 */
import type { MessageRow } from '../contract/rows.ts'

export function isLocalEntry (row: Pick<MessageRow, 'kind'>): boolean {
  return row.kind === 'call' || row.kind === 'notice'
}
