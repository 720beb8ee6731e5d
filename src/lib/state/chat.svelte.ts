/**
 * One open chat, as the Chat and Group screens show it: the window of
 * stored messages (chat-window.svelte.ts) and, in a contact's chat, at its
 * newest end, the messages the node announced on arrival until their
 * stored rows reach the window (announced.ts); the draft; sending text and
 * files (to a contact, or to every member of a group); the file actions.
 * The screen renders what this holds and keeps the DOM's part: scrolling,
 * paging as a sentinel comes into view, the image viewer, downloads.
 *
 * ```ts
 * const chat = new ChatManager(getNodeManager())
 * $effect(() => { chat.open(contactId, messageId) })   // or chat.open({ kind: 'group', groupId })
 * $effect(() => () => { chat.reset() })
 * ```
 */
import { untrack } from 'svelte'
import type { ParleyDb } from '../db/db.ts'
import type { ContactId, MessageId, MessageRow } from '../db/types.ts'
import { applyAnnounced, mergeMessages, pruneAnnounced } from './announced.ts'
import { ChatWindow } from './chat-window.svelte.ts'
import { sameChat, type ChatRef } from './chat-scope.ts'
import { handleError } from '../i18n/handle-error.ts'
import { getDb } from './live.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { sendFiles, sendVoice } from './send-files.ts'
import type { VoiceRecording } from './voice-recorder.svelte.ts'
import { readSeenMarks, type SeenMark } from '../pwa/unread.ts'

/** What a chat needs of the node. */
export type ChatNode = Pick<NodeManager, 'onMessage' | 'call'>

/** Where the user last saw a chat (lib/pwa/unread.ts); undefined: never in this browser. */
export type SeenMarkOf = (contactId: ContactId) => SeenMark | undefined

/** The marks as this browser keeps them, read when a chat opens (before it is marked seen). */
const storedSeenMark: SeenMarkOf = (contactId) => readSeenMarks().get(contactId)

const NO_MESSAGES: readonly MessageRow[] = []

export class ChatManager {
  readonly #node: ChatNode
  readonly #db: ParleyDb
  readonly #seenMark: SeenMarkOf
  /** The chat open now; not a rune: nothing renders from it (the screen has its own). */
  #chat: ChatRef | undefined
  #window = $state.raw<ChatWindow | undefined>(undefined)
  /** Announced messages of this chat not seen stored yet (at most MAX_ANNOUNCED). */
  #announced = $state.raw<readonly MessageRow[]>(NO_MESSAGES)
  #draft = $state('')
  /** the draft is empty because it was just sent */
  #draftSent = $state(false)
  #error = $state('')
  /** Not a rune: the screen reads it while scrolling, and no render depends on it. */
  #stickToBottom = true
  #offMessage: (() => void) | undefined

  readonly #stored: readonly MessageRow[] = $derived(this.#window?.rows ?? NO_MESSAGES)
  /** Announced ids whose stored rows reached the window (not a rune): never shown from the announcement again. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #landed = new Set<MessageId>()
  /** The announcements whose stored rows have not reached the window yet. */
  readonly #pending: readonly MessageRow[] = $derived(pruneAnnounced(this.#announced, this.#stored, this.#landed))
  // announced messages belong after the newest stored one: shown only while the window reaches it
  readonly #shown: readonly MessageRow[] = $derived.by(() => {
    const win = this.#window
    return win?.atNewest === true ? mergeMessages(this.#stored, this.#pending, win.atOldest ? Infinity : 0) : this.#stored
  })

  /** `db`: the tab's read handle unless given (tests). */
  constructor (node: ChatNode, db: ParleyDb = getDb(), seenMark: SeenMarkOf = storedSeenMark) {
    this.#node = node
    this.#db = db
    this.#seenMark = seenMark
  }

  /** The window over the chat's stored messages; undefined until `open`. */
  get window (): ChatWindow | undefined {
    return this.#window
  }

  /**
   * What the chat shows, in display order: the window's stored messages and,
   * while the window reaches the newest message, the announced ones not
   * stored yet (a stored row always replaces its announcement).
   */
  get shown (): readonly MessageRow[] {
    return this.#shown
  }

  /** The message the chat opened at as the first unread one (the screen marks it "New messages"). */
  get firstUnread (): MessageId | undefined {
    return this.#window?.firstUnread
  }

  /** The text being written. */
  get draft (): string {
    return this.#draft
  }

  set draft (text: string) {
    this.#draft = text
    this.#draftSent = false
  }

  /** Whether the draft is empty because it was just sent (the message itself tells the contact that our typing stopped). */
  get draftSent (): boolean {
    return this.#draftSent
  }

  /** The last failure (sending, a file action) in words, or why some files were left out; '' for none. */
  get error (): string {
    return this.#error
  }

  /**
   * Whether the view follows new messages (stays scrolled to the bottom).
   * Opening on the newest page, jumping to it and sending set it; the screen
   * sets it as the reader scrolls.
   */
  get stickToBottom (): boolean {
    return this.#stickToBottom
  }

  set stickToBottom (stick: boolean) {
    this.#stickToBottom = stick
  }

  /**
   * Shows the chat with `contactId` (or the group `chat` names): from its
   * first unread message (the window's `firstUnread`), else on its newest
   * page; or around message `messageId` (a search result, a quote's
   * original; the newest page when it is not in this chat). Another chat
   * than before starts afresh (no announcements, draft or error carried
   * over); the same chat keeps them. Safe to call from an `$effect`:
   * nothing read here becomes a dependency. Call it as the chat comes on
   * screen: the seen mark is read now, before the notifications module
   * moves it to the newest message.
   */
  open (chat: ContactId | ChatRef, messageId?: MessageId): void {
    const ref: ChatRef = typeof chat === 'number' ? { kind: 'contact', contactId: chat } : chat
    untrack(() => {
      if (!sameChat(ref, this.#chat)) this.#switchTo(ref)
      this.#window?.close()
      const win = new ChatWindow(this.#db, ref)
      this.#window = win
      this.#stickToBottom = messageId === undefined
      if (messageId === undefined) {
        // opened at the first unread message: the reader starts there, not at the bottom
        void win.openAtUnread(ref.kind === 'contact' ? this.#seenMark(ref.contactId) : undefined).then((first) => {
          if (first !== undefined && this.#window === win) this.#stickToBottom = false
        })
        return
      }
      void win.openAt(messageId).then((found) => {
        if (!found && this.#window === win) this.#stickToBottom = true
      })
    })
  }

  /** Opens the chat open now again, around message `id` (a quote's original not in the window). */
  reopenAt (id: MessageId): void {
    if (this.#chat !== undefined) this.open(this.#chat, id)
  }

  #switchTo (chat: ChatRef): void {
    this.#chat = chat
    this.#announced = NO_MESSAGES
    this.#landed.clear()
    this.#draft = ''
    this.#draftSent = false
    this.#error = ''
    // Messages the node announced on arrival show at once, before their DB
    // write commits and liveQuery brings the stored rows (which replace them).
    // The node announces a contact's messages only; a group's come stored.
    this.#offMessage ??= this.#node.onMessage((event) => {
      const id = this.#chat?.kind === 'contact' ? this.#chat.contactId : undefined
      if (id === undefined) return
      this.#announced = applyAnnounced(this.#pending, event, id)
      for (const landed of this.#landed) if (!this.#announced.some(m => m.id === landed)) this.#landed.delete(landed)
    })
  }

  /** Moves the window back to the newest page and follows it ('Jump to latest'). */
  showLatest (): void {
    this.#stickToBottom = true
    void this.#window?.openLatest()
  }

  /** Before sending: the newest page, followed, so the message just sent is in view. */
  #toLatest (): void {
    if (this.#window !== undefined && !this.#window.atNewest) this.showLatest()
    this.#stickToBottom = true
  }

  /**
   * Sends the draft (nothing when it is blank). The draft is cleared at once,
   * so the next message can be typed and sent while this one is queued; if
   * sending fails the text comes back, unless a new message was started.
   * `replyTo`: the message it answers (the chat shows a quote of it).
   */
  async send (replyTo?: MessageId): Promise<void> {
    const chat = this.#chat
    const body = this.#draft
    if (chat === undefined || body.trim() === '') return
    this.#draft = ''
    this.#draftSent = true
    this.#error = ''
    this.#toLatest()
    const reply = replyTo === undefined ? {} : { replyTo }
    try {
      if (chat.kind === 'contact') await this.#node.call('sendMessage', { contactId: chat.contactId, text: body.trim(), ...reply })
      else await this.#node.call('sendGroupMessage', { groupId: chat.groupId, text: body.trim(), ...reply })
    } catch (err) {
      this.#error = handleError(err, chat.kind === 'contact' ? 'sendMessage' : 'sendGroupMessage')
      if (this.#draft === '') this.draft = body
    }
  }

  /**
   * Offers `files` (send-files.ts), the first with `caption`; `notice` says
   * which were left out (too many, folders), until a failure replaces it
   * with its own words.
   */
  async sendFiles (files: readonly File[], notice = '', caption = ''): Promise<void> {
    const chat = this.#chat
    if (chat === undefined) return
    this.#error = notice
    this.#toLatest()
    try {
      await sendFiles(this.#node, chat, files, caption)
    } catch (err) {
      this.#error = handleError(err, 'sendFile')
    }
  }

  /** Sends a recorded voice message (send-files.ts sendVoice). */
  async sendVoice (recording: VoiceRecording): Promise<void> {
    const chat = this.#chat
    if (chat === undefined) return
    this.#error = ''
    this.#toLatest()
    try {
      await sendVoice(this.#node, chat, recording)
    } catch (err) {
      this.#error = handleError(err, 'sendFile')
    }
  }

  /** Runs a file action (`what` names it in the log); a failure shows in words. */
  async act (what: string, action: () => Promise<void>): Promise<void> {
    this.#error = ''
    try {
      await action()
    } catch (err) {
      this.#error = handleError(err, what)
    }
  }

  /** Cancels a file transfer, either way (the contact is told). */
  async cancelTransfer (id: MessageId): Promise<void> {
    await this.act('cancelTransfer', async () => { await this.#node.call('cancelTransfer', { id }) })
  }

  /** Tries a failed file transfer again. */
  async retryTransfer (id: MessageId): Promise<void> {
    await this.act('retryTransfer', async () => { await this.#node.call('retryTransfer', { id }) })
  }

  /** Closes the window, stops listening for announcements and forgets the chat; `open` starts again. */
  reset (): void {
    this.#offMessage?.()
    this.#offMessage = undefined
    this.#window?.close()
    this.#window = undefined
    this.#chat = undefined
    this.#announced = NO_MESSAGES
    this.#landed.clear()
    this.#draft = ''
    this.#draftSent = false
    this.#error = ''
    this.#stickToBottom = true
  }
}
