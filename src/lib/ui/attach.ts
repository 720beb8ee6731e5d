/**
 * Files the user hands to a chat by dragging them in or pasting them. Pure
 * functions of the event's DataTransfer; they must run synchronously inside
 * the event handler, because the browser empties the DataTransfer after it.
 */

import { t } from '../i18n/index.ts'
import { MAX_ATTACH_FILES } from './attach-limits.ts'

export { MAX_ATTACH_FILES }

/** What a drop or paste gave. */
export interface AttachedFiles {
  /** at most MAX_ATTACH_FILES files, in the order the browser listed them */
  files: File[]
  /** files beyond MAX_ATTACH_FILES, left out */
  extra: number
  /** folders, left out (detected where the browser tells: `webkitGetAsEntry`) */
  folders: number
}

function isFolder (item: DataTransferItem): boolean {
  // absent in some browsers and for clipboard items, where it may also return null
  const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null
  return entry?.isDirectory === true
}

function collect (dt: DataTransfer | null | undefined): AttachedFiles {
  const result: AttachedFiles = { files: [], extra: 0, folders: 0 }
  if (dt === null || dt === undefined) return result
  const add = (file: File): void => {
    if (result.files.length < MAX_ATTACH_FILES) result.files.push(file)
    else result.extra++
  }

  // Items tell files from folders; a drop also lists its text (kind 'string') here.
  let fileItems = 0
  const items = dt.items as DataTransferItemList | undefined
  for (let i = 0; items !== undefined && i < items.length; i++) {
    const item = items[i]
    if (item?.kind !== 'file') continue
    fileItems++
    if (isFolder(item)) {
      result.folders++
      continue
    }
    const file = item.getAsFile()
    if (file !== null) add(file)
  }
  if (fileItems > 0) return result

  // Browsers (and pastes from some apps) that only fill `files`: folders cannot be told apart here.
  const files = dt.files as FileList | undefined
  for (let i = 0; files !== undefined && i < files.length; i++) {
    const file = files[i]
    if (file !== undefined) add(file)
  }
  return result
}

/** What a drop gave, with what was left out; text or links dropped give no files. */
export function attachedFromDataTransfer (dt: DataTransfer | null): AttachedFiles {
  return collect(dt)
}

/** What a paste gave, with what was left out; a text paste gives no files (let the browser insert it). */
export function attachedFromClipboard (event: ClipboardEvent): AttachedFiles {
  return collect(event.clipboardData)
}

/** The files of a drop, at most MAX_ATTACH_FILES (`attachedFromDataTransfer` says what was left out). */
export function filesFromDataTransfer (dt: DataTransfer | null): File[] {
  return collect(dt).files
}

/** The pasted files or images, at most MAX_ATTACH_FILES (`attachedFromClipboard` says what was left out). */
export function filesFromClipboard (event: ClipboardEvent): File[] {
  return collect(event.clipboardData).files
}

/**
 * Whether a drag carries files (while dragging only the types are readable,
 * not the files). Text selections and links say no.
 */
export function draggingFiles (dt: DataTransfer | null): boolean {
  if (dt === null) return false
  // an array in current browsers; a DOMStringList in older ones
  return Array.from(dt.types as ArrayLike<string>).includes('Files')
}

/** Why some files were left out, in words (the current locale); '' when none were. */
export function skippedMessage (attached: AttachedFiles): string {
  const parts: string[] = []
  if (attached.extra > 0) parts.push(t('files.tooMany', { max: MAX_ATTACH_FILES, count: attached.extra }))
  if (attached.folders > 0) parts.push(t('files.folders', { count: attached.folders }))
  return parts.join(' ')
}
