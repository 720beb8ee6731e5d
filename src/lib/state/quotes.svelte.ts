/**
 * The originals of the replies an open chat shows (the quote at the top of
 * each reply, ui/ReplyQuote.svelte): read live, in one query for every reply
 * on screen, again as the replies on screen change or an original changes
 * (edited, deleted, disappeared). Create it during the chat screen's
 * initialisation:
 *
 * ```ts
 * const quotes = new QuotedMessages(() => chat.shown)
 * quotes.of(message.replyTo)   // the original, null when gone, undefined until read
 * ```
 */
import type { ParleyDb } from '../db/db.ts'
import type { MessageId, MessageRow } from '../db/types.ts'
import { getDb, live, type Live } from './live.svelte.ts'

/** What one reading answered: the ids it looked for, and what it found of each. */
interface Answer {
  ids: readonly MessageId[]
  rows: ReadonlyArray<MessageRow | undefined>
}

const NONE: Answer = { ids: [], rows: [] }

export class QuotedMessages {
  /** the originals the replies on screen quote, as one key (a change of set is a new query; one of rows is not) */
  readonly #key: string
  readonly #answer: Live<Answer>
  readonly #byId: ReadonlyMap<MessageId, MessageRow | null> = $derived.by(() => {
    const { ids, rows } = this.#answer.current
    // a plain value handed out whole, never changed after
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    return new Map(ids.map((id, i) => [id, rows[i] ?? null]))
  })

  constructor (rows: () => readonly MessageRow[], db: ParleyDb = getDb()) {
    this.#key = $derived.by(() => {
      const ids = rows().flatMap(m => m.replyTo === undefined ? [] : [m.replyTo])
      return ids.filter((id, i) => ids.indexOf(id) === i).sort().join(' ')
    })
    this.#answer = live(async (): Promise<Answer> => {
      const key = this.#key
      if (key === '') return NONE
      const ids = key.split(' ') as MessageId[]
      return { ids, rows: await db.messages.bulkGet(ids) }
    }, NONE, () => this.#key)
  }

  /** The original of a reply: its row; null when it is gone (deleted here, disappeared, never arrived); undefined until read. */
  of (id: MessageId): MessageRow | null | undefined {
    return this.#byId.get(id)
  }
}
