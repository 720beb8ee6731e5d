/**
 * A chat as a ZIP a person can read without Parley (issue 62): `chat.html`, a
 * page of the messages (authors, times, replies, reactions, edits and
 * deletions marked, pictures inline, voice messages playable, files linked),
 * and `files/`, the files the chat holds. Disappearing messages are left out.
 *
 * Streamed, so memory stays flat whatever the chat holds: the page is written
 * a page of messages at a time while the ZIP is read (fflate's streaming
 * `Zip`: the page deflated, the files stored as they are, since pictures and
 * recordings do not compress), then each file from its Blob, a slice at a
 * time. What the ZIP needs of the app comes through `ExportSource` and
 * `ExportWords`: the tab gives its database, file store and words.
 */
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate'
import type { MessageId, MessageRow } from '../contract/rows.ts'

export const EXPORT_PAGE_FILE = 'chat.html'
export const EXPORT_FILES_DIR = 'files'
/** A quoted message in a reply is cut to this many characters. */
const QUOTE_CHARS = 200
/** Bytes of a file read at once into the ZIP. */
const FILE_SLICE_BYTES = 1024 * 1024

/** What an export reads: the chat's messages, oldest first, a page at a time. */
export interface ExportSource {
  /** the chat's name: the contact's or the group's */
  title: string
  /** every message of the chat, oldest first, in pages */
  pages: () => AsyncIterable<readonly MessageRow[]>
  /** the message a reply quotes, when this device has it */
  message: (id: MessageId) => Promise<MessageRow | undefined>
  /** who wrote a message, in words (the person's name, "You" for ours) */
  author: (row: MessageRow) => string
  /** who a PeerID is, in words (a reaction's author) */
  nameOf: (peerId: string) => string
  /** a message's file as this device holds it whole; undefined when it does not (not received, deleted) */
  file: (row: MessageRow) => Promise<Blob | undefined>
}

/** The words of the page, in the person's language. */
export interface ExportWords {
  /** e.g. "Chat with Bob, exported 1 December 2026" */
  heading: (title: string, exportedAt: number) => string
  /** a message's time as the page shows it */
  time: (ms: number) => string
  edited: string
  deleted: string
  /** a file this device does not hold, by name */
  fileMissing: (name: string) => string
  /** a call's line, e.g. "Video call, 3 min" */
  call: (row: MessageRow) => string
  /** a notice's line */
  notice: (row: MessageRow) => string
  /** "Reply to {name}" */
  replyTo: (name: string) => string
  /** a quoted message this device no longer has */
  quoteMissing: string
}

export interface ExportProgress {
  /** messages written to the page so far */
  messages: number
  /** files written so far, and how many there are (known once the page is written) */
  files: number
  filesTotal: number | undefined
  /** disappearing messages left out so far */
  leftOut: number
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text safe in HTML content and in a quoted attribute. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => HTML_ESCAPES[c] ?? c)
}

/** Whether a message disappears: such messages are never exported. */
export function disappears (row: MessageRow): boolean {
  return row.ttl !== undefined || row.expiresAt !== undefined
}

/** The path in the ZIP of a message's file: its id keeps two files of one name apart. */
export function exportFilePath (row: MessageRow): string {
  return `${EXPORT_FILES_DIR}/${row.id}-${row.file?.name ?? 'file'}`
}

const STYLE = [
  'body{font:15px/1.45 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#111;background:#fff}',
  'article{margin:.5rem 0;padding:.5rem .75rem;border-radius:.5rem;background:#f1f3f4}',
  'article.out{background:#dff3ef}',
  'header{font-size:.85em;color:#555}',
  '.author{font-weight:600;color:#111}',
  '.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0 0}',
  'blockquote{margin:.25rem 0;padding:.25rem .5rem;border-left:3px solid #0f766e;color:#444;font-size:.9em}',
  '.deleted,.edited,.missing,.line{color:#666;font-style:italic}',
  'img{max-width:100%;height:auto;border-radius:.25rem}',
  'ul.reactions{list-style:none;padding:0;margin:.25rem 0 0;display:flex;flex-wrap:wrap;gap:.25rem}',
  'ul.reactions li{background:#fff;border-radius:1rem;padding:0 .5rem;font-size:.9em}'
].join('')

function pageHead (title: string, heading: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>\n<h1>${escapeHtml(heading)}</h1>\n<main>\n`
}

const PAGE_TAIL = '</main>\n</body></html>\n'

async function quoteOf (source: ExportSource, words: ExportWords, id: MessageId): Promise<string> {
  const quoted = await source.message(id)
  if (quoted === undefined || disappears(quoted)) return `<blockquote class="reply"><span class="missing">${escapeHtml(words.quoteMissing)}</span></blockquote>`
  const text = quoted.deleted !== undefined ? words.deleted : quoted.kind === 'file' ? (quoted.file?.name ?? '') : quoted.body
  const chars = [...text]
  const cut = chars.length > QUOTE_CHARS ? `${chars.slice(0, QUOTE_CHARS).join('')}…` : text
  return `<blockquote class="reply"><a href="#m-${escapeHtml(quoted.id)}">${escapeHtml(words.replyTo(source.author(quoted)))}</a>: ${escapeHtml(cut)}</blockquote>`
}

function fileHtml (row: MessageRow, held: boolean, words: ExportWords): string {
  const file = row.file
  if (file === undefined) return ''
  if (!held) return `<p class="missing">${escapeHtml(words.fileMissing(file.name))}</p>`
  const src = escapeHtml(encodeURI(exportFilePath(row)))
  if (file.voice !== undefined) return `<p><audio controls preload="none" src="${src}"></audio></p>`
  if (file.mime.startsWith('image/') && file.mime !== 'image/svg+xml') return `<p><img loading="lazy" src="${src}" alt="${escapeHtml(file.name)}"></p>`
  return `<p><a href="${src}" download>${escapeHtml(file.name)}</a></p>`
}

/** One message as the page shows it; `held`: its file is in the ZIP. */
export async function messageHtml (row: MessageRow, held: boolean, source: ExportSource, words: ExportWords): Promise<string> {
  const parts: string[] = [
    `<article class="${row.direction === 'out' ? 'out' : 'in'}" id="m-${escapeHtml(row.id)}">`,
    `<header><span class="author">${escapeHtml(source.author(row))}</span> <time datetime="${new Date(row.sentAt).toISOString()}">${escapeHtml(words.time(row.sentAt))}</time>`,
    row.edit !== undefined && row.deleted === undefined ? ` <span class="edited">${escapeHtml(words.edited)}</span>` : '',
    '</header>'
  ]
  if (row.deleted !== undefined) {
    parts.push(`<p class="deleted">${escapeHtml(words.deleted)}</p>`)
  } else {
    if (row.replyTo !== undefined) parts.push(await quoteOf(source, words, row.replyTo))
    if (row.kind === 'call') parts.push(`<p class="line">${escapeHtml(words.call(row))}</p>`)
    else if (row.kind === 'notice') parts.push(`<p class="line">${escapeHtml(words.notice(row))}</p>`)
    else {
      if (row.kind === 'file') parts.push(fileHtml(row, held, words))
      if (row.body !== '') parts.push(`<p class="text">${escapeHtml(row.body)}</p>`)
    }
    const reactions = (row.reactions ?? []).filter(r => r.emoji !== '')
    if (reactions.length > 0) {
      parts.push(`<ul class="reactions">${reactions.map(r => `<li title="${escapeHtml(source.nameOf(r.from))}">${escapeHtml(r.emoji)} ${escapeHtml(source.nameOf(r.from))}</li>`).join('')}</ul>`)
    }
  }
  parts.push('</article>\n')
  return parts.join('')
}

const encoder = new TextEncoder()

/**
 * The ZIP of a chat, as a stream read at the reader's pace. `onProgress`
 * after each page of messages and each file. Aborting `signal` errors the
 * stream with its reason.
 */
export function exportChat (source: ExportSource, words: ExportWords, options: { exportedAt: number, onProgress?: (progress: ExportProgress) => void, signal?: AbortSignal }): ReadableStream<Uint8Array> {
  const progress: ExportProgress = { messages: 0, files: 0, filesTotal: undefined, leftOut: 0 }
  let zip: Zip | undefined
  let steps: AsyncIterator<void> | undefined
  /** chunks the ZIP gave the stream so far */
  let given = 0

  /** Each step writes a page of messages or a slice of a file into the ZIP, whose output goes to the stream at once. */
  async function * work (): AsyncGenerator<void> {
    if (zip === undefined) return
    const page = new ZipDeflate(EXPORT_PAGE_FILE, { level: 6 })
    page.mtime = options.exportedAt
    zip.add(page)
    page.push(encoder.encode(pageHead(source.title, words.heading(source.title, options.exportedAt))))
    const files: Array<{ row: MessageRow, blob: Blob }> = []
    for await (const rows of source.pages()) {
      options.signal?.throwIfAborted()
      const html: string[] = []
      for (const row of rows) {
        if (disappears(row)) {
          progress.leftOut++
          continue
        }
        const blob = row.kind === 'file' && row.deleted === undefined ? await source.file(row) : undefined
        // a Blob is a handle to bytes the device keeps (on disk), not the bytes: they are read after the page, a slice at a time
        if (blob !== undefined) files.push({ row, blob })
        html.push(await messageHtml(row, blob !== undefined, source, words))
        progress.messages++
      }
      page.push(encoder.encode(html.join('')))
      options.onProgress?.({ ...progress })
      yield
    }
    page.push(encoder.encode(PAGE_TAIL), true)
    progress.filesTotal = files.length
    options.onProgress?.({ ...progress })
    for (const { row, blob } of files) {
      const entry = new ZipPassThrough(exportFilePath(row))
      entry.mtime = row.sentAt
      zip.add(entry)
      if (blob.size === 0) {
        entry.push(new Uint8Array(0), true)
      } else {
        for (let at = 0; at < blob.size; at += FILE_SLICE_BYTES) {
          options.signal?.throwIfAborted()
          entry.push(new Uint8Array(await blob.slice(at, at + FILE_SLICE_BYTES).arrayBuffer()), at + FILE_SLICE_BYTES >= blob.size)
          yield
        }
      }
      progress.files++
      options.onProgress?.({ ...progress })
    }
    zip.end()
  }

  return new ReadableStream<Uint8Array>({
    start (controller) {
      zip = new Zip((err, chunk, final) => {
        if (err !== null) {
          controller.error(err)
          return
        }
        if (chunk.byteLength > 0) {
          controller.enqueue(chunk)
          given++
        }
        if (final) controller.close()
      })
      steps = work()
    },
    async pull () {
      // steps until the ZIP gives something (deflate keeps small inputs until it has enough): the
      // stream asks again only for what it was given, while its queue is short
      for (const before = given; given === before;) {
        if (steps === undefined || (await steps.next()).done === true) return
      }
    },
    async cancel () {
      zip?.terminate()
      await steps?.return?.(undefined)
    }
  }, { highWaterMark: 4 })
}
