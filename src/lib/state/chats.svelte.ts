/**
 * The chats list (routes/Chats.svelte): every chat with a contact and every
 * group, read live, and what waits for the user above them: contact
 * requests (answered here) and group invitations. The chats and the groups
 * are one list by activity, searched by name (chat-list.ts).
 *
 * ```ts
 * const chats = new ChatsManager(getNodeManager())
 * chats.query = 'ann'   // the search field
 * chats.entries         // what the list shows
 * ```
 */
import type { ParleyDb } from '../db/db.ts'
import { groupSummaries, type GroupSummary } from '../db/group-reads.ts'
import { chatSummaries, type ChatSummary } from '../db/messages.ts'
import type { ContactId, ContactRow, GroupRow } from '../db/types.ts'
import { handleError } from '../i18n/handle-error.ts'
import { displayName } from '../model/names.ts'
import { chatListEntries, type ChatListEntry } from './chat-list.ts'
import { getDb, live, type Live } from './live.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** What the list needs of the node: answering a contact request. */
export type ChatsNode = Pick<NodeManager, 'call'>

export class ChatsManager {
  readonly #node: ChatsNode
  readonly #summaries: Live<ChatSummary[]>
  readonly #groups: Live<GroupSummary[]>
  #query = $state('')
  #answering = $state<ContactId | undefined>(undefined)
  #answerError = $state('')

  /** invitations to groups, waiting for the user's answer (newest first) */
  readonly #invitations: readonly GroupRow[]
  readonly #joined: readonly GroupSummary[]
  /** requests waiting for the user's answer */
  readonly #requests: readonly ChatSummary[]
  /** everyone else the user talks to (declined requests and deleted contacts are never shown) */
  readonly #chats: readonly ChatSummary[]
  readonly #entries: readonly ChatListEntry[]

  /** Call during a component's initialisation: the list follows the database while it lives. */
  constructor (node: ChatsNode, db: ParleyDb = getDb()) {
    this.#node = node
    this.#summaries = live(async () => chatSummaries(db), [])
    this.#groups = live(async () => groupSummaries(db), [])
    this.#invitations = $derived(this.#groups.current.filter(s => s.group.state === 'invited').map(s => s.group).sort((a, b) => b.createdAt - a.createdAt))
    this.#joined = $derived(this.#groups.current.filter(s => s.group.state !== 'invited'))
    this.#requests = $derived(this.#summaries.current.filter(s => s.contact.state === 'pending' && !s.contact.blocked))
    this.#chats = $derived(this.#summaries.current.filter(s => s.contact.state === 'accepted' || s.contact.state === 'requested'))
    this.#entries = $derived(chatListEntries(this.#chats, this.#joined, this.#query))
  }

  /** False until both the chats and the groups have been read. */
  get loaded (): boolean { return this.#summaries.loaded && this.#groups.loaded }
  /** Why the list could not be read, if it could not. */
  get error (): unknown { return this.#summaries.error ?? this.#groups.error }
  /** Contact requests waiting for an answer. */
  get requests (): readonly ChatSummary[] { return this.#requests }
  /** Group invitations waiting for an answer, newest first. */
  get invitations (): readonly GroupRow[] { return this.#invitations }
  /** The chats and groups the list shows, by activity, filtered by `query`. */
  get entries (): readonly ChatListEntry[] { return this.#entries }
  /** There is a chat or a group at all (the search field and the list show). */
  get anyChat (): boolean { return this.#chats.length > 0 || this.#joined.length > 0 }
  /** Someone can be invited to a new group: an accepted contact who is not blocked. */
  get canMakeGroup (): boolean { return this.#chats.some(s => s.contact.state === 'accepted' && !s.contact.blocked) }

  /** The search field's text. */
  get query (): string { return this.#query }
  set query (text: string) { this.#query = text }

  /** The request being answered, while its answer is on its way. */
  get answering (): ContactId | undefined { return this.#answering }
  /** Why the last answer failed, in words; '' for none. */
  get answerError (): string { return this.#answerError }

  /**
   * Someone else the user already talks to goes by this name: a request
   * under a known name from a different identity may be an impostor.
   */
  namesake (contact: ContactRow): ContactRow | undefined {
    const name = contact.username.toLocaleLowerCase()
    return this.#chats.find(s => s.contact.peerId !== contact.peerId &&
      (s.contact.username.toLocaleLowerCase() === name || displayName(s.contact).toLocaleLowerCase() === name))?.contact
  }

  /** Accepts or declines a contact request (one at a time). */
  async answer (contactId: ContactId, accept: boolean): Promise<void> {
    if (this.#answering !== undefined) return
    this.#answering = contactId
    this.#answerError = ''
    try {
      if (accept) await this.#node.call('acceptContact', { contactId })
      else await this.#node.call('declineContact', { contactId })
    } catch (err) {
      this.#answerError = handleError(err, accept ? 'acceptContact' : 'declineContact')
    } finally {
      this.#answering = undefined
    }
  }

  /** Forgets the search and the last answer's failure. */
  reset (): void {
    this.#query = ''
    this.#answering = undefined
    this.#answerError = ''
  }
}
