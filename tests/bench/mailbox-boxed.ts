/**
 * The boxed variant of the mailbox drain (mailbox.ts): what Alice's node
 * deposits for a contact it has a session with (docs/protocols.md, "Through
 * mailboxes"): each chat frame in a box of her current session with Bob,
 * sealed as before. The session is the one her node made (read from her
 * page's database after one message each way, so it is answered and its
 * boxes carry no init); the bench continues its chain for the 1,000 items,
 * as her node would while Bob is away.
 */
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { encodeBox } from '@parley/protocol/session/box'
import { ratchetEncrypt } from '@parley/protocol/session/ratchet'
import { ulidBytes } from '@parley/protocol/ulid'
import { readSecretRows } from '../support/page-db.ts'
import type { SessionRow } from '../../src/lib/db/session-types.ts'
import type { ChatDialerFrame } from '@parley/protocol/chat/codec'
import type { Box } from '@parley/protocol/session/box'
import type { Page } from '@playwright/test'

/**
 * A row as it left the page (readSecretRows: byte arrays as arrays of numbers)
 * made whole again: a non-empty array of numbers is bytes (a session row
 * holds no other number arrays), an empty one stays a list.
 */
function revive (value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.length > 0 && value.every(v => typeof v === 'number') ? Uint8Array.from(value as number[]) : value.map(revive)
  }
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]))
  return value
}

/** Alice's current session with `peer`, as her node stored it. */
export async function currentSession (page: Page, peer: string): Promise<SessionRow> {
  const rows = await readSecretRows(page, 'sessions', { index: 'peer', range: JSON.stringify(peer) })
  const current = rows.map(row => revive(row) as SessionRow).find(row => row.current)
  if (current === undefined) throw new Error(`no current session with ${peer} in the page's database`)
  return current
}

/** Seals `frames` in order on `session` (its state moves on); resolves each frame's box. */
export function boxFrames (session: SessionRow, frames: ChatDialerFrame[]): Uint8Array[] {
  let state = session.state
  return frames.map(frame => {
    const itemId = ulidBytes(frame.id)
    const { state: next, message } = ratchetEncrypt(state, encodeChatFrame(frame, '1.1.0'), itemId)
    state = next
    const box: Box = { itemId, header: message.header, nonce: message.nonce, ciphertext: message.ciphertext }
    if (session.init !== undefined) box.init = session.init
    return encodeBox(box)
  })
}
