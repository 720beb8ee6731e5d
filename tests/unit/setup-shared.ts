/**
 * Set up for each file of the `shared` project (vitest.config.ts), whose
 * files run one after another in the same worker process: Node loads the
 * libraries once per worker rather than once per file. Each file still gets
 * the project's own modules anew (module state such as the message ids'
 * monotonic clock would carry over otherwise), and the fake timers and
 * stubbed globals and variables a file left are undone once it is done
 * (vitest's runner itself restores spies and `vi.setConfig` after every file).
 */
import { afterAll, vi } from 'vitest'

vi.resetModules()

afterAll(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.unstubAllEnvs()
})
