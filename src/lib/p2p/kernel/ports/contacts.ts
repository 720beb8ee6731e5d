/** Ports of the contacts feature (see identity.ts for what a port is). */
import type { ContactId, ContactRow } from '../../../db/types.ts'
import type { ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { PeerId } from '@libp2p/interface'

/** The contacts as the message paths read them (contacts/book.ts): rows cached until the table changes, and who is blocked. */
export interface ContactBookPort {
  /** the contact with this id */
  byId(id: ContactId): Promise<ContactRow | undefined>
  /** the contact this peer is: its own PeerID, or a device its held device list names (the account's chat) */
  byPeerId(peerId: string): Promise<ContactRow | undefined>
  /** the connection gater's question: is this peer a blocked contact? Synchronous. */
  isBlocked(peerId: PeerId): boolean
  /** an accepted, unblocked contact (who may run a speed test, whose relayed connection is upgraded) */
  isAccepted(peerId: PeerId): Promise<boolean>
}

/** Adding a contact as its invite would (contacts/contacts.ts). */
export interface ContactsPort {
  /** adds the contact an invite names and asks them to accept us; resolves its id */
  add(invite: string): Promise<ContactId>
}

/** Contact requests and accepts both ways (contacts/hellos.ts). */
export interface ContactHellosPort {
  /** a request or accept from a peer, live or from a mailbox; resolves the reply's status */
  receive(from: PeerId, frame: ContactHelloFrame): Promise<ContactReplyFrame['status']>
  /** their answer to our hello, live or from a mailbox (`sessions`: their app speaks sessions, kept on the contact) */
  settle(contact: ContactRow, reply: Pick<ContactReplyFrame, 'status' | 'sessions'>): Promise<void>
  /** sends the request or accept we owe the contact, if any; never throws */
  sendOwed(contactId: ContactId): Promise<void>
  /** the contact cannot be reached now: what we owe it goes to its mailbox; never throws */
  storeOwed(contactId: ContactId): Promise<void>
}
