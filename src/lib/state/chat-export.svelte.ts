/**
 * "Export chat" in a contact's or a group's info (issue 62): the chat as a
 * ZIP a person can read without Parley (lib/export/chat-export.ts). The
 * messages come from this tab's database a page at a time, in the chat's
 * own order (state/chat-scope.ts); each file this device holds whole from the
 * node (`getFile`). The ZIP is read as it is made into a Blob the browser
 * keeps (a large one on disk, in Chromium) and downloaded.
 *
 * Loads with the chat's info, with its words (lib/i18n/export.ts).
 */
import '../i18n/export.ts'
import { exportChat } from '../export/chat-export.ts'
import type { ExportProgress, ExportWords } from '../export/chat-export.ts'
import type { ParleyDb } from '../db/db.ts'
import type { MessageRow } from '../db/types.ts'
import { handleError } from '../i18n/handle-error.ts'
import { t } from '../i18n/index.ts'
import { dateWords, exportFileName, exportSource, timeWords } from './chat-export-source.ts'
import type { ChatRef } from './chat-scope.ts'
import { saveFile } from './file-actions.ts'
import { getDb } from './live.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'

export class ChatExporter {
  readonly #db: ParleyDb
  readonly #node: Pick<NodeManager, 'call'>
  #busy = $state(false)
  #progress = $state<ExportProgress | undefined>()
  #error = $state('')
  #done = $state<ExportProgress | undefined>()
  #controller: AbortController | undefined

  constructor (node: Pick<NodeManager, 'call'>, db: ParleyDb = getDb()) {
    this.#db = db
    this.#node = node
  }

  get busy (): boolean { return this.#busy }
  /** how far the export running is */
  get progress (): ExportProgress | undefined { return this.#progress }
  /** why the last export failed, in words */
  get error (): string { return this.#error }
  /** what the last export saved */
  get done (): ExportProgress | undefined { return this.#done }

  /** Exports the chat `ref` (its name `title`) and downloads the ZIP. */
  async start (ref: ChatRef, title: string, now: () => number = Date.now): Promise<void> {
    if (this.#busy) return
    this.#busy = true
    this.#error = ''
    this.#done = undefined
    this.#progress = undefined
    const controller = new AbortController()
    this.#controller = controller
    try {
      const exportedAt = now()
      let last: ExportProgress | undefined
      const stream = exportChat(await exportSource(this.#db, this.#node, ref, title), WORDS, {
        exportedAt,
        signal: controller.signal,
        onProgress: (p) => { last = p; this.#progress = p }
      })
      const zip = await new Response(stream).blob()
      saveFile(new Blob([zip], { type: 'application/zip' }), exportFileName(title, exportedAt))
      this.#done = last
    } catch (err) {
      this.#error = controller.signal.aborted ? '' : handleError(err, 'exportChat')
    } finally {
      this.#busy = false
      this.#progress = undefined
      this.#controller = undefined
    }
  }

  /** Stops an export running; nothing is saved. */
  cancel (): void {
    this.#controller?.abort(new DOMException('The export was cancelled', 'AbortError'))
  }
}

const WORDS: ExportWords = {
  heading: (title, at) => t('export.pageHeading', { title, date: dateWords(at) }),
  time: timeWords,
  get edited () { return t('export.edited') },
  get deleted () { return t('export.deleted') },
  fileMissing: (name) => t('export.fileMissing', { name }),
  call: (row: MessageRow) => {
    const call = t(row.call?.video === true ? 'export.callVideo' : 'export.callVoice')
    const ms = row.call?.durationMs
    return ms === undefined ? call : t('export.callLength', { call, minutes: Math.max(1, Math.round(ms / 60_000)) })
  },
  notice: () => t('export.notice'),
  replyTo: (name) => t('export.replyTo', { name }),
  get quoteMissing () { return t('export.quoteMissing') }
}
