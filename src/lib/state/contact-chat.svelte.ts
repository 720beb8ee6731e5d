/**
 * The other side of an open chat with a contact (routes/Chat.svelte): their
 * row, read live, and what the screen says of them: their name, how the
 * node reaches them now (direct, relayed, offline; why not direct), where our
 * request to them stands, their chat's file transfers, and calling them.
 * Create it during the screen's initialisation; it follows `contactId`
 * (nothing while that is undefined: a group's chat).
 *
 * ```ts
 * const contact = new ContactChat(getNodeManager(), getCallManager(), () => contactId)
 * contact.name, contact.path, contact.transfer(message.id)
 * ```
 */
import type { DirectOutlook, NodeStatus } from '../contract/index.ts'
import type { ParleyDb } from '../db/db.ts'
import { transfersOfChat } from '../db/transfers.ts'
import type { ContactId, ContactRow, MessageId, TransferRow } from '../db/types.ts'
import type { RequestStatus } from '../model/request-status.ts'
import type { CallManager } from './call.svelte.ts'
import { ContactView } from './contacts.svelte.ts'
import { getDb, live, type Live } from './live.svelte.ts'
import { RequestStatusClock } from './request-status.svelte.ts'

/** What the chat reads of the node: its status (paths, direct upgrades, capabilities). */
export interface ContactChatNode {
  readonly status: Pick<NodeStatus, 'paths' | 'direct' | 'capabilities'>
}

/** What the chat needs of the tab's calls. */
export type ContactCalls = Pick<CallManager, 'busy' | 'call' | 'place'>

/** Why a relayed chat is not direct: this browser, theirs, or every attempt failed. */
export type RelayedBecause = 'unsupportedHere' | 'unsupportedThere' | 'failed'

export class ContactChat {
  readonly #node: ContactChatNode
  readonly #calls: ContactCalls
  readonly #id: () => ContactId | undefined
  readonly #contact: ContactView
  readonly #transferRows: Live<TransferRow[]>
  readonly #request: RequestStatusClock
  readonly #transfers: ReadonlyMap<MessageId, TransferRow>

  constructor (node: ContactChatNode, calls: ContactCalls, contactId: () => ContactId | undefined, db: ParleyDb = getDb()) {
    this.#node = node
    this.#calls = calls
    this.#id = contactId
    this.#contact = new ContactView(contactId, db)
    this.#transferRows = live(async () => {
      const id = contactId()
      return id === undefined ? [] : transfersOfChat(db, id)
    }, [], contactId)
    this.#request = new RequestStatusClock(() => this.#contact.row)
    // a plain value handed out whole, never changed after
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.#transfers = $derived(new Map(this.#transferRows.current.map(t => [t.id, t])))
  }

  /** The contact's row; undefined while loading, or when there is no such contact. */
  get row (): ContactRow | undefined { return this.#contact.row }
  get loaded (): boolean { return this.#contact.loaded }
  get error (): unknown { return this.#contact.error }
  /** Their name as shown (nickname or username); '' while there is no row. */
  get name (): string { return this.#contact.name }

  /** How the node reaches them right now (from the node's status). */
  get path (): 'direct' | 'relayed' | 'offline' {
    const row = this.row
    return row === undefined ? 'offline' : this.#node.status.paths[row.peerId] ?? 'offline'
  }

  /** The direct upgrade's state for them, if any: its word and how often it was tried. */
  get outlook (): DirectOutlook | undefined {
    const row = this.row
    return row === undefined ? undefined : this.#node.status.direct[row.peerId]
  }

  /** Why the chat is relayed, when it cannot be direct. */
  get relayedBecause (): RelayedBecause | undefined {
    if (this.row === undefined || this.path !== 'relayed') return undefined
    const state = this.outlook?.state
    if (state === 'unsupportedHere' || state === 'unsupportedThere' || state === 'failed') return state
    return this.#node.status.capabilities.webrtc === false ? 'unsupportedHere' : undefined
  }

  /** Where our contact request stands, following the clock (undefined: we asked nothing). */
  get request (): RequestStatus | undefined { return this.#request.status }

  /** A file message's transfer. */
  transfer (id: MessageId): TransferRow | undefined { return this.#transfers.get(id) }

  /** A call is being placed or goes on (here or in another tab): no other now. */
  get inCall (): boolean {
    const call = this.#calls.call
    return this.#calls.busy || (call !== undefined && call.phase !== 'ended')
  }

  /** Whether this browser can make calls at all: not without WebRTC (decided by capability, not by browser). */
  get callsHere (): boolean {
    return this.#node.status.capabilities.webrtc !== false
  }

  /** Calls them (`video`: with the camera). */
  call (video: boolean): void {
    const id = this.#id()
    if (id !== undefined) void this.#calls.place(id, video)
  }
}
