/** Ports of the transfers feature (see identity.ts for what a port is), and the files they carry. */
import type { IncomingFileInput } from '../../../db/transfers-incoming.ts'
import type { ContactId, FileOffer, MessageId } from '../../../db/types.ts'

/** A file to offer, to a contact or to a group. */
export interface OutgoingFile {
  contactId: ContactId
  fromPeerId: string
  file: Blob
  name: string
  mime: string
  caption: string
  thumb?: Pick<FileOffer, 'thumb' | 'thumbMime' | 'width' | 'height'>
  /** a voice message's length and waveform (checked: transfers/voice.ts) */
  voice?: NonNullable<FileOffer['voice']>
  /** the chat's disappearing-messages timer in seconds, when it is on */
  ttl?: number
  /** a group's file (contactId 0): its place in the group's order; signed and sent to the members once prepared */
  group?: { groupId: string, lamport: number }
}

/** A received message that offers a file (its chat frame, checked by the codec). */
export type IncomingFile = Omit<IncomingFileInput, 'store'>

/** Files offered and pulled (transfers/transfers.ts). */
export interface TransfersPort {
  /** stores a new outgoing file and prepares it; its offer goes out once ready; resolves its message id */
  sendFile(input: OutgoingFile): Promise<MessageId>
  /** stores a received file offer with its transfer row, once per id */
  receive(input: IncomingFile): Promise<'stored' | 'duplicate'>
  /** deletes the bytes and the transfer rows of messages that are being deleted */
  forget(ids: MessageId[]): Promise<void>
}
