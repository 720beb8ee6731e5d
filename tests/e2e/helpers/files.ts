import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { deflateSync } from 'node:zlib'
import { expect } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'
import { readRows } from '../../support/page-db.ts'

/** Steps and checks around file transfers, through the UI (and the DB where a test must prove what happened). */

export function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Writes `size` random bytes to `path` and returns their SHA-256. */
export async function randomFile (path: string, size: number): Promise<string> {
  const bytes = randomBytes(size)
  await writeFile(path, bytes)
  return sha256Hex(bytes)
}

/** A file made in the test, as the file input takes it. */
export interface FilePayload { name: string, mimeType: string, buffer: Buffer }

/** The dialog that shows files before they are sent (ui/SendFilesDialog.svelte). */
export function sendFilesDialog (page: Page): Locator {
  return page.getByTestId('send-files')
}

/** Chooses files with the chat's attach button (its hidden file input) and sends them from the preview, with `caption` if given. */
export async function attach (page: Page, files: string | string[] | FilePayload | FilePayload[], caption = ''): Promise<void> {
  await page.getByTestId('attach-input').setInputFiles(files)
  const preview = sendFilesDialog(page)
  if (caption !== '') await preview.getByRole('textbox', { name: 'Caption' }).fill(caption)
  await preview.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(preview).toBeHidden()
}

/**
 * Pastes `file` into the message field, as a paste of an image copied
 * elsewhere does. Firefox's ClipboardEvent constructor ignores
 * `clipboardData` (it takes only its own `dataType` and `data`), so the
 * event is given its DataTransfer as an own property, in every browser alike.
 */
export async function paste (page: Page, file: FilePayload): Promise<void> {
  await page.getByRole('textbox', { name: 'Message', exact: true }).evaluate((field, { name, mimeType, bytes }) => {
    const data = new DataTransfer()
    data.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }))
    const event = new ClipboardEvent('paste', { bubbles: true, cancelable: true })
    Object.defineProperty(event, 'clipboardData', { value: data })
    field.dispatchEvent(event)
  }, { name: file.name, mimeType: file.mimeType, bytes: [...file.buffer] })
}

/** The file card of the message offering `name`: a file shows its name, a photo has it as its picture's text alternative. */
export function fileCard (page: Page, name: string): Locator {
  const cards = page.getByRole('log', { name: 'Messages' }).getByTestId('file-card')
  return cards.filter({ hasText: name }).or(cards.filter({ has: page.getByAltText(name, { exact: true }) }))
}

export async function expectFileState (page: Page, name: string, state: string, timeout = 60_000): Promise<void> {
  await expect(fileCard(page, name)).toHaveAttribute('data-state', state, { timeout })
}

/** Clicks Save on a finished file (a photo's is in the viewer it opens) and returns the downloaded bytes. */
export async function saveFile (page: Page, name: string): Promise<Buffer> {
  const card = fileCard(page, name)
  const download = page.waitForEvent('download')
  const photo = await card.getAttribute('data-kind') === 'photo'
  if (photo) {
    await card.getByTestId('file-thumb').click()
    await page.getByRole('dialog').getByRole('link', { name: `Save ${name}` }).click()
  } else {
    await card.getByTestId('file-save').click()
  }
  const file = await download
  if (photo) {
    await page.keyboard.press('Escape')
    await expect(page.getByRole('dialog')).toBeHidden()
  }
  expect(file.suggestedFilename()).toBe(name)
  const path = await file.path()
  return readFile(path)
}

/** Opens the received image `name` full size from its thumbnail, checks its width, and closes the viewer again. */
export async function expectImageOpens (page: Page, name: string, width: number): Promise<void> {
  await fileCard(page, name).getByTestId('file-thumb').click()
  const viewer = page.getByRole('dialog')
  await expect(viewer.getByRole('img', { name })).toBeVisible()
  expect(await viewer.getByRole('img', { name }).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(width)
  await viewer.getByRole('button', { name: 'Close' }).click()
  await expect(viewer).toBeHidden()
}

/** The transfer row (docs: db/types.ts TransferRow) of the file `name`, read from this person's IndexedDB. */
export interface TransferRecord {
  state: string
  chunkCount: number
  chunksDone: number
  resumes: number
  have: number[]
  requests: number[]
  resumedHave?: number[]
  path?: string
  /** bytes of the file's key: 32 when its offer came in a session box (moved over /parley/file/1.1.0), else absent */
  keyBytes?: number
}

export async function transferRecord (page: Page, name: string): Promise<TransferRecord | undefined> {
  const rows = await readRows<TransferRecord & { name: string, key?: number[] }>(page, 'transfers')
  const row = rows.find(r => r.name === name)
  if (row === undefined) return undefined
  const { state, chunkCount, chunksDone, resumes, have, requests, resumedHave, path, key } = row
  return { state, chunkCount, chunksDone, resumes, have, requests, resumedHave: resumedHave ?? undefined, path: path ?? undefined, keyBytes: key?.length ?? undefined }
}

/** Waits until the receiver has verified and stored at least `fraction` of the file's chunks (read from its transfer record). */
export async function untilReceived (page: Page, name: string, fraction: number): Promise<void> {
  await expect.poll(async () => {
    const record = await transferRecord(page, name)
    return record === undefined || record.chunkCount === 0 ? 0 : record.chunksDone / record.chunkCount
  }, { timeout: 60_000, intervals: [50] }).toBeGreaterThanOrEqual(fraction)
}

/** Whether chunk `index` is set in a have-bitmap (bit index % 8 of byte index >> 3). */
export function hasChunk (bitmap: number[], index: number): boolean {
  return (((bitmap[index >> 3] ?? 0) >> (index % 8)) & 1) === 1
}

/** A valid PNG of `width` × `height` random RGB pixels (incompressible, so its size is about 3 bytes a pixel). */
export function randomPng (width: number, height: number): Buffer {
  const noise = randomBytes(width * height * 3)
  return png(width, height, (x, y) => {
    const i = (y * width + x) * 3
    return [noise[i] ?? 0, noise[i + 1] ?? 0, noise[i + 2] ?? 0]
  })
}

/** A valid RGB PNG whose pixel (x, y) is `pixel(x, y)`. */
export function png (width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const row = 1 + width * 3
  const raw = Buffer.alloc(row * height) // each row starts with filter type 0: none
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * row + 1 + x * 3)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8 bits, RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 1 })),
    pngChunk('IEND', Buffer.alloc(0))
  ])
}

function pngChunk (type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'ascii')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
