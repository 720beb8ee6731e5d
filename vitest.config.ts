import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { configDefaults, defineConfig } from 'vitest/config'
import { contractTimeouts } from './scripts/lib/contract-timeouts.ts'
import { PROTOCOL_ALIAS } from './scripts/lib/protocol-alias.ts'

/**
 * Files that start processes of their own and keep both cores busy for a
 * minute or more (32 group members in four processes): they run after every
 * other file, one at a time, so that neither they nor the rest time out for
 * want of CPU (docs/testing.md, "Large groups").
 */
const ALONE = ['tests/integration/groups-scale.test.ts']

const SUITE_DIRS = ['tests/unit', 'tests/integration', 'relay-node/test', ...readdirSync('packages').map(p => `packages/${p}/test`)]
const SUITE = SUITE_DIRS.map(dir => `${dir}/**/*.test.ts`)

/**
 * Files that run in a process of their own (project `own-process`): those that
 * replace modules (`vi.mock`, found here by reading each file) and those that
 * patch a library other files load. Every other file shares its worker's
 * process with the files before it (project `shared`), which spares Node
 * loading libp2p, the curves and the rest again for each of 400 files: 0.4
 * CPU-s a file for the lightest of them (docs/testing.md, "Files share a process").
 */
const OWN_PROCESS = [
  ...SUITE_DIRS.flatMap(dir => testFilesIn(dir)).filter(file => /\bvi\.(?:mock|doMock)\(/.test(readFileSync(file, 'utf8'))),
  // installs the length-prefix fast path into the libraries' decoder, and tests it
  'packages/protocol/test/length-prefix.test.ts'
]

function testFilesIn (dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(name => name.endsWith('.test.ts') && !name.split('/').includes('node_modules'))
    .map(name => `${dir}/${name}`)
}

export default defineConfig({
  plugins: [svelte({ configFile: false }), contractTimeouts()],
  resolve: {
    alias: [PROTOCOL_ALIAS]
  },
  test: {
    setupFiles: ['./tests/unit/setup.ts'],
    // relay-node bundled once for the run, not once per test file that starts a relay
    globalSetup: ['./tests/support/relay-bundle-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The fuzzers' memory bounds (packages/protocol/test/fuzz/wire-helpers.ts,
    // memoryGrowth) measure after a GC: without one, uncollected garbage on a
    // busy machine once read as 64 MB of "growth" and failed CI
    execArgv: ['--expose-gc'],
    // Two files per core. Vitest's default leaves one core free: on a 2-core CI
    // machine that is one file at a time (≈ 8½ min for the suite instead of ≈ 4).
    // One per core left the cores 45 % idle through the integration files, which
    // wait on their nodes, relays and timers much of the time: with two per core
    // those files took 239 s instead of 348 (2026-11-30). (Set here: the CLI's
    // --maxWorkers does not reach the projects below, which copy it.)
    maxWorkers: availableParallelism() * 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: SUITE,
          exclude: [...configDefaults.exclude, ...ALONE, ...OWN_PROCESS],
          isolate: false,
          setupFiles: ['./tests/unit/setup-shared.ts'],
          sequence: { groupOrder: 0 }
        }
      },
      {
        extends: true,
        test: {
          name: 'own-process',
          include: OWN_PROCESS,
          sequence: { groupOrder: 0 }
        }
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
