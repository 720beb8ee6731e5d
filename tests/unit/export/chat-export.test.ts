/**
 * A chat as a readable ZIP (src/lib/export/chat-export.ts, issue 62): 1,000
 * messages with a reply, an edit, a deletion, reactions, a picture, a voice
 * message, a file this device never got, a call and a disappearing message,
 * read back with fflate's unzip: the page says each as a person reads it,
 * nothing a sender wrote runs, the files are the bytes held, the
 * disappearing message is nowhere.
 */
import { unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import type { MessageId, MessageRow } from '../../../src/lib/contract/rows.ts'
import { EXPORT_PAGE_FILE, escapeHtml, exportChat } from '../../../src/lib/export/chat-export.ts'
import type { ExportProgress, ExportSource, ExportWords } from '../../../src/lib/export/chat-export.ts'

const ME = '12D3KooWMe'
const BOB = '12D3KooWBob'
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0)

const id = (i: number): MessageId => `01KB${String(i).padStart(22, '0')}` as MessageId
const offer = (name: string, mime: string, size: number, voice = false): NonNullable<MessageRow['file']> => ({
  sha256: 'a'.repeat(64), size, name, mime, chunkSize: 512 * 1024, listHash: 'b'.repeat(64),
  ...(voice ? { voice: { durationMs: 3000, waveform: new Uint8Array([1, 2, 3]) } } : {})
})

function row (i: number, more: Partial<MessageRow> = {}): MessageRow {
  const out = i % 2 === 0
  return {
    id: id(i), contactId: 1, direction: out ? 'out' : 'in', fromPeerId: out ? ME : BOB, kind: 'text',
    body: `message number ${i}`, sentAt: T0 + i * 60_000, state: out ? 'read' : 'delivered', ...more
  }
}

const PICTURE = new Uint8Array(300_000).map((_, i) => (i * 7) % 256)
const RECORDING = new Uint8Array(40_000).map((_, i) => (i * 13) % 256)

function chat (): { rows: MessageRow[], files: Map<string, Blob> } {
  const rows = Array.from({ length: 1000 }, (_, i) => row(i))
  rows[10] = row(10, { body: '<script>alert("x")</script> & <b>bold</b>' })
  rows[11] = row(11, { body: 'an answer', replyTo: id(10) })
  rows[12] = row(12, { body: 'fixed text', edit: { id: 'e1', sentAt: T0 } })
  rows[13] = row(13, { body: '', deleted: { id: 'd1', sentAt: T0 } })
  rows[14] = row(14, { reactions: [{ from: BOB, emoji: '👍', id: 'r1', sentAt: T0 }, { from: ME, emoji: '', id: 'r2', sentAt: T0 }] })
  rows[15] = row(15, { kind: 'file', body: 'the view', file: offer('sunset "1".png', 'image/png', PICTURE.byteLength) })
  rows[16] = row(16, { kind: 'file', body: '', file: offer('voice.webm', 'audio/webm', RECORDING.byteLength, true) })
  rows[17] = row(17, { kind: 'file', body: '', file: offer('never-got.pdf', 'application/pdf', 1000) })
  rows[18] = row(18, { kind: 'call', body: '', call: { video: true, outcome: 'answered', durationMs: 180_000 } })
  rows[19] = row(19, { body: 'this one disappears', ttl: 3600, expiresAt: T0 + 3_600_000 })
  rows[20] = row(20, { body: 'a reply to what is gone', replyTo: id(19) })
  return { rows, files: new Map([[id(15), new Blob([PICTURE])], [id(16), new Blob([RECORDING])]]) }
}

const WORDS: ExportWords = {
  heading: (title) => `Chat with ${title}`,
  time: (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' '),
  edited: 'edited',
  deleted: 'This message was deleted',
  fileMissing: (name) => `${name} (not on this device)`,
  call: (r) => `${r.call?.video === true ? 'Video' : 'Voice'} call, ${Math.round((r.call?.durationMs ?? 0) / 60_000)} min`,
  notice: () => 'notice',
  replyTo: (name) => `Reply to ${name}`,
  quoteMissing: 'The message this answers is not here'
}

function sourceOf (rows: MessageRow[], files: Map<string, Blob>, pageSize = 100): ExportSource {
  const byId = new Map(rows.map(r => [r.id, r]))
  return {
    title: 'Bob',
    async * pages () { for (let i = 0; i < rows.length; i += pageSize) yield rows.slice(i, i + pageSize) },
    message: async (mid) => byId.get(mid),
    author: (r) => r.direction === 'out' ? 'You' : 'Bob',
    nameOf: (peer) => peer === ME ? 'You' : 'Bob',
    file: async (r) => files.get(r.id)
  }
}

async function readAll (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for (const reader = stream.getReader(); ;) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value)
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) { all.set(p, at); at += p.byteLength }
  return all
}

describe('exportChat', () => {
  it('writes a page a person can read and the files the chat holds, without the disappearing message', async () => {
    const { rows, files } = chat()
    const seen: ExportProgress[] = []
    const zip = unzipSync(await readAll(exportChat(sourceOf(rows, files), WORDS, { exportedAt: T0 + 86_400_000, onProgress: p => { seen.push(p) } })))

    expect(Object.keys(zip).sort()).toEqual([EXPORT_PAGE_FILE, `files/${id(15)}-sunset "1".png`, `files/${id(16)}-voice.webm`])
    expect(zip[`files/${id(15)}-sunset "1".png`]).toEqual(PICTURE)
    expect(zip[`files/${id(16)}-voice.webm`]).toEqual(RECORDING)

    const html = new TextDecoder().decode(zip[EXPORT_PAGE_FILE])
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<h1>Chat with Bob</h1>')
    // 999 messages: the disappearing one is left out, and the progress says so
    expect(html.match(/<article /g)).toHaveLength(999)
    expect(html).not.toContain('this one disappears')
    expect(seen.at(-1)).toEqual({ messages: 999, files: 2, filesTotal: 2, leftOut: 1 })
    // authors, times and text
    expect(html).toContain(`<article class="in" id="m-${id(1)}"><header><span class="author">Bob</span> <time datetime="2026-11-30T09:01:00.000Z">2026-11-30 09:01</time></header><p class="text">message number 1</p></article>`)
    expect(html).toContain('<span class="author">You</span>')
    // what a sender wrote is text, never markup
    expect(html).not.toContain('<script>')
    expect(html).toContain(escapeHtml('<script>alert("x")</script> & <b>bold</b>'))
    // a reply quotes and links what it answers; one to a message that is gone says so
    expect(html).toContain(`<blockquote class="reply"><a href="#m-${id(10)}">Reply to You</a>: ${escapeHtml('<script>alert("x")</script> & <b>bold</b>')}</blockquote>`)
    expect(html).toMatch(new RegExp(`id="m-${id(20)}">.*The message this answers is not here`))
    // edits and deletions marked; reactions named, a withdrawn one not shown
    expect(html).toMatch(new RegExp(`id="m-${id(12)}">.*<span class="edited">edited</span>.*fixed text`))
    expect(html).toMatch(new RegExp(`id="m-${id(13)}">.*<p class="deleted">This message was deleted</p></article>`))
    expect(html).toMatch(new RegExp(`id="m-${id(14)}">.*<ul class="reactions"><li title="Bob">👍 Bob</li></ul></article>`))
    // the picture inline, the voice message playable, the missing file named
    expect(html).toContain(`<img loading="lazy" src="files/${id(15)}-sunset%20%221%22.png" alt="sunset &quot;1&quot;.png">`)
    expect(html).toContain(`<audio controls preload="none" src="files/${id(16)}-voice.webm"></audio>`)
    expect(html).toContain('never-got.pdf (not on this device)')
    expect(html).toContain('<p class="line">Video call, 3 min</p>')
  })

  it('reads the chat only as fast as the ZIP is read, and stops when aborted', async () => {
    const { rows, files } = chat()
    let pagesRead = 0
    const source = sourceOf(rows, files, 10)
    const counted: ExportSource = { ...source, async * pages () { for await (const page of source.pages()) { pagesRead++; yield page } } }
    const controller = new AbortController()
    const reader = exportChat(counted, WORDS, { exportedAt: T0, signal: controller.signal }).getReader()
    await reader.read()
    // a few pages ahead of the reader, not the whole chat
    expect(pagesRead).toBeLessThan(20)
    controller.abort(new Error('stopped by the person'))
    await expect((async () => { for (;;) { if ((await reader.read()).done) return } })()).rejects.toThrow('stopped by the person')
    expect(pagesRead).toBeLessThan(30)
  })
})
