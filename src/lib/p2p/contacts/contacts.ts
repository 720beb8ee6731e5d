import {
  MAX_NOTES_CHARS, addFromInvite, deleteContact, displayName, getContact, getContactByPeerId, setBlocked, setContactState, setVerified, updateContactDetails
} from '../../db/contacts.ts'
import { ContactNotFoundError } from '../../db/errors.ts'
import { transfersOfChat } from '../../db/transfers.ts'
import { errorClass } from '../../contract/errors.ts'
import { parseInvite, validateName } from '../identity/index.ts'
import { tell } from '../kernel/events.ts'
import { compareSafetyQr, safetyNumber } from './safety-number.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, ContactRow } from '../../db/types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { GreeterPort } from '../kernel/ports/presence.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
import type { ContactBook } from './book.ts'
import type { SafetyQrComparison } from './safety-number.ts'
import type { InvitePreview } from '../../contract/types.ts'
import type { ContactsPort } from '../kernel/ports/contacts.ts'

/** The invite is our own (`ownInvite`), or names a contact the user blocked (`contactBlocked`). */
export const UnusableInviteError = errorClass('UnusableInviteError')
/** There is no waiting request to accept or decline (`noRequestToAccept`, `noRequestToDecline`). */
export const NoRequestError = errorClass('NoRequestError')
/** A nickname or notes break a rule (`notesTooLong`, `notesControl`). */
export const InvalidDetailsError = errorClass('InvalidDetailsError')

export interface ContactsComponents {
  db: ParleyDb
  identity: Pick<IdentityPort, 'require' | 'profile'>
  /** the account contacts know us by (on a linked device not this device's PeerID): our invites and the safety number name it */
  devices: Pick<DevicesPort, 'account'>
  contactBook: Pick<ContactBook, 'byId' | 'setBlocked'>
  greeter: Pick<GreeterPort, 'introduce' | 'greet'>
  /** a chat deleted with its history takes its files along */
  transfers: Pick<TransfersPort, 'forget'>
  /** told `contact:accepted`, `contact:blocked` and `contact:deleted` (its listeners hang up, forget, delete the sessions) */
  events: ParleyEventTarget
}

/**
 * The user's contacts (docs/protocols.md, "Contact requests"): adding one
 * from an invite asks them to accept us; a waiting request is accepted or
 * declined; nicknames and notes, blocking, deleting, safety numbers. The
 * hellos themselves go out through presence (the greeter); what blocking and
 * deleting mean to the features above is theirs to do, on the node's news.
 */
export class Contacts implements ContactsPort {
  readonly #components: ContactsComponents

  constructor (components: ContactsComponents) {
    this.#components = components
  }

  /**
   * Who an invite names and how they stand with us (the "Add <name>?" card);
   * refuses what {@link add} would refuse for the invite itself (a bad invite,
   * our own). Changes nothing. Works before the user chose a name too: the
   * welcome screen, opened from an invite link, names who invited them.
   */
  async preview (text: string): Promise<InvitePreview> {
    const invite = parseInvite(text)
    if (invite.peerId === this.#components.identity.profile?.peerId || invite.peerId === this.#components.devices.account) throw new UnusableInviteError('ownInvite')
    const existing = await getContactByPeerId(this.#components.db, invite.peerId)
    const preview: InvitePreview = { peerId: invite.peerId, addresses: invite.addresses.length }
    if (invite.name !== undefined) preview.name = invite.name
    if (invite.checked !== true) preview.unchecked = true
    if (existing !== undefined) {
      preview.contact = { contactId: existing.id, state: existing.state, blocked: existing.blocked, name: displayName(existing) }
    }
    return preview
  }

  /**
   * Adds the contact an invite names (its text, checked in identity/invite.ts)
   * and asks them to accept us. Adding someone whose request is waiting
   * accepts it. The request goes out now if they can be reached, else on the
   * next connection to them.
   */
  async add (text: string): Promise<ContactId> {
    const invite = parseInvite(text)
    const profile = this.#components.identity.require()
    if (invite.peerId === profile.peerId || invite.peerId === this.#components.devices.account) throw new UnusableInviteError('ownInvite')
    const { id, blocked } = await addFromInvite(this.#components.db, invite)
    if (blocked) throw new UnusableInviteError('contactBlocked')
    // adding someone whose request was waiting accepts it
    if ((await getContact(this.#components.db, id))?.state === 'accepted') this.#accepted(invite.peerId)
    this.#own(id, invite.peerId, 'added')
    await this.#components.greeter.introduce(id, invite.peerId, invite.addresses)
    return id
  }

  /** Accepts a waiting contact request: they become a contact and are told so. */
  async accept (contactId: ContactId): Promise<void> {
    const contact = await this.#existing(contactId)
    if (contact.state === 'accepted') return
    if (contact.state !== 'pending') throw new NoRequestError('noRequestToAccept')
    await setContactState(this.#components.db, contactId, 'accepted', true)
    this.#accepted(contact.peerId)
    this.#components.greeter.greet([contactId])
  }

  /** Declines a waiting contact request. They are not told; they may ask again a few times. */
  async decline (contactId: ContactId): Promise<void> {
    const contact = await this.#existing(contactId)
    if (contact.state !== 'pending') throw new NoRequestError('noRequestToDecline')
    await setContactState(this.#components.db, contactId, 'declined', false)
  }

  /** Saves the user's nickname (null removes it) and notes for a contact. */
  async update (contactId: ContactId, nickname: string | null, notes: string): Promise<void> {
    const name = nickname === null ? null : validateName(nickname)
    if (notes.length > MAX_NOTES_CHARS) throw new InvalidDetailsError('notesTooLong', { max: MAX_NOTES_CHARS })
    if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(notes)) throw new InvalidDetailsError('notesControl')
    const before = await this.#existing(contactId, true)
    if (!await updateContactDetails(this.#components.db, contactId, { nickname: name, notes })) {
      throw new ContactNotFoundError('unknownContact')
    }
    if ((before.nickname ?? null) !== name) this.#own(contactId, before.peerId, 'renamed')
  }

  /**
   * Blocks or unblocks a contact. A blocked peer is refused at the
   * connection gater (so nothing of theirs arrives or is stored) and its open
   * connections are closed; unblocking greets it again so queued messages
   * flow both ways (presence, on `contact:blocked`).
   */
  async setBlocked (contactId: ContactId, blocked: boolean): Promise<void> {
    const contact = await this.#existing(contactId, true)
    await setBlocked(this.#components.db, contactId, blocked)
    this.#components.contactBook.setBlocked(contact.peerId, blocked)
    await tell(this.#components.events, 'contact:blocked', { contactId, peerId: contact.peerId, blocked })
  }

  /**
   * Deletes a contact, with or without the chat history (db/contacts.ts
   * deleteContact). On `contact:deleted` its connections close and its
   * secure sessions and the boxes kept for it are deleted; kept history
   * comes back if they are added again (with new sessions).
   */
  async delete (contactId: ContactId, withHistory: boolean): Promise<void> {
    const db = this.#components.db
    const contact = await this.#existing(contactId, true)
    if (withHistory) await this.#components.transfers.forget((await transfersOfChat(db, contactId)).map(t => t.id))
    await deleteContact(db, contactId, withHistory)
    await tell(this.#components.events, 'contact:deleted', { contactId, peerId: contact.peerId, blocked: contact.blocked })
    this.#own(contactId, contact.peerId, 'deleted', withHistory)
  }

  /** Our side of a safety number: the account's PeerID (this device's own before the node started, when they are one anyway on the holder). */
  #account (): string {
    return this.#components.devices.account ?? this.#components.identity.require().peerId
  }

  /** The safety number of us and a contact (digit groups and the QR payload to scan mutually). */
  async safetyNumber (contactId: ContactId): Promise<{ groups: string[], qr: string }> {
    const contact = await this.#existing(contactId, true)
    const { groups, qr } = await safetyNumber(this.#account(), contact.peerId)
    return { groups, qr }
  }

  /** Compares a scanned safety code with ours for this contact; a match marks the contact verified. */
  async checkSafetyCode (contactId: ContactId, code: string): Promise<SafetyQrComparison> {
    const contact = await this.#existing(contactId, true)
    const result = compareSafetyQr(code, await safetyNumber(this.#account(), contact.peerId))
    if (result === 'match') await setVerified(this.#components.db, contactId, true)
    return result
  }

  /** Marks a contact verified (the user compared the safety numbers) or not. */
  async setVerified (contactId: ContactId, verified: boolean): Promise<void> {
    const contact = await this.#existing(contactId, true)
    if (!await setVerified(this.#components.db, contactId, verified)) throw new ContactNotFoundError('unknownContact')
    this.#own(contactId, contact.peerId, 'verified')
  }

  /** Tells our other devices' sync (sync/) what the person changed of a contact here. */
  #own (contactId: ContactId, peerId: string, change: 'added' | 'renamed' | 'deleted' | 'verified', withHistory?: boolean): void {
    this.#components.events.safeDispatchEvent('own:change', { detail: { kind: 'contact', contactId, peerId, change, ...(withHistory === undefined ? {} : { withHistory }) } })
  }

  /** They are our contact now: tell the node's features (the upgrader goes direct). */
  #accepted (peerId: string): void {
    this.#components.events.safeDispatchEvent('contact:accepted', { detail: { peerId } })
  }

  /** The contact's row (the cached one, or with `fresh` the database's); throws ContactNotFoundError('unknownContact'). */
  async #existing (contactId: ContactId, fresh = false): Promise<ContactRow> {
    const contact = fresh ? await getContact(this.#components.db, contactId) : await this.#components.contactBook.byId(contactId)
    if (contact == null) throw new ContactNotFoundError('unknownContact')
    return contact
  }
}
