/**
 * relay-node as one ES module, built from its sources with esbuild the first
 * time a process starts a relay (`spawnRelay`), then reused by every relay
 * that process starts. Through tsx, each relay-node start compiled its
 * TypeScript and loaded some thousand modules of libp2p: 2.5 s to ready and
 * 3.7 s of CPU on this machine's two cores; from the bundle, 0.6 s and 0.6 s.
 * The e2e tests start a relay (or two) per test, so this is minutes of the
 * suite and CPU its browsers need.
 *
 * Built per process, from the sources as they are, so it is never stale; a
 * test run whose sources cannot change while it runs (vitest run, not watch)
 * builds it once and names it in {@link RELAY_BUNDLE_ENV} for its worker
 * processes (tests/support/relay-bundle-setup.ts): one build instead of one
 * per test file that starts a relay (about fifty). It
 * lives in node_modules/.cache so that the packages it leaves out resolve from
 * the repository's node_modules: those with native addons (they find their
 * binaries next to their own files) and ws's optional native helpers.
 * Nothing is minified, so stack traces keep their function names.
 */
import { mkdir, readdir, rm } from 'node:fs/promises'
import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { build } from 'esbuild'
import { isAlive } from './process-alive.ts'
import { REPO_ROOT } from './test-run.ts'

const NATIVE = ['classic-level', 'node-datachannel', '@node-datachannel/*', 'bufferutil', 'utf-8-validate']

/** relay-node's entry point, relative to the repository root */
export const RELAY_ENTRY = 'relay-node/src/bin.ts'

/** The environment variable that names a bundle a parent process built for this run. */
export const RELAY_BUNDLE_ENV = 'PARLEY_RELAY_BUNDLE'

let built: Promise<string> | undefined

/** The path of this process's relay-node bundle: the run's (see {@link RELAY_BUNDLE_ENV}), else built on the first call. */
export async function relayBundle (): Promise<string> {
  const shared = process.env[RELAY_BUNDLE_ENV]
  if (shared !== undefined && shared !== '' && existsSync(shared)) return shared
  built ??= buildBundle().catch((err: unknown) => {
    built = undefined
    throw err
  })
  return built
}

async function buildBundle (): Promise<string> {
  const dir = resolve(REPO_ROOT, 'node_modules', '.cache', 'parley-relay')
  await mkdir(dir, { recursive: true })
  await removeLeftovers(dir)
  const outfile = resolve(dir, `relay-node-${process.pid}.mjs`)
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [RELAY_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: NATIVE,
    // CommonJS packages inside an ES module bundle call `require`
    banner: { js: "import { createRequire as parleyCreateRequire } from 'node:module'; const require = parleyCreateRequire(import.meta.url);" },
    logLevel: 'silent'
  })
  process.once('exit', () => { rmSync(outfile, { force: true }) })
  return outfile
}

/** Deletes the bundles of processes that ended without deleting theirs (killed). */
async function removeLeftovers (dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = /^relay-node-(\d+)\.mjs$/.exec(name)?.[1]
    if (pid !== undefined && !isAlive(Number(pid))) await rm(resolve(dir, name), { force: true })
  }
}
