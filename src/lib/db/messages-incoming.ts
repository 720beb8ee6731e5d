/**
 * Received chat messages (docs/protocols.md, "Idempotency"): the rows they
 * are stored as, stored each id once, and never again once they expired or
 * were deleted here (db/tombstones.ts); and the receipts that mark ours
 * delivered.
 */
import { canTransition, requireContact } from './messages.ts'
import { withPendingEvents } from './events.ts'
import { tombstoned } from './tombstones.ts'
import type { ParleyDb } from './db.ts'
import type { ContactId, FileOffer, MessageId, MessageRow } from './types.ts'

export interface IncomingInput {
  id: MessageId
  contactId: ContactId
  fromPeerId: string
  body: string
  sentAt: number
  receivedAt: number
  /** the message it answers */
  replyTo?: MessageId
  /** disappears this many seconds after it arrived */
  ttl?: number
}

/** The row a received message is stored as. */
export function incomingRow (input: IncomingInput): MessageRow {
  const row: MessageRow = {
    id: input.id,
    contactId: input.contactId,
    direction: 'in',
    fromPeerId: input.fromPeerId,
    kind: 'text',
    body: input.body,
    sentAt: input.sentAt,
    receivedAt: input.receivedAt,
    state: 'delivered'
  }
  if (input.replyTo !== undefined) row.replyTo = input.replyTo
  if (input.ttl !== undefined) {
    row.ttl = input.ttl
    row.expiresAt = input.receivedAt + input.ttl * 1000
  }
  return row
}

/** The row a received file offer is stored as (body = its caption); see transfers.ts `storeIncomingFile`. */
export function incomingFileRow (input: IncomingInput & { file: FileOffer }): MessageRow {
  return { ...incomingRow(input), kind: 'file', file: { ...input.file } }
}

/**
 * Stores a received message exactly once (receipt is idempotent:
 * docs/protocols.md, "Idempotency"). A second copy with the same id, or one
 * of a message that expired or was deleted here (tombstoned), changes
 * nothing; the caller acks it again either way.
 */
export async function storeIncoming (db: ParleyDb, input: IncomingInput): Promise<'stored' | 'duplicate'> {
  return db.transaction('rw', [db.contacts, db.messages, db.events, db.tombstones], async () => {
    if (await db.messages.get(input.id) !== undefined || (await tombstoned(db, [input.id])).size > 0) return 'duplicate'
    await requireContact(db, input.contactId)
    // events that came before it (an edit, a reaction, a delete): applied now
    const [row] = await withPendingEvents(db, [incomingRow(input)])
    // deleted here by the user before (delete for me): not stored again
    if (row === undefined) return 'duplicate'
    await db.messages.add(row)
    return 'stored'
  })
}

/** Most messages `storeIncomingMany` or `markDelivered` take in one transaction. */
export const MAX_BATCH_ROWS = 512

/**
 * Stores received messages in one transaction, each id once, as
 * `storeIncoming` does for one: resolves, in the order given, 'stored' or
 * 'duplicate' (already stored, tombstoned, or earlier in the same batch). Nothing is
 * written unless every message's contact exists.
 *
 * @throws ContactNotFoundError, RangeError for more than MAX_BATCH_ROWS messages
 */
export async function storeIncomingMany (db: ParleyDb, inputs: readonly IncomingInput[]): Promise<Array<'stored' | 'duplicate'>> {
  if (inputs.length > MAX_BATCH_ROWS) throw new RangeError(`at most ${MAX_BATCH_ROWS} messages at once, not ${inputs.length}`)
  if (inputs.length === 0) return []
  return db.transaction('rw', [db.contacts, db.messages, db.events, db.tombstones], async () => {
    for (const contactId of new Set(inputs.map(input => input.contactId))) await requireContact(db, contactId)
    const existing = await db.messages.bulkGet(inputs.map(input => input.id))
    // expired or deleted here: never stored again
    const seen = new Set<MessageId>(await tombstoned(db, inputs.map(input => input.id)) as Set<MessageId>)
    const rows: MessageRow[] = []
    const results = inputs.map((input, i): 'stored' | 'duplicate' => {
      if (existing[i] !== undefined || seen.has(input.id)) return 'duplicate'
      seen.add(input.id)
      rows.push(incomingRow(input))
      return 'stored'
    })
    const merged = (await withPendingEvents(db, rows)).filter((row): row is MessageRow => row !== undefined)
    if (merged.length > 0) await db.messages.bulkAdd(merged)
    return results
  })
}

/**
 * Marks our messages to `contactId` with these ids delivered, in one
 * transaction (receipts; see `canTransition`: a message already delivered
 * or read stays as it is). Resolves the ids that are not messages we sent
 * that contact, for the caller to count.
 *
 * @throws RangeError for more than MAX_BATCH_ROWS ids
 */
export async function markDelivered (db: ParleyDb, contactId: ContactId, ids: readonly MessageId[]): Promise<MessageId[]> {
  if (ids.length > MAX_BATCH_ROWS) throw new RangeError(`at most ${MAX_BATCH_ROWS} messages at once, not ${ids.length}`)
  if (ids.length === 0) return []
  return db.transaction('rw', db.messages, async () => {
    const rows = await db.messages.bulkGet([...ids])
    const notOurs: MessageId[] = []
    const changed: MessageRow[] = []
    rows.forEach((row, i) => {
      if (row === undefined || row.direction !== 'out' || row.contactId !== contactId) {
        notOurs.push(ids[i] as MessageId)
      } else if (canTransition(row.state, 'delivered') && !changed.some(c => c.id === row.id)) {
        changed.push({ ...row, state: 'delivered', deliveredAt: Date.now() })
      }
    })
    if (changed.length > 0) await db.messages.bulkPut(changed)
    return notOurs
  })
}

