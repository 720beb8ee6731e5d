/**
 * Exporting a big chat (issue 62), in the history bench's page (history.ts):
 * its chat of 100,000 messages, with FILES files of FILE_BYTES each at its
 * end, their bytes in OPFS as a received file's are.
 *
 *   export_100k_ms       "Export chat" pressed in the chat's contact info → "Saved: …" shown
 *                        (the ZIP made, read into the Blob the download comes from)
 *   export_peak_heap_mb  the page's JavaScript heap at its highest while it exports, as the
 *                        DevTools protocol reports it (Runtime.getHeapUsage, every 100 ms)
 *
 * Printed beside them: the heap before and after (each after a collection)
 * and the ZIP's size. The peak is mostly garbage not yet collected: sampled
 * through an export of the 100,000 messages, the heap rises and falls
 * between about 10 and 40 MB, and ends where it began once collected; a
 * gigabyte of files adds about 3 MB to the peak.
 */
import { stat, unlink } from 'node:fs/promises'
import type { Page } from '@playwright/test'
import { print } from './lib.ts'
import type { SeedFileInput } from './history-seed.ts'

const FILES = 4
const FILE_BYTES = 256 * 1024 * 1024
/** OPFS files per seeded file: the node's chunk store reads them as one Blob. */
const PART_BYTES = 16 * 1024 * 1024
const MB = 1024 * 1024

/** Seeds one received file, its bytes in OPFS, in a chat (the history bench's seeder installed); returns its message id. */
async function seedFile (page: Page, input: SeedFileInput): Promise<string> {
  return page.evaluate(async (arg) => {
    const seeder = window.parleySeed
    if (seeder === undefined) throw new Error('installSeeder first')
    return seeder.seedFile(arg)
  }, input)
}

export async function benchExport (page: Page, chat: { peerId: string, contactId: number, name: string }, lastAt: number): Promise<void> {
  const seedStart = Date.now()
  for (let i = 0; i < FILES; i++) {
    await seedFile(page, { peerId: chat.peerId, sentAt: lastAt + (i + 1) * 1000, name: `archive-${i}.bin`, size: FILE_BYTES, partBytes: PART_BYTES })
  }
  console.log(`# export seed: ${FILES} files of ${FILE_BYTES / MB} MiB written in ${Date.now() - seedStart} ms`)
  await page.evaluate(`location.hash = '#/chat/${chat.contactId}'`)
  await page.getByRole('link', { name: `Contact info for ${chat.name}` }).click()
  const start = page.getByRole('button', { name: 'Export chat' })
  await start.waitFor()

  const cdp = await page.context().newCDPSession(page)
  await cdp.send('HeapProfiler.enable')
  await cdp.send('HeapProfiler.collectGarbage')
  const heap = async (): Promise<number> => (await cdp.send('Runtime.getHeapUsage')).usedSize
  const before = await heap()
  let peak = before
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await heap())
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  })()

  const downloading = page.waitForEvent('download', { timeout: 600_000 })
  const t0 = Date.now()
  await start.click()
  await page.getByRole('status').filter({ hasText: /^Saved: / }).waitFor({ timeout: 600_000 })
  const ms = Date.now() - t0
  sampling = false
  await sampler
  // what stays once the garbage is collected: the peak above is mostly garbage not yet collected
  await cdp.send('HeapProfiler.collectGarbage')
  const after = await heap()
  const download = await downloading
  const path = await download.path()
  const size = (await stat(path)).size
  await unlink(path)
  await cdp.detach()
  if (size < FILES * FILE_BYTES) throw new Error(`the ZIP is ${size} bytes: smaller than its files`)

  console.log(`# export: heap ${(before / MB).toFixed(1)} MB before, ${(peak / MB).toFixed(1)} MB at most, ${(after / MB).toFixed(1)} MB after a collection; the ZIP ${(size / MB).toFixed(0)} MB`)
  print('export_100k_ms', ms, 'ms')
  print('export_peak_heap_mb', Math.round(peak / MB * 10) / 10, 'MB')
}
