/**
 * The user's message actions (docs/protocols.md, "Message actions"): each is
 * an event row stored with its effect on our own copy in one transaction
 * (db/events.ts storeEvent), then sent like a message by the outbox (direct,
 * or sealed into the contact's mailbox), so it survives reloads and offline
 * contacts. Delete for me is local only: the message goes, and a 'hide'
 * event keeps a late copy of it from being stored again.
 */
import { isReactionEmoji } from '@parley/protocol/chat/codec'
import { MAX_READ_TARGETS } from '@parley/protocol/chat/constants'
import { CHAT_TIMERS } from '../../contract/methods/actions.ts'
import { errorClass } from '../../contract/errors.ts'
import { ContactNotFoundError } from '../../db/errors.ts'
import { isLocalEntry } from '../../db/local-entries.ts'
import { EVENT_KINDS } from '../../db/event-kinds.ts'
import { refusal, storeEvent } from '../../db/events.ts'
import { newMessageId } from '../../db/messages.ts'
import { messagingSettings } from '../../db/settings.ts'
import { mayExchange } from '../contacts/index.ts'
import { authorOf } from '../kernel/author.ts'
import { MessageNotFoundError } from '../kernel/errors.ts'
import { checkText } from '../messaging/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, EventFields, EventKind, EventRow, MessageId, MessageRow } from '../../db/types.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { GroupsPort } from '../kernel/ports/groups.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { OutboxPort } from '../kernel/ports/messaging.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
/** An action the message does not allow: `editNotYours`, `editNotText`, `editTooLate`, `deleteTooLate`. */
export const ActionNotAllowedError = errorClass('ActionNotAllowedError')
/** `reactionNotEmoji`, `chatTimerInvalid`. */
export const InvalidActionError = errorClass('InvalidActionError')

export interface MessageActionsComponents {
  db: ParleyDb
  identity: Pick<IdentityPort, 'require'>
  /** our events name the account (kernel/author.ts) */
  devices: Pick<DevicesPort, 'account'>
  contactBook: Pick<ContactBookPort, 'byId'>
  outbox: OutboxPort
  transfers: Pick<TransfersPort, 'forget'>
  /** actions on group messages go to the group's members */
  groups: Pick<GroupsPort, 'sendEvent'>
  /** told `own:change` for reads and for reactions, edits and deletes in 1:1 chats (our other devices learn them, sync/) */
  events?: Pick<ParleyEventTarget, 'safeDispatchEvent'>
}

const HOURS = 3600_000

export class MessageActions {
  readonly #components: MessageActionsComponents

  constructor (components: MessageActionsComponents) {
    this.#components = components
  }

  /**
   * Our event of `kind` about a message (not deleted for everyone): stored
   * with its effect here if its kind allows it (db/event-kinds.ts), then
   * sent to the contact, or to the group's members. The methods below check
   * what their kind needs first; a kind with nothing of its own to check
   * needs only a handler that calls this.
   */
  async apply (messageId: MessageId, kind: EventKind, fields: EventFields): Promise<void> {
    const row = await this.#message(messageId)
    await this.#act(row, kind, fields)
  }

  /** Our reaction to a message ('' takes it back); it replaces the one we gave before. */
  async react (messageId: MessageId, emoji: string): Promise<void> {
    if (emoji !== '' && !isReactionEmoji(emoji)) throw new InvalidActionError('reactionNotEmoji')
    await this.apply(messageId, 'reaction', { emoji })
  }

  /** New text for a text message of ours; one still queued (never sent) simply changes in the outbox. */
  async edit (messageId: MessageId, text: string): Promise<void> {
    checkText(text)
    const row = await this.#message(messageId)
    if (row.direction === 'out' && row.state === 'queued' && row.kind === 'text') {
      // nobody has seen it: the outbox sends the new text as the message itself
      await this.#components.db.messages.update(row.id, { body: text })
      return
    }
    await this.#act(row, 'edit', { text })
  }

  /** Deletes a message here only, or for everyone (ours, within the window). */
  async delete (messageId: MessageId, forEveryone: boolean): Promise<void> {
    const row = await this.#message(messageId, true)
    if (forEveryone) {
      await this.#act(row, 'delete', {})
      return
    }
    await this.#act(row, 'hide', {}, false)
  }

  /** These received messages were on screen: marked read, and the contact told in receipts of at most MAX_READ_TARGETS when read receipts are on. */
  async markRead (contactId: ContactId, ids: readonly MessageId[]): Promise<void> {
    const { db, outbox } = this.#components
    const rows = (await db.messages.bulkGet([...new Set(ids)]))
      .filter((r): r is MessageRow => r !== undefined && r.contactId === contactId && r.direction === 'in' && r.state === 'delivered')
    if (rows.length === 0) return
    const now = Date.now()
    await db.transaction('rw', db.messages, async () => {
      for (const row of rows) await db.messages.update(row.id, { state: 'read', readAt: now })
    })
    this.#components.events?.safeDispatchEvent('own:change', { detail: { kind: 'read', contactId, ids: rows.map(r => r.id) } })
    if (!(await messagingSettings(db)).readReceipts) return
    const contact = await this.#components.contactBook.byId(contactId)
    if (!mayExchange(contact)) return
    const from = this.#author()
    // a call or notice in the chat is this device's own record: the contact has no message by its id
    const theirs = rows.filter(r => !isLocalEntry(r))
    for (let i = 0; i < theirs.length; i += MAX_READ_TARGETS) {
      const targets = theirs.slice(i, i + MAX_READ_TARGETS).map(r => r.id)
      await storeEvent(db, this.#event(contactId, from, 'read', targets, now, {}))
    }
    if (theirs.length > 0) outbox.kick(contactId)
  }

  /** The chat's disappearing-messages timer, for both sides. */
  async setTimer (contactId: ContactId, ttl: number): Promise<void> {
    if (!(CHAT_TIMERS as readonly number[]).includes(ttl)) throw new InvalidActionError('chatTimerInvalid', { seconds: ttl })
    const contact = await this.#components.contactBook.byId(contactId)
    if (contact == null) throw new ContactNotFoundError('unknownContact')
    await storeEvent(this.#components.db, this.#event(contactId, this.#author(), 'timer', [], Date.now(), { ttl }))
    this.#components.outbox.kick(contactId)
  }

  async #message (messageId: MessageId, deletedOk = false): Promise<MessageRow> {
    const row = await this.#components.db.messages.get(messageId)
    if (row === undefined) throw new MessageNotFoundError('messageNotFound')
    if (row.deleted !== undefined && !deletedOk) throw new MessageNotFoundError('messageWasDeleted')
    return row
  }

  /** Stores our event about `row` with its effect here, and sends it unless it is local ('hide'). */
  async #act (row: MessageRow, kind: EventKind, fields: EventFields, send = true): Promise<void> {
    const { db, transfers, outbox } = this.#components
    const now = Date.now()
    const event = this.#event(row.contactId, this.#author(), kind, [row.id], now, fields)
    if (!send) event.state = 'delivered'
    if (row.groupId !== undefined) event.groupId = row.groupId
    const why = refusal(row, event)
    if (why === 'not-yours') throw new ActionNotAllowedError('editNotYours')
    if (why === 'not-text') throw new ActionNotAllowedError('editNotText')
    if (why === 'deleted') throw new MessageNotFoundError('messageWasDeleted')
    if (why === 'local') throw new ActionNotAllowedError(row.kind === 'call' ? 'actionOnCall' : 'actionOnNotice')
    const effect = EVENT_KINDS[kind].effect
    if (why === 'too-late' && effect.about === 'messages' && effect.window !== undefined) {
      throw new ActionNotAllowedError(effect.window.tooLate, { hours: effect.window.ms / HOURS })
    }
    const result = await storeEvent(db, event)
    if (result.filesGone.length > 0) await transfers.forget(result.filesGone)
    if (send && row.groupId === undefined && (kind === 'reaction' || kind === 'edit' || kind === 'delete')) this.#components.events?.safeDispatchEvent('own:change', { detail: { kind: 'action', event } })
    if (send && row.groupId !== undefined) await this.#components.groups.sendEvent(event)
    else if (send) outbox.kick(row.contactId)
  }

  #author (): string {
    return authorOf(this.#components.identity, this.#components.devices)
  }

  #event (contactId: ContactId, from: string, kind: EventKind, targets: MessageId[], now: number, fields: EventFields): EventRow {
    return { id: newMessageId(now), contactId, direction: 'out', fromPeerId: from, kind, targets, sentAt: now, state: 'queued', ...fields }
  }
}
