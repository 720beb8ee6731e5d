import { copyFile, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Page } from '@playwright/test'

/**
 * Screenshots of the real app (tests/e2e/screenshots*.spec.ts), taken by
 * `npm run screenshots` (not by `npm test`: playwright.config.ts) into
 * test-results/screenshots/ and into $PARLEY_SCREENSHOTS_DIR (the script sets
 * it to docs/screenshots, which the README shows).
 */

const ROOT = resolve(import.meta.dirname, '../../..')
const RUN_DIR = join(ROOT, 'test-results', 'screenshots')
const DOCS_DIR = process.env['PARLEY_SCREENSHOTS_DIR']

/** The feature gallery's size: a large phone. */
export const GALLERY_VIEWPORT = { width: 420, height: 720 }

/** Shoots `page` as `<name>.png` (no hover highlight, no caret, no animation). */
export async function shot (page: Page, name: string): Promise<void> {
  const path = join(RUN_DIR, `${name}.png`)
  // no hover highlight from the last click
  await page.mouse.move(0, 0)
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' })
  if (DOCS_DIR !== undefined && DOCS_DIR !== '') {
    const dir = resolve(ROOT, DOCS_DIR)
    await mkdir(dir, { recursive: true })
    await copyFile(path, join(dir, `${name}.png`))
  }
}
