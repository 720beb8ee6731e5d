import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { RELAY_BUNDLE_ENV, relayBundle } from '../../../scripts/lib/relay-bundle.ts'

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..')
const DIR = resolve(ROOT, 'node_modules', '.cache', 'parley-relay')

describe('relayBundle (scripts/lib/relay-bundle.ts)', () => {
  // the run's bundle, built once by vitest's global setup (tests/support/relay-bundle-setup.ts)
  const runs = process.env[RELAY_BUNDLE_ENV]
  afterEach(() => {
    if (runs === undefined) delete process.env[RELAY_BUNDLE_ENV]
    else process.env[RELAY_BUNDLE_ENV] = runs
  })

  it('builds relay-node once per process into a module node runs, and deletes the bundles of ended processes only', { timeout: 60_000 }, async () => {
    delete process.env[RELAY_BUNDLE_ENV]
    // a process that has ended, and one that still runs, each with a bundle left in the cache
    const ended = spawnSync(process.execPath, ['-e', '0']).pid
    const alive = spawn('sleep', ['60'], { stdio: 'ignore' })
    const endedBundle = resolve(DIR, `relay-node-${ended}.mjs`)
    const aliveBundle = resolve(DIR, `relay-node-${alive.pid ?? 0}.mjs`)
    try {
      await mkdir(DIR, { recursive: true })
      await writeFile(endedBundle, '')
      await writeFile(aliveBundle, '')

      const path = await relayBundle()
      expect(path).toBe(resolve(DIR, `relay-node-${process.pid}.mjs`))
      expect(await relayBundle()).toBe(path)
      expect(existsSync(endedBundle)).toBe(false)
      expect(existsSync(aliveBundle)).toBe(true)

      // the bundle is relay-node: its --help names its options
      const help = spawnSync(process.execPath, [path, '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
      expect(help.status).toBe(0)
      expect(help.stdout).toContain('--webrtc-direct-port')
    } finally {
      alive.kill('SIGKILL')
      await rm(aliveBundle, { force: true })
    }
  })

  it('takes the bundle the run names when it exists, and its own when that file is gone', { timeout: 60_000 }, async () => {
    const named = resolve(DIR, 'relay-node-named-by-the-run.mjs')
    await mkdir(DIR, { recursive: true })
    await writeFile(named, '')
    try {
      process.env[RELAY_BUNDLE_ENV] = named
      expect(await relayBundle()).toBe(named)
    } finally {
      await rm(named, { force: true })
    }
    expect(await relayBundle()).toBe(resolve(DIR, `relay-node-${process.pid}.mjs`))
  })
})
