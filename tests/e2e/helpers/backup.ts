import { expect } from '@playwright/test'
import { expectOnline, nav } from './parley.ts'
import type { Page } from '@playwright/test'

/** Backup steps a person takes in Parley: Settings → backup file, Onboarding → restore. */

/**
 * Downloads `page`'s identity backup from Settings into `file` (a path outside
 * the browser context: its downloads go when it closes). With `passphrase`,
 * through "Choose my own passphrase"; without, with the generated recovery
 * passphrase, ticked as saved. Returns the passphrase the file was made with.
 */
export async function downloadBackup (page: Page, file: string, passphrase?: string): Promise<string> {
  await nav(page).getByRole('link', { name: 'Settings' }).click()
  let used: string
  if (passphrase === undefined) {
    const words = page.getByLabel('Recovery passphrase')
    await expect(words).toHaveValue(/^[a-z]+(?:-[a-z]+){6}$/)
    used = await words.inputValue()
    await page.getByLabel('I have written down or saved this passphrase').check()
  } else {
    await page.getByRole('button', { name: 'Choose my own passphrase' }).click()
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase)
    await page.getByLabel('Passphrase again').fill(passphrase)
    await expect(page.getByText('Strong enough for a backup.')).toBeVisible()
    used = passphrase
  }
  const downloading = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Download backup' }).click()
  await (await downloading).saveAs(file)
  await expect(page.getByText('Your backup file is downloading')).toBeVisible()
  return used
}

/** Restores the backup `file` on a fresh browser's onboarding screen, and waits until that node is online. */
export async function restoreBackup (page: Page, file: string, passphrase: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
  await page.getByLabel('Backup file').setInputFiles(file)
  await page.getByLabel('Backup passphrase').fill(passphrase)
  await page.getByRole('button', { name: 'Restore' }).click()
  await expectOnline(page)
}
