import { availableParallelism } from 'node:os'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vitest/config'
import { contractTimeouts } from './scripts/lib/contract-timeouts.ts'
import { PROTOCOL_ALIAS } from './scripts/lib/protocol-alias.ts'

export default defineConfig({
  plugins: [svelte({ configFile: false }), contractTimeouts()],
  resolve: {
    alias: [PROTOCOL_ALIAS]
  },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'relay-node/test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    setupFiles: ['./tests/unit/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default leaves one core free: on a 2-core CI machine that is one
    // file at a time (≈ 8½ min for the suite instead of ≈ 4)
    maxWorkers: availableParallelism()
  }
})
