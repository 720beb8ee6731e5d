/**
 * Read marks, batched: the chat reports each received message as it has been
 * on screen (state/read-watch.ts), and this collects the ids and hands them to
 * the node's `markRead` every READ_BATCH_MS, at most MAX_MARK_READ_IDS per
 * call. An id waiting or on its way is not taken again; once its call has
 * settled it may be (a message shown on arrival, before it was stored, is
 * marked again once its stored row shows). The node ignores ids that are
 * not stored, not ours to read or already read, so repeats do no harm.
 *
 * ```ts
 * const reads = new ReadBatcher((contactId, ids) => node.call('markRead', { contactId, ids }))
 * reads.add(contactId, id)   // the message was seen
 * reads.close()              // the chat closes: what is left is sent now
 * ```
 *
 * The chat's key is a contact's id by default; a group's chat keys it by
 * its group id (`ReadBatcher<string>`, calling markGroupRead).
 */
import { MAX_MARK_READ_IDS } from '../contract/methods/actions.ts'
import type { ContactId, MessageId } from '../db/types.ts'
import { handleError } from '../i18n/handle-error.ts'

/** How long seen ids gather before one markRead call takes them, in ms. */
export const READ_BATCH_MS = 500
/** Ids waiting or on their way at most; more are dropped (they stay unread and are reported again when seen again). */
export const MAX_PENDING_READS = 4 * MAX_MARK_READ_IDS

export type MarkRead<K = ContactId> = (chat: K, ids: MessageId[]) => Promise<unknown>

export class ReadBatcher<K = ContactId> {
  readonly #markRead: MarkRead<K>
  readonly #batchMs: number
  #contactId: K | undefined
  /** ids seen and not sent yet, in the order seen */
  readonly #waiting = new Set<MessageId>()
  /** ids handed to markRead whose call has not settled */
  readonly #sending = new Set<MessageId>()
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor (markRead: MarkRead<K>, batchMs = READ_BATCH_MS) {
    this.#markRead = markRead
    this.#batchMs = batchMs
  }

  /** Message `id` of the chat with `contactId` was seen; another chat than before sends the earlier chat's ids first. */
  add (contactId: K, id: MessageId): void {
    if (contactId !== this.#contactId) {
      this.flush()
      this.#contactId = contactId
    }
    if (this.#sending.has(id) || this.#waiting.has(id) || this.#waiting.size + this.#sending.size >= MAX_PENDING_READS) return
    this.#waiting.add(id)
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.flush()
    }, this.#batchMs)
  }

  /** Sends what is waiting now, in calls of at most MAX_MARK_READ_IDS. */
  flush (): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const contactId = this.#contactId
    if (contactId === undefined || this.#waiting.size === 0) return
    const ids = [...this.#waiting]
    this.#waiting.clear()
    for (const id of ids) this.#sending.add(id)
    for (let i = 0; i < ids.length; i += MAX_MARK_READ_IDS) {
      const batch = ids.slice(i, i + MAX_MARK_READ_IDS)
      void this.#markRead(contactId, batch)
        .catch((err: unknown) => { handleError(err, 'markRead') })
        .finally(() => { for (const id of batch) this.#sending.delete(id) })
    }
  }

  /** The chat closes: what is waiting is sent now, and the next chat starts afresh. */
  close (): void {
    this.flush()
    this.#contactId = undefined
  }
}
