/**
 * The environment variable naming the directory where a run's Playwright
 * workers keep the prepared people they made (tests/e2e/prepared.ts): set by
 * playwright.config.ts in the runner, so that every worker of the run
 * inherits the one directory; removed by tests/e2e/prepared-teardown.ts.
 * Unset: each worker makes its own and removes them.
 */
export const PREPARED_DIR_ENV = 'PARLEY_E2E_PREPARED_DIR'

/** This run's directory of prepared people, if any. */
export function preparedRunDir (): string | undefined {
  const dir = process.env[PREPARED_DIR_ENV]
  return dir === undefined || dir === '' ? undefined : dir
}
