/**
 * Read receipts and typing indicators on this device (the `messaging`
 * settings row; both on until the user turns them off). Read live from the
 * database, so every tab follows a change made in any of them; written
 * through the node (`setMessagingSettings`). Off means neither sent nor
 * shown: the worker stops sending, and the tab shows a message the contact
 * read as delivered, as Signal does.
 */
import { liveQuery, type Subscription } from 'dexie'
import type { ParleyDb } from '../db/db.ts'
import { messagingSettings } from '../db/settings.ts'
import { getDb } from './live.svelte.ts'
import { getNodeManager, type NodeManager } from './node-manager.svelte.ts'

export interface MessagingChoice {
  readReceipts: boolean
  typing: boolean
}

export class MessagingSettings {
  readonly #db: ParleyDb
  readonly #node: Pick<NodeManager, 'call'>
  #readReceipts = $state(true)
  #typing = $state(true)
  #loaded = $state(false)
  #subscription: Subscription | undefined

  constructor (db: ParleyDb, node: Pick<NodeManager, 'call'>) {
    this.#db = db
    this.#node = node
  }

  /** Starts following the stored row (once). */
  start (): this {
    this.#subscription ??= liveQuery(async () => messagingSettings(this.#db)).subscribe({
      next: (row) => {
        this.#readReceipts = row.readReceipts
        this.#typing = row.typing
        this.#loaded = true
      },
      error: (err: unknown) => { console.error('parley: reading the messaging settings failed', err) }
    })
    return this
  }

  get readReceipts (): boolean {
    return this.#readReceipts
  }

  get typing (): boolean {
    return this.#typing
  }

  /** False until the stored row (or its absence) has been read. */
  get loaded (): boolean {
    return this.#loaded
  }

  /** Turns one or both on or off; the stored row (read back live) changes once the node wrote it. */
  async set (change: Partial<MessagingChoice>): Promise<void> {
    await this.#node.call('setMessagingSettings', { readReceipts: this.#readReceipts, typing: this.#typing, ...change })
  }

  reset (): void {
    this.#subscription?.unsubscribe()
    this.#subscription = undefined
    this.#loaded = false
    this.#readReceipts = true
    this.#typing = true
  }
}

let instance: MessagingSettings | undefined

/** The tab's messaging settings, followed from first use for the tab's life. */
export function getMessagingSettings (): MessagingSettings {
  instance ??= new MessagingSettings(getDb(), getNodeManager()).start()
  return instance
}
