import { chromium } from '@playwright/test'
import { befriend } from '../e2e/helpers/parley.ts'
import { chromiumLaunchOptions } from '../support/browsers.ts'
import { readRows } from '../support/page-db.ts'
import { median, print, twoPeople } from './lib.ts'
import type { Page } from '@playwright/test'

/** Voice messages recorded, one after another in one chat. */
const VOICE_RUNS = 3
const RECORD_MS = 10_000
/** How much longer than RECORD_MS a recording may come out (the clock is sampled every 50 ms, then the key press travels). */
const RECORD_SLACK_MS = 600

interface SentFile { id: string, kind: string, direction: string, file?: { size: number, voice?: { durationMs: number } } }

/** Records one voice message of RECORD_MS through the composer (Enter starts, Enter sends); resolves with its size and length. */
async function recordOne (page: Page, before: number): Promise<{ bytes: number, durationMs: number }> {
  const mic = page.getByRole('button', { name: 'Record a voice message' })
  await mic.focus()
  await page.keyboard.press('Enter')
  await page.getByTestId('voice-clock').filter({ hasText: /^0:10$/ }).waitFor({ timeout: RECORD_MS + 30_000 })
  await page.keyboard.press('Enter')
  let sent: SentFile[] = []
  for (let tries = 0; sent.length <= before; tries++) {
    if (tries > 200) throw new Error('the voice message was not stored')
    await new Promise(resolve => setTimeout(resolve, 50))
    sent = (await readRows<SentFile>(page, 'messages')).filter(r => r.kind === 'file' && r.direction === 'out')
  }
  const newest = sent.sort((a, b) => a.id < b.id ? -1 : 1).at(-1)
  const voice = newest?.file?.voice
  if (newest?.file === undefined || voice === undefined) throw new Error('the newest file sent is not a voice message')
  return { bytes: newest.file.size, durationMs: voice.durationMs }
}

/**
 * `voice_message_10s_kib`: the size of a 10-second voice message as the app
 * records it (state/voice-recorder.svelte.ts: Opus at its voice bitrate) from
 * Chromium's fake microphone (a tone with a beep every second; speech may
 * come out a little bigger or smaller), the median of VOICE_RUNS.
 */
export async function benchVoice (url: string): Promise<void> {
  const browser = await chromium.launch({ ...chromiumLaunchOptions, args: [...(chromiumLaunchOptions.args ?? []), '--use-fake-device-for-media-stream'] })
  try {
    const { pageA, pageB, close } = await twoPeople(browser, url)
    await befriend(pageA, pageB)
    const sizes: number[] = []
    for (let run = 0; run < VOICE_RUNS; run++) {
      const { bytes, durationMs } = await recordOne(pageA, run)
      if (durationMs < RECORD_MS || durationMs > RECORD_MS + RECORD_SLACK_MS) throw new Error(`a recording of ${durationMs} ms, not ${RECORD_MS}`)
      sizes.push(bytes / 1024)
    }
    await close()
    print('voice_message_10s_kib', median(sizes), 'KiB')
  } finally {
    await browser.close()
  }
}
