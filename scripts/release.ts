/**
 * `npm run release`: builds this commit (reproducibly: scripts/lib/build-time.ts)
 * and writes a release of it (scripts/lib/release.ts; docs/deploy.md).
 *
 *   npm run release -- --new-key FILE            a new release key in FILE, and the release signed with it
 *   npm run release -- --key FILE                the release signed with the key in FILE
 *     [--previous FILE]      the previous release's parley-release.json: this one names it
 *     [--endorse-with FILE]  the previous release's key, when this release is signed by a new one
 *     [--out DIR]            where the release goes (default release/)
 *
 * The key file never lives in the repository; a release is of a commit, so
 * a working tree with changes is refused.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { keyFingerprint } from '@parley/protocol/release/manifest'
import { buildTimeMs } from './lib/build-time.ts'
import { makeRelease, readReleaseKey, writeNewReleaseKey } from './lib/release.ts'

const ROOT = resolve(import.meta.dirname, '..')

function fail (message: string): never {
  console.error(`release: ${message}`)
  process.exit(2)
}

const { values } = parseArgs({
  options: { key: { type: 'string' }, 'new-key': { type: 'string' }, previous: { type: 'string' }, 'endorse-with': { type: 'string' }, out: { type: 'string' } },
  strict: true
})
const keyFile = values.key ?? values['new-key']
if (keyFile === undefined || (values.key !== undefined && values['new-key'] !== undefined)) fail('give the release key: --key FILE, or --new-key FILE to make one')
const inRepo = (file: string): boolean => { const path = relative(ROOT, resolve(file)); return path === '' || (!path.startsWith('..') && !isAbsolute(path)) }
if (inRepo(keyFile)) fail(`${keyFile} is inside the repository: keep the release key elsewhere, where no commit can take it`)
const git = (...args: string[]): string => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
if (git('status', '--porcelain') !== '') fail('the working tree has changes that are not committed: a release is of a commit (commit or stash them first)')

const key = values.key !== undefined ? await readReleaseKey(values.key) : await writeNewReleaseKey(keyFile)
const endorsedBy = values['endorse-with'] === undefined ? undefined : await readReleaseKey(values['endorse-with'])
const previous = values.previous === undefined ? undefined : new Uint8Array(await readFile(values.previous))
const out = resolve(values.out ?? join(ROOT, 'release'))

const built = spawnSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' })
if (built.status !== 0) fail('the build failed')
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
const commit = git('rev-parse', 'HEAD')
const release = await makeRelease({ dist: join(ROOT, 'dist'), out, key, version, commit, builtAt: buildTimeMs(process.env, ROOT), ...(previous === undefined ? {} : { previous }), ...(endorsedBy === undefined ? {} : { endorsedBy }) })

console.log(`Parley ${version} (${commit.slice(0, 12)}) is in ${out}: ${release.upload.length} files.`)
console.log('Fill in config.json (the relays, ICE servers), then upload every file there to the root of the site, as they are.')
console.log(`Release key fingerprint: ${keyFingerprint(key.publicKey)}`)
if (values['new-key'] !== undefined) console.log(`The new release key is in ${keyFile}: keep it safe, and out of any repository. Apps installed from this release pin it.`)
