/**
 * Vitest's global setup: builds relay-node's bundle once for the run
 * (scripts/lib/relay-bundle.ts) and names it in the environment that every
 * worker process inherits, so that the test files which start relays (about
 * fifty, each in a process of its own) take it rather than each bundling
 * relay-node again. In watch mode the sources change under the run, so each
 * process builds its own from them, as before. The bundle is deleted when
 * this process exits (relayBundle's own clean-up).
 */
import type { TestProject } from 'vitest/node'
import { RELAY_BUNDLE_ENV, relayBundle } from '../../scripts/lib/relay-bundle.ts'

export default async function setup (project: TestProject): Promise<void> {
  if (project.config.watch) return
  process.env[RELAY_BUNDLE_ENV] ??= await relayBundle()
}
