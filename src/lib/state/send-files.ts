/**
 * Offering files to a contact or a group: the one way the Chat and Group
 * screens (picked, pasted or dropped files) and the Share screen (what
 * another app shared) send them. Each file in turn: an image gets a
 * thumbnail made here in the tab (lib/files/media.ts), so the contact (each
 * member) sees a preview before the file itself arrives; the node then
 * hashes and offers the file (the contract's sendFile, sendGroupFile).
 */
import type { ContactId, MessageId } from '../db/types.ts'
import { makeThumbnail } from '../files/media.ts'
import type { NodeParams } from '../contract/index.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import type { ChatRef } from './chat-scope.ts'
import type { VoiceRecording } from './voice-recorder.svelte.ts'

/** What sending files needs of the node. */
export type FileSender = Pick<NodeManager, 'call'>

/** The thumbnail `sendFile` takes (null: no preview). */
type OutgoingThumb = NodeParams<'sendFile'>['thumb']

/** The thumbnail of `file` to send with it, or null when it is not an image a preview can be made of. */
async function thumbnailOf (file: File): Promise<OutgoingThumb> {
  const made = await makeThumbnail(file)
  return made === null ? null : { thumb: made.bytes, thumbMime: made.mime, width: made.width, height: made.height }
}

/** Where files go: a contact (by id), or a contact's or a group's chat. */
export type FilesTo = ContactId | ChatRef

/** The file's offer to its chat: sendFile's or sendGroupFile's call. */
async function offer (node: FileSender, to: FilesTo, params: Omit<NodeParams<'sendFile'>, 'contactId'>): Promise<MessageId> {
  if (typeof to === 'number') return (await node.call('sendFile', { contactId: to, ...params })).messageId
  if (to.kind === 'contact') return (await node.call('sendFile', { contactId: to.contactId, ...params })).messageId
  return (await node.call('sendGroupFile', { groupId: to.groupId, ...params })).messageId
}

/**
 * Offers `files` to the contact (the group) one after another, in order, the
 * first with `caption` ('' for none; the chat asks for it before files go,
 * ui/SendFilesDialog.svelte), so that it shows once. Stops at the
 * first file that fails and rejects with its error (the files before it are
 * sent, the ones after it are not); the caller says it in words.
 *
 * @returns the new messages' ids, in the order of `files`
 */
export async function sendFiles (node: FileSender, to: FilesTo, files: readonly File[], caption = ''): Promise<MessageId[]> {
  const sent: MessageId[] = []
  for (const [i, file] of files.entries()) {
    sent.push(await offer(node, to, { file, name: file.name, mime: file.type, caption: i === 0 ? caption.trim() : '', thumb: await thumbnailOf(file) }))
  }
  return sent
}

/** Offers a recorded voice message (voice-recorder.svelte.ts) as a file with its voice note. */
export async function sendVoice (node: FileSender, to: FilesTo, recording: VoiceRecording): Promise<MessageId> {
  const { file, name, mime, durationMs, waveform } = recording
  return offer(node, to, { file, name, mime, caption: '', thumb: null, voice: { durationMs, waveform } })
}
