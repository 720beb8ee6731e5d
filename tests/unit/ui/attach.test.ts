import '../../support/russian.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import {
  MAX_ATTACH_FILES,
  attachedFromClipboard,
  attachedFromDataTransfer,
  draggingFiles,
  filesFromClipboard,
  filesFromDataTransfer,
  skippedMessage
} from '../../../src/lib/ui/attach.ts'

/** Structural fakes: only what attach.ts reads of DataTransfer, DataTransferItem and ClipboardEvent. */
interface FakeItem {
  kind: 'file' | 'string'
  type: string
  getAsFile: () => File | null
  webkitGetAsEntry?: () => { isDirectory: boolean, isFile: boolean } | null
}

function fileItem (file: File): FakeItem {
  return { kind: 'file', type: file.type, getAsFile: () => file, webkitGetAsEntry: () => ({ isDirectory: false, isFile: true }) }
}

function folderItem (name: string): FakeItem {
  // browsers hand out a File for a folder too (size 0 or 4096, no type)
  const file = new File([], name)
  return { kind: 'file', type: '', getAsFile: () => file, webkitGetAsEntry: () => ({ isDirectory: true, isFile: false }) }
}

function textItem (type = 'text/plain'): FakeItem {
  return { kind: 'string', type, getAsFile: () => null }
}

function fakeList<T> (entries: T[]): ArrayLike<T> {
  return Object.assign({}, entries, { length: entries.length })
}

function transfer (init: { items?: FakeItem[], files?: File[], types?: string[] }): DataTransfer {
  const dt = {
    items: init.items === undefined ? undefined : fakeList(init.items),
    files: fakeList(init.files ?? []),
    types: init.types ?? []
  }
  return dt as unknown as DataTransfer
}

function paste (dt: DataTransfer | null): ClipboardEvent {
  return { clipboardData: dt } as unknown as ClipboardEvent
}

function file (name: string, type = 'application/octet-stream'): File {
  return new File([name], name, { type })
}

const names = (files: File[]): string[] => files.map(f => f.name)

describe('attachedFromDataTransfer', () => {
  it('gives nothing for no DataTransfer', () => {
    expect(attachedFromDataTransfer(null)).toEqual({ files: [], extra: 0, folders: 0 })
  })

  it('takes the file items, in order, and skips text items', () => {
    const a = file('a.pdf')
    const b = file('b.png', 'image/png')
    const result = attachedFromDataTransfer(transfer({ items: [textItem('text/uri-list'), fileItem(a), textItem(), fileItem(b)] }))
    expect(result.files).toEqual([a, b])
    expect(result.extra).toBe(0)
    expect(result.folders).toBe(0)
  })

  it('leaves folders out and counts them', () => {
    const a = file('a.txt')
    const result = attachedFromDataTransfer(transfer({ items: [folderItem('photos'), fileItem(a), folderItem('music')], files: [new File([], 'photos'), a, new File([], 'music')] }))
    expect(result.files).toEqual([a])
    expect(result.folders).toBe(2)
  })

  it('does not fall back to `files` when every item was a folder', () => {
    const folder = new File([], 'photos')
    const result = attachedFromDataTransfer(transfer({ items: [folderItem('photos')], files: [folder] }))
    expect(result.files).toEqual([])
    expect(result.folders).toBe(1)
  })

  it('takes files from items without webkitGetAsEntry, and skips items with no file', () => {
    const a = file('a.txt')
    const noEntry: FakeItem = { kind: 'file', type: 'text/plain', getAsFile: () => a }
    const nullEntry: FakeItem = { ...fileItem(a), webkitGetAsEntry: () => null }
    const empty: FakeItem = { kind: 'file', type: 'text/plain', getAsFile: () => null }
    expect(names(attachedFromDataTransfer(transfer({ items: [noEntry, nullEntry, empty] })).files)).toEqual(['a.txt', 'a.txt'])
  })

  it('falls back to `files` when there are no file items', () => {
    const a = file('a.txt')
    const b = file('b.txt')
    expect(attachedFromDataTransfer(transfer({ files: [a, b] })).files).toEqual([a, b])
    expect(attachedFromDataTransfer(transfer({ items: [textItem()], files: [a] })).files).toEqual([a])
  })

  it('gives nothing for a text or link drop', () => {
    expect(attachedFromDataTransfer(transfer({ items: [textItem(), textItem('text/html'), textItem('text/uri-list')] })).files).toEqual([])
  })

  it(`keeps at most ${MAX_ATTACH_FILES} files and counts the rest`, () => {
    const many = Array.from({ length: MAX_ATTACH_FILES + 3 }, (_, i) => file(`f${i}.txt`))
    const fromItems = attachedFromDataTransfer(transfer({ items: many.map(fileItem) }))
    expect(fromItems.files).toEqual(many.slice(0, MAX_ATTACH_FILES))
    expect(fromItems.extra).toBe(3)

    const fromFiles = attachedFromDataTransfer(transfer({ files: many }))
    expect(fromFiles.files).toEqual(many.slice(0, MAX_ATTACH_FILES))
    expect(fromFiles.extra).toBe(3)
  })
})

describe('attachedFromClipboard', () => {
  it('gives the pasted image (not the HTML that comes with it)', () => {
    const image = file('image.png', 'image/png')
    const clipboard = transfer({ items: [textItem('text/html'), { kind: 'file', type: 'image/png', getAsFile: () => image }] })
    expect(attachedFromClipboard(paste(clipboard)).files).toEqual([image])
  })

  it('gives files copied in a file manager', () => {
    const a = file('a.pdf')
    expect(attachedFromClipboard(paste(transfer({ files: [a] }))).files).toEqual([a])
  })

  it('gives nothing for a text paste, or none at all', () => {
    expect(attachedFromClipboard(paste(transfer({ items: [textItem()] }))).files).toEqual([])
    expect(attachedFromClipboard(paste(null))).toEqual({ files: [], extra: 0, folders: 0 })
  })
})

describe('filesFromDataTransfer and filesFromClipboard', () => {
  it('give just the files, at most MAX_ATTACH_FILES', () => {
    const many = Array.from({ length: MAX_ATTACH_FILES + 2 }, (_, i) => file(`f${i}.txt`))
    const dt = transfer({ items: [folderItem('photos'), ...many.map(fileItem)] })
    expect(filesFromDataTransfer(dt)).toEqual(many.slice(0, MAX_ATTACH_FILES))
    expect(filesFromClipboard(paste(dt))).toEqual(many.slice(0, MAX_ATTACH_FILES))
  })

  it('give an empty list for text, or no data', () => {
    expect(filesFromDataTransfer(transfer({ items: [textItem()] }))).toEqual([])
    expect(filesFromDataTransfer(null)).toEqual([])
    expect(filesFromClipboard(paste(null))).toEqual([])
  })
})

describe('draggingFiles', () => {
  it('is true only when the drag carries files', () => {
    expect(draggingFiles(transfer({ types: ['Files'] }))).toBe(true)
    expect(draggingFiles(transfer({ types: ['text/uri-list', 'Files'] }))).toBe(true)
    expect(draggingFiles(transfer({ types: ['text/plain', 'text/html'] }))).toBe(false)
    expect(draggingFiles(null)).toBe(false)
  })

  it('reads a DOMStringList-like list of types too', () => {
    expect(draggingFiles({ types: fakeList(['Files']) } as unknown as DataTransfer)).toBe(true)
  })
})

describe('skippedMessage', () => {
  it('is empty when nothing was left out', () => {
    expect(skippedMessage({ files: [file('a')], extra: 0, folders: 0 })).toBe('')
  })

  it('says how many files were left out', () => {
    expect(skippedMessage({ files: [], extra: 1, folders: 0 })).toBe(`Only ${MAX_ATTACH_FILES} files can be sent at once: 1 was left out.`)
    expect(skippedMessage({ files: [], extra: 4, folders: 0 })).toBe(`Only ${MAX_ATTACH_FILES} files can be sent at once: 4 were left out.`)
  })

  it('says folders cannot be sent', () => {
    expect(skippedMessage({ files: [], extra: 0, folders: 1 })).toBe('Folders cannot be sent: a folder was left out.')
    expect(skippedMessage({ files: [], extra: 2, folders: 3 })).toBe(
      `Only ${MAX_ATTACH_FILES} files can be sent at once: 2 were left out. Folders cannot be sent: 3 folders were left out.`
    )
  })
})

describe('skippedMessage in Russian', () => {
  afterEach(() => { setLocale('en') })

  it('agrees the number with the noun', () => {
    setLocale('ru')
    expect(skippedMessage({ files: [], extra: 1, folders: 0 })).toBe(`За один раз можно отправить не больше ${MAX_ATTACH_FILES} файлов: 1 файл не добавлен.`)
    expect(skippedMessage({ files: [], extra: 3, folders: 0 })).toBe(`За один раз можно отправить не больше ${MAX_ATTACH_FILES} файлов: 3 файла не добавлены.`)
    expect(skippedMessage({ files: [], extra: 0, folders: 5 })).toBe('Папки отправлять нельзя: 5 папок не добавлено.')
    expect(skippedMessage({ files: [], extra: 0, folders: 21 })).toBe('Папки отправлять нельзя: 21 папка не добавлена.')
  })
})
