/**
 * Disappearing messages (docs/protocols.md, "Message actions", timer): a
 * message with `expiresAt` is removed from this device once that time has
 * passed, with its file bytes, transfer row, search words and events (and,
 * in a group, what is still owed to members), leaving a tombstone of its id
 * (db/tombstones.ts: a replayed copy is not stored again); tombstones whose
 * time is up are forgotten in the same sweep. Checked
 * at start (a device that was off at expiry removes them first thing) and
 * every EXPIRY_CHECK_MS while the node runs.
 */
import { deleteEventsAbout } from '../../db/events.ts'
import { addTombstones, pruneTombstones } from '../../db/tombstones.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { MessageId } from '../../db/types.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
import type { ComponentLogger, Logger, Startable } from '@libp2p/interface'

/** How often the node looks for messages whose time is up, in ms. */
export const EXPIRY_CHECK_MS = 5000
/** Messages removed per transaction; a sweep goes on until none is due. */
export const EXPIRY_BATCH = 200

export interface ExpiryComponents {
  db: ParleyDb
  logger: ComponentLogger
  transfers: Pick<TransfersPort, 'forget'>
}

/** Removes the messages due by `now` (tombstoning their ids), then forgets old tombstones; resolves how many messages went. */
export async function removeExpired (db: ParleyDb, transfers: Pick<TransfersPort, 'forget'>, now: number): Promise<number> {
  let removed = 0
  for (;;) {
    const due = await db.transaction('rw', [db.messages, db.events, db.groupDeliveries, db.tombstones], async () => {
      const rows = await db.messages.where('expiresAt').below(now).limit(EXPIRY_BATCH).toArray()
      const ids = rows.map(r => r.id)
      await db.messages.bulkDelete(ids)
      // a copy that comes again (a relay replaying it) is not stored: it stays gone
      await addTombstones(db, ids, now)
      await deleteEventsAbout(db, ids)
      // a group message: nothing more of it goes to the members still owed it
      const grouped = rows.filter(r => r.groupId !== undefined).map(r => r.id)
      if (grouped.length > 0) await db.groupDeliveries.where('message').anyOf(grouped).delete()
      return rows
    })
    const files: MessageId[] = due.filter(r => r.file !== undefined).map(r => r.id)
    if (files.length > 0) await transfers.forget(files)
    removed += due.length
    if (due.length < EXPIRY_BATCH) break
  }
  await pruneTombstones(db, now)
  return removed
}

export class Expiry implements Startable {
  readonly #components: ExpiryComponents
  readonly #log: Logger
  #timer?: ReturnType<typeof setInterval>
  #sweeping?: Promise<void>

  constructor (components: ExpiryComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:expiry')
  }

  async start (): Promise<void> {
    await this.sweep()
    this.#timer = setInterval(() => { void this.sweep() }, EXPIRY_CHECK_MS)
  }

  stop (): void {
    clearInterval(this.#timer)
  }

  /** One sweep at a time; never throws. */
  async sweep (): Promise<void> {
    this.#sweeping ??= removeExpired(this.#components.db, this.#components.transfers, Date.now())
      .then((n) => { if (n > 0) this.#log('%d disappearing message(s) removed', n) })
      .catch((err: unknown) => { this.#log.error('removing disappeared messages failed - %e', err) })
      .finally(() => { this.#sweeping = undefined })
    await this.#sweeping
  }
}
