/**
 * A chat's file messages' actions, for the chat screens: cancel and retry
 * through the node, saving a file through the browser's normal download,
 * and making a viewable image out of one (anything that is not a plain
 * raster image is saved instead). The cards (ui/ChatMessage.svelte) and the
 * log's image viewer take what this gives.
 */
import type { MessageId } from '../db/types.ts'
import { inlineImageType } from '../files/media.ts'
import type { ChatManager } from './chat.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** What the image viewer shows: message `id`'s image as an object URL the caller revokes, and its alternative text. */
export interface Viewed {
  id: MessageId
  src: string
  alt: string
}

/** Hands `blob` to the browser's normal download as `name`. */
export function saveFile (blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  // the download has taken its own reference by the time a minute has passed
  setTimeout(() => { URL.revokeObjectURL(url) }, 60_000)
}

/**
 * The image to show full size for a file `blob` (named `name`, offered as
 * `mime`), or undefined after saving it when it is not a plain raster image
 * (the bytes decide, not the offer's word).
 */
export async function viewOrSave (blob: Blob, name: string, mime: string): Promise<Omit<Viewed, 'id'> | undefined> {
  const head = new Uint8Array(await blob.slice(0, 16).arrayBuffer())
  const type = inlineImageType(mime, head)
  if (type === null) {
    saveFile(blob, name)
    return undefined
  }
  return { src: URL.createObjectURL(blob.slice(0, blob.size, type)), alt: name }
}

/** What a chat's file messages can do (ui/ChatMessage.svelte's cards call these). */
export interface ChatFileActions {
  cancel: (id: MessageId) => void
  retry: (id: MessageId) => void
  /** the browser's download */
  save: (id: MessageId, name: string) => void
  /** an image full size (the viewer), anything else saved */
  open: (id: MessageId, name: string, mime: string) => void
  /** the file's bytes, disk-backed (a voice message's player) */
  load: (id: MessageId) => Promise<Blob>
}

/** The file actions of an open chat: the node gives the file, the chat words failures, `view` shows an image. */
export function chatFileActions (
  node: Pick<NodeManager, 'call'>,
  chat: Pick<ChatManager, 'act' | 'cancelTransfer' | 'retryTransfer'>,
  view: (viewed: Viewed) => void
): ChatFileActions {
  const load = async (id: MessageId): Promise<Blob> => (await node.call('getFile', { id })).file
  return {
    cancel: (id) => { void chat.cancelTransfer(id) },
    retry: (id) => { void chat.retryTransfer(id) },
    save: (id, name) => { void chat.act('getFile', async () => { saveFile(await load(id), name) }) },
    open: (id, name, mime) => {
      void chat.act('getFile', async () => {
        const viewed = await viewOrSave(await load(id), name, mime)
        if (viewed !== undefined) view({ id, ...viewed })
      })
    },
    load
  }
}
