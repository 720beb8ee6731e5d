/**
 * Releases for the tests of issue 61: builds of this checkout made apart
 * from `dist/` (each with its own build time, so each is a new version of
 * every file that carries it), signed as `npm run release` signs them
 * (scripts/lib/release.ts), and a site whose files are swapped from one
 * release to another, as a host's are by a deploy.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, readdir, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { newReleaseSecret, releasePublicKey } from '@parley/protocol/release/manifest'
import { makeRelease } from '../../scripts/lib/release.ts'
import type { ReleaseKey } from '../../scripts/lib/release.ts'

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const run = promisify(execFile)

/** A build of this checkout into `outDir`, standing for the time `epochSeconds` (SOURCE_DATE_EPOCH). */
export async function buildApp (outDir: string, epochSeconds: number): Promise<void> {
  await run(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    env: { ...process.env, SOURCE_DATE_EPOCH: String(epochSeconds) },
    maxBuffer: 16 * 1024 * 1024
  })
}

export function newKey (): ReleaseKey {
  const secret = newReleaseSecret()
  return { secret, publicKey: releasePublicKey(secret) }
}

export { makeRelease }

/** Replaces every file of `site` with those of `release` (the directory itself stays: a server serves it). */
export async function deploy (release: string, site: string): Promise<void> {
  await mkdir(site, { recursive: true })
  for (const entry of await readdir(site)) await rm(join(site, entry), { recursive: true, force: true })
  await cp(release, site, { recursive: true })
}
