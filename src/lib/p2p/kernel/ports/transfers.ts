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

/**
 * A file served to one peer outside the transfers table, over
 * `/parley/file/1.1.0` under its key (a link's state file: link/).
 */
export interface HostedFile {
  /** the transfer id OPEN names (a ULID) */
  id: string
  /** the one peer that may open it */
  peer: string
  /** its 32-byte file key: OPEN names it by the key's tag, chunks and hashes are sealed with it */
  key: Uint8Array
  size: number
  chunkSize: number
  /** the chunk hash list: ceil(size / chunkSize) × 32 bytes */
  hashes: Uint8Array
  /** chunk `index`'s bytes */
  chunk(index: number): Promise<Uint8Array>
  /** a chunk was served (progress) */
  onServed?(index: number, bytes: number): void
  /** the peer said DONE: it holds the file, checked */
  onDone(): void
}

/** Files offered and pulled (transfers/transfers.ts). */
export interface TransfersPort {
  /** stores a new outgoing file and prepares it; its offer goes out once ready; resolves its message id */
  sendFile(input: OutgoingFile): Promise<MessageId>
  /** stores a received file offer with its transfer row, once per id */
  receive(input: IncomingFile): Promise<'stored' | 'duplicate'>
  /** deletes the bytes and the transfer rows of messages that are being deleted */
  forget(ids: MessageId[]): Promise<void>
  /** serves `file` to its peer until the returned function is called; throws FileTransferError('busy') past transfers/hosted.ts MAX_HOSTED */
  host(file: HostedFile): () => void
}
