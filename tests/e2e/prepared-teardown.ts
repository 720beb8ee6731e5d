/**
 * Playwright's global teardown (playwright.config.ts): removes the directory
 * where the run's workers kept the prepared people they made
 * (tests/e2e/prepared.ts, prepared-dir.ts), relay directories included.
 */
import { rm } from 'node:fs/promises'
import { preparedRunDir } from './prepared-dir.ts'

export default async function removePrepared (): Promise<void> {
  const dir = preparedRunDir()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
}
