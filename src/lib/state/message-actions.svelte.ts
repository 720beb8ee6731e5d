/**
 * The message actions of an open chat (issue 23 item 10): the menu on a
 * bubble and what its items lead to (model/message-rules.ts MENU_ITEMS): a
 * reply or an edit in the composer, the reaction picker, the delete and info
 * dialogs, a call to the node. It calls the worker's react / editMessage /
 * deleteMessage and the chat's send (with `replyTo`); failures
 * show in the chat's error line (ChatManager.act). The screen renders the
 * menu and dialogs this holds (ui/MessageActionsLayer.svelte); the bubbles
 * reach it through ui/message-actions-context.ts.
 *
 * ```ts
 * const actions = new MessageActionsManager(node, chat, { theirPeerId: () => contact.current?.peerId, reveal })
 * ```
 */
import type { MessageId, MessageRow } from '../db/types.ts'
import type { ChatManager } from './chat.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { canDeleteForEveryone, canEdit, isDialogAction, isOwnAction, menuActions, menuItem, myReaction, nextReaction, type DialogAction, type MessageAction, type OwnAction } from '../model/message-rules.ts'

/** What the actions need of the node: its calls, and our PeerID from its status. */
export type ActionsNode = Pick<NodeManager, 'call'> & { readonly status: { readonly account?: string | undefined } }

/** What the actions need of the open chat. */
export type ActionsChat = Pick<ChatManager, 'draft' | 'error' | 'send' | 'act'>

export interface ActionsOptions {
  /** the contact's PeerID (tells our reactions while the node's status has no PeerID yet) */
  theirPeerId: () => string | undefined
  /** shows a message of this chat (the screen scrolls to it, or opens the window around it) */
  reveal: (id: MessageId) => void
  now?: () => number
}

/** Where the menu opens: at a pointer (right click, long press), or under the button that opened it. */
export interface MenuPlace {
  x: number
  y: number
}

export interface OpenMenu {
  message: MessageRow
  at: MenuPlace
  actions: MessageAction[]
}

/** A dialog about one message. */
export interface OpenDialog {
  kind: DialogAction
  message: MessageRow
}

export class MessageActionsManager {
  readonly #node: ActionsNode
  readonly #chat: ActionsChat
  readonly #theirPeerId: () => string | undefined
  readonly #reveal: (id: MessageId) => void
  readonly #now: () => number

  #menu = $state.raw<OpenMenu | undefined>(undefined)
  #dialog = $state.raw<OpenDialog | undefined>(undefined)
  #replyingTo = $state.raw<MessageRow | undefined>(undefined)
  #editing = $state.raw<MessageRow | undefined>(undefined)
  /** the draft put aside while editing, given back after */
  #setAside = ''

  constructor (node: ActionsNode, chat: ActionsChat, options: ActionsOptions) {
    this.#node = node
    this.#chat = chat
    this.#theirPeerId = options.theirPeerId
    this.#reveal = options.reveal
    this.#now = options.now ?? Date.now
  }

  get menu (): OpenMenu | undefined { return this.#menu }
  get dialog (): OpenDialog | undefined { return this.#dialog }
  /** The message the composer answers (its quote bar shows it). */
  get replyingTo (): MessageRow | undefined { return this.#replyingTo }
  /** The message whose text the composer holds ("Editing message"). */
  get editing (): MessageRow | undefined { return this.#editing }

  /** Whether a reaction (its `from`) is ours: by our account's PeerID (also on a linked device), or in a 1:1 chat, by not being theirs. */
  readonly isMine = (from: string): boolean => {
    const me = this.#node.status.account
    if (me !== undefined) return from === me
    const them = this.#theirPeerId()
    return them !== undefined && from !== them
  }

  openMenu (message: MessageRow, at: MenuPlace): void {
    this.#menu = { message, at, actions: menuActions(message, this.#now()) }
  }

  closeMenu (): void {
    this.#menu = undefined
  }

  closeDialog (): void {
    this.#dialog = undefined
  }

  /** Whether "Delete for everyone" is offered for `message` now. */
  mayDeleteForEveryone (message: MessageRow): boolean {
    return canDeleteForEveryone(message, this.#now())
  }

  /** Runs a menu item on the menu's message and closes the menu. */
  async choose (action: MessageAction): Promise<void> {
    const message = this.#menu?.message
    this.#menu = undefined
    if (message === undefined) return
    if (isDialogAction(action)) this.#dialog = { kind: action, message }
    else if (isOwnAction(action)) await this.#own[action](message)
    else {
      const item = menuItem(action)
      if (item.does !== 'call') return
      const { method, params } = item.call(message)
      await this.#chat.act(method, async () => { await this.#node.call(method, params) })
    }
  }

  /** What the items this does itself do (MENU_ITEMS: into the composer, or at once). */
  readonly #own: Record<OwnAction, (message: MessageRow) => void | Promise<void>> = {
    reply: (message) => { this.reply(message) },
    edit: (message) => { this.startEdit(message) },
    copy: async (message) => { await this.copy(message) }
  }

  /** The composer answers `message` (an edit in progress is given up). */
  reply (message: MessageRow): void {
    if (this.#editing !== undefined) this.cancelEdit()
    this.#replyingTo = message
  }

  cancelReply (): void {
    this.#replyingTo = undefined
  }

  /** The composer holds `message`'s text for editing; the draft so far comes back afterwards. */
  startEdit (message: MessageRow): void {
    if (!canEdit(message, this.#now())) return
    if (this.#editing === undefined) this.#setAside = this.#chat.draft
    this.#replyingTo = undefined
    this.#editing = message
    this.#chat.draft = message.body
  }

  cancelEdit (): void {
    if (this.#editing === undefined) return
    this.#editing = undefined
    this.#chat.draft = this.#setAside
    this.#setAside = ''
  }

  /**
   * The composer's Send: saves the edit (nothing when the text is blank or
   * unchanged), or sends the draft as a reply, or as a plain message.
   */
  async submit (): Promise<void> {
    const editing = this.#editing
    if (editing !== undefined) {
      const text = this.#chat.draft.trim()
      if (text === '') return
      if (text === editing.body) {
        this.cancelEdit()
        return
      }
      await this.#chat.act('editMessage', async () => {
        await this.#node.call('editMessage', { messageId: editing.id, text })
        if (this.#editing === editing) this.cancelEdit()
      })
      return
    }
    const reply = this.#replyingTo
    if (this.#chat.draft.trim() === '') return
    this.#replyingTo = undefined
    await this.#chat.send(reply?.id)
    // it failed and the text came back: so does the quote
    if (this.#chat.error !== '' && this.#chat.draft !== '' && this.#replyingTo === undefined) this.#replyingTo = reply
  }

  /** Our reaction to `message` becomes `emoji`, or goes when it already is `emoji`. */
  async react (message: MessageRow, emoji: string): Promise<void> {
    const chosen = emoji.trim()
    if (chosen === '') return
    this.#dialog = undefined
    const next = nextReaction(myReaction(message.reactions, this.isMine), chosen)
    await this.#chat.act('react', async () => { await this.#node.call('react', { messageId: message.id, emoji: next }) })
  }

  /** Copies the text (or caption) of `message`. */
  async copy (message: MessageRow): Promise<void> {
    await this.#chat.act('copy', async () => { await navigator.clipboard.writeText(message.body) })
  }

  /** Deletes `message` here only, or for everyone. */
  async delete (message: MessageRow, forEveryone: boolean): Promise<void> {
    this.#dialog = undefined
    if (this.#editing?.id === message.id) this.cancelEdit()
    if (this.#replyingTo?.id === message.id) this.#replyingTo = undefined
    await this.#chat.act('deleteMessage', async () => { await this.#node.call('deleteMessage', { messageId: message.id, forEveryone }) })
  }

  /** Shows the message a quote answers. */
  jumpTo (id: MessageId): void {
    this.#reveal(id)
  }

  /** Forgets everything (another chat opens). */
  reset (): void {
    this.#menu = undefined
    this.#dialog = undefined
    this.#replyingTo = undefined
    this.#editing = undefined
    this.#setAside = ''
  }
}
