/**
 * The "pending share": what another app handed Parley through the share sheet
 * (manifest `share_target`, a multipart POST to /share-target). The service
 * worker (src/sw.ts) reads the form, keeps ONE pending share in the Cache API
 * (a newer share replaces it) and sends the tab to `#/share`, whose screen
 * (routes/Share.svelte) reads it, sends it to a chosen contact and clears it.
 *
 * Bounded: at most MAX_SHARE_FILES files of MAX_SHARE_BYTES together, and
 * MAX_SHARE_TEXT_CHARS per text field. A share over a limit is not stored;
 * its problem is, so the screen can say what went wrong.
 */
import { MAX_ATTACH_FILES } from '../ui/attach-limits.ts'

/** The Cache API cache that holds the pending share (nothing else lives there). */
export const SHARE_CACHE = 'parley-pending-share'
/** Most files one share brings (the same as one drop or paste in a chat). */
export const MAX_SHARE_FILES = MAX_ATTACH_FILES
/** Most bytes of all files of one share together: the service worker reads the whole form. */
export const MAX_SHARE_BYTES = 100 * 1024 * 1024
/** Longest title, text or URL kept, in UTF-16 code units; longer ones are cut. */
export const MAX_SHARE_TEXT_CHARS = 20_000

/** Why a share could not be kept. */
export type ShareProblem = 'too-many-files' | 'too-large' | 'unreadable'

/** A file's description in the pending share (its bytes are a separate cache entry). */
export interface SharedFileMeta {
  name: string
  type: string
  size: number
}

/** The pending share's description, stored as JSON. */
export interface PendingShareMeta {
  /** when the share arrived (ms since the epoch) */
  at: number
  title: string
  text: string
  url: string
  files: SharedFileMeta[]
  /** set when the share was refused; then there are no files */
  problem?: ShareProblem
}

/** A pending share as the share screen uses it. */
export interface PendingShare extends Omit<PendingShareMeta, 'files'> {
  files: File[]
}

const META_URL = '/__parley/pending-share/meta.json'
const fileUrl = (index: number): string => `/__parley/pending-share/file/${index}`

function text (form: FormData, name: string): string {
  const value = form.get(name)
  return typeof value === 'string' ? value.slice(0, MAX_SHARE_TEXT_CHARS) : ''
}

/** What a share form holds, checked against the limits (files only when none is over). */
export function readShareForm (form: FormData, at: number = Date.now()): { meta: PendingShareMeta, files: File[] } {
  const base = { at, title: text(form, 'title'), text: text(form, 'text'), url: text(form, 'url') }
  // a share sheet sends an empty file part when nothing is attached
  const files = form.getAll('files').filter((f): f is File => typeof f !== 'string' && (f.size > 0 || f.name !== ''))
  if (files.length > MAX_SHARE_FILES) return { meta: { ...base, files: [], problem: 'too-many-files' }, files: [] }
  if (files.reduce((sum, f) => sum + f.size, 0) > MAX_SHARE_BYTES) return { meta: { ...base, files: [], problem: 'too-large' }, files: [] }
  return { meta: { ...base, files: files.map(f => ({ name: f.name, type: f.type, size: f.size })) }, files }
}

/** True when the share carries nothing to send. */
export function isEmptyShare (share: Pick<PendingShareMeta, 'title' | 'text' | 'url'> & { files: readonly unknown[] }): boolean {
  return share.title.trim() === '' && share.text.trim() === '' && share.url.trim() === '' && share.files.length === 0
}

/** Replaces the pending share with `meta` and `files` (the old one is deleted first). */
export async function savePendingShare (storage: CacheStorage, meta: PendingShareMeta, files: readonly File[]): Promise<void> {
  await storage.delete(SHARE_CACHE)
  const cache = await storage.open(SHARE_CACHE)
  for (const [index, file] of files.entries()) {
    await cache.put(fileUrl(index), new Response(file, { headers: { 'Content-Type': file.type === '' ? 'application/octet-stream' : file.type } }))
  }
  // the description last: a share is only there once all its files are
  await cache.put(META_URL, new Response(JSON.stringify(meta), { headers: { 'Content-Type': 'application/json' } }))
}

function isFileMeta (value: unknown): value is SharedFileMeta {
  if (typeof value !== 'object' || value === null) return false
  const f = value as Partial<SharedFileMeta>
  return typeof f.name === 'string' && typeof f.type === 'string' && typeof f.size === 'number'
}

function isMeta (value: unknown): value is PendingShareMeta {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<PendingShareMeta>
  // every file entry too: a damaged one would otherwise throw while the share is read back
  return typeof v.at === 'number' && typeof v.title === 'string' && typeof v.text === 'string' &&
    typeof v.url === 'string' && Array.isArray(v.files) && v.files.every(isFileMeta)
}

/** The pending share, or undefined when there is none (or it is damaged). */
export async function readPendingShare (storage: CacheStorage): Promise<PendingShare | undefined> {
  if (!await storage.has(SHARE_CACHE)) return undefined
  const cache = await storage.open(SHARE_CACHE)
  const metaResponse = await cache.match(META_URL)
  if (metaResponse === undefined) return undefined
  const meta: unknown = await metaResponse.json().catch(() => undefined)
  if (!isMeta(meta)) return undefined
  const files: File[] = []
  for (const [index, file] of meta.files.entries()) {
    const response = await cache.match(fileUrl(index))
    if (response === undefined) return { ...meta, files: [], problem: 'unreadable' }
    const blob = await response.blob()
    files.push(new File([blob], file.name, { type: file.type }))
  }
  return { ...meta, files }
}

/** Forgets the pending share. */
export async function clearPendingShare (storage: CacheStorage): Promise<void> {
  await storage.delete(SHARE_CACHE)
}
