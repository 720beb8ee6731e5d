/**
 * The account's state a link moves to the new device (issue 58;
 * docs/protocols.md, "Linking a device", "The state file"): the file A
 * serves under the state key, written here from the database, page by page.
 *
 * Newline-delimited JSON, UTF-8, one object a line, each ending in "\n":
 * a `head`, the `profile` (the display name and when the identity was
 * made: never its key), then `contact`, `message`, `group`, `groupOp`,
 * `groupMessage` and `setting` lines, and an `end` that counts the lines
 * before it. Contacts and one-to-one messages are written as the backup
 * writes them (backup-rows.ts: the same fields, the same checks, a file
 * offer without its key or bytes); a group, an operation and a group
 * message as their rows are, bytes as `{"$bytes": <base64>}`. Left out,
 * as this device's own: the private key, sessions, prekeys, boxes, the
 * keyring, transfers and file bytes, relays and TURN servers, mailbox and
 * hello state, deliveries, tombstones, pending events, disappearing
 * messages. The reader is link-state-read.ts.
 *
 * The file is cut into chunks as it is written (their hashes and the whole
 * file's SHA-256 computed on the way), and held as a Blob of those chunks:
 * no whole JSON text of the history is ever built.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { toBase64 } from './backup-envelope.ts'
import { leftOutOfBackups } from './backup-actions.ts'
import { CONTACT_FIELDS, ContentsChecker, MESSAGE_FIELDS, rowToJson } from './backup-rows.ts'
import { GROUP_ORDER } from './groups.ts'
import type { ParleyDb } from './db.ts'
import type { MessageRow } from './types.ts'

/** The state file's format (`head.v`). */
export const LINK_STATE_VERSION = 1
/** Its chunk size on the file protocol. */
export const LINK_STATE_CHUNK_BYTES = 64 * 1024
/** Rows read from a table at once. */
export const LINK_STATE_PAGE_ROWS = 500
/** The person's settings that move (settings table keys); the rest are this device's. */
export const LINK_STATE_SETTINGS = ['messaging'] as const

export interface LinkStateFile {
  blob: Blob
  size: number
  chunkSize: number
  /** the chunk hash list: 32 bytes a chunk */
  hashes: Uint8Array
  sha256: Uint8Array
  listHash: Uint8Array
  /** lines written, by kind */
  counts: Record<string, number>
}

const encoder = new TextEncoder()

/** A row as a line's JSON: bytes as `{"$bytes": base64}` (the reader turns them back). */
export function taggedJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => v instanceof Uint8Array ? { $bytes: toBase64(v) } : v)
}

/** Cuts what is written into chunks of `chunkSize`, hashing each and the whole. */
class Chunker {
  readonly #chunkSize: number
  readonly #parts: Uint8Array[] = []
  readonly #hashes: Uint8Array[] = []
  readonly #whole = sha256.create()
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  size = 0

  constructor (chunkSize: number) {
    this.#chunkSize = chunkSize
  }

  write (bytes: Uint8Array): void {
    this.#whole.update(bytes)
    this.size += bytes.byteLength
    this.#pending.push(bytes)
    this.#pendingBytes += bytes.byteLength
    while (this.#pendingBytes >= this.#chunkSize) this.#cut(this.#chunkSize)
  }

  finish (): Omit<LinkStateFile, 'counts'> {
    if (this.#pendingBytes > 0) this.#cut(this.#pendingBytes)
    const hashes = concat(this.#hashes)
    return { blob: new Blob(this.#parts as BlobPart[]), size: this.size, chunkSize: this.#chunkSize, hashes, sha256: this.#whole.digest(), listHash: sha256(hashes) }
  }

  #cut (bytes: number): void {
    const all = concat(this.#pending)
    const chunk = all.slice(0, bytes)
    const rest = all.subarray(bytes)
    this.#pending = rest.byteLength > 0 ? [rest.slice()] : []
    this.#pendingBytes = rest.byteLength
    this.#parts.push(chunk)
    this.#hashes.push(sha256(chunk))
  }
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

/**
 * Writes the account's state (module comment) for `account`. Rows are read
 * page by page, each through the backup's checks where the backup carries
 * it: a row it could not carry fails the link here, not on the new device.
 */
export async function writeLinkState (db: ParleyDb, account: string, now: number, chunkSize = LINK_STATE_CHUNK_BYTES): Promise<LinkStateFile> {
  const chunker = new Chunker(chunkSize)
  const counts: Record<string, number> = {}
  let lines = 0
  const line = (t: string, text: string): void => {
    counts[t] = (counts[t] ?? 0) + 1
    lines++
    chunker.write(encoder.encode(text + '\n'))
  }
  const profile = await db.profile.get(1)
  if (profile === undefined) throw new Error('no profile to link from')
  line('head', JSON.stringify({ t: 'head', v: LINK_STATE_VERSION, account, exportedAt: now }))
  line('profile', JSON.stringify({ t: 'profile', username: profile.username, createdAt: profile.createdAt }))
  // the checks are the backup's; "own PeerID" is the account's
  const checker = new ContentsChecker({ ...profile, peerId: account })
  let i = 0
  for await (const row of paged(async () => db.contacts.orderBy('id').limit(LINK_STATE_PAGE_ROWS).toArray(), async (last) => db.contacts.where('id').above(last.id).limit(LINK_STATE_PAGE_ROWS).toArray())) {
    const json = rowToJson(row, CONTACT_FIELDS)
    checker.contact(JSON.parse(JSON.stringify(json)), i++)
    line('contact', `{"t":"contact","row":${JSON.stringify(json)}}`)
  }
  i = 0
  for await (const row of paged(async () => db.messages.orderBy('id').limit(LINK_STATE_PAGE_ROWS).toArray(), async (last) => db.messages.where('id').above(last.id).limit(LINK_STATE_PAGE_ROWS).toArray())) {
    if (row.groupId !== undefined) continue
    if (leftOutOfBackups(row)) continue
    const json = rowToJson(row, MESSAGE_FIELDS)
    checker.message(JSON.parse(JSON.stringify(json)), i++)
    line('message', `{"t":"message","row":${JSON.stringify(json)}}`)
  }
  for await (const row of paged(async () => db.groups.orderBy('id').limit(LINK_STATE_PAGE_ROWS).toArray(), async (last) => db.groups.where('id').above(last.id).limit(LINK_STATE_PAGE_ROWS).toArray())) line('group', `{"t":"group","row":${taggedJson(row)}}`)
  for await (const row of paged(async () => db.groupOps.orderBy('id').limit(LINK_STATE_PAGE_ROWS).toArray(), async (last) => db.groupOps.where('id').above(last.id).limit(LINK_STATE_PAGE_ROWS).toArray())) line('groupOp', `{"t":"groupOp","row":${taggedJson(row)}}`)
  for await (const row of groupMessages(db)) line('groupMessage', `{"t":"groupMessage","row":${taggedJson(withoutFileKey(row))}}`)
  for (const key of LINK_STATE_SETTINGS) {
    const row = await db.settings.get(key)
    if (row !== undefined) line('setting', `{"t":"setting","row":${taggedJson(row)}}`)
  }
  line('end', JSON.stringify({ t: 'end', lines }))
  return { ...chunker.finish(), counts }
}

/** A group message as it moves: no disappearing one, a file offer without its key. */
function withoutFileKey (row: MessageRow): MessageRow {
  if (row.file?.key === undefined) return row
  const { key: _key, ...file } = row.file
  return { ...row, file }
}

/** Rows a page at a time: `first` reads the first page, `after` the page after a row (each page its own read). */
async function * paged<T> (first: () => Promise<T[]>, after: (last: T) => Promise<T[]>): AsyncGenerator<T> {
  let page = await first()
  while (page.length > 0) {
    yield * page
    const last = page[page.length - 1]
    if (last === undefined) return
    page = await after(last)
  }
}

/** The group messages that move (not disappearing ones), in the groups' order, a page at a time. */
async function * groupMessages (db: ParleyDb): AsyncGenerator<MessageRow> {
  let offset = 0
  for (;;) {
    const page = await db.messages.orderBy(GROUP_ORDER).offset(offset).limit(LINK_STATE_PAGE_ROWS).toArray()
    if (page.length === 0) return
    offset += page.length
    for (const row of page) if (row.expiresAt === undefined) yield row
  }
}
