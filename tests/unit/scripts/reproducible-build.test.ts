/**
 * A reproducible build (issue 61): two clean clones of this commit in
 * different directories build byte-identical dist/ trees, `npm run
 * release` (scripts/release.ts) signs what it built, and `npm run verify`
 * (scripts/parley-verify.ts) finds the release served as signed and as a
 * build of its commit makes it, then names a file changed. What could tell
 * them apart is read from the source instead (scripts/lib/build-time.ts:
 * the build's time is the commit's). Each clone borrows this checkout's
 * node_modules (the same lock file installs the same packages).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { MANIFEST_FILE, SIGNATURE_FILE, keyFingerprint, sha256Hex, verifyRelease } from '@parley/protocol/release/manifest'
import { buildTimeMs } from '../../../scripts/lib/build-time.ts'
import { filesUnder, readReleaseKey } from '../../../scripts/lib/release.ts'
import { startStaticServer } from '../../../scripts/lib/serve.ts'
import { cleanClone } from '../../../scripts/lib/verify-release.ts'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../../..')

/** A clean clone of this checkout's HEAD in a directory of its own (its borrowed node_modules ignored as a clone's own would be). */
async function cloneOf (dirs: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-repro-'))
  dirs.push(dir)
  await cleanClone(ROOT, dir, ROOT)
  return dir
}

const ENV = { ...process.env, SOURCE_DATE_EPOCH: '' }

describe('the build', () => {
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map(async dir => rm(dir, { recursive: true, force: true })))
  })

  it('is byte-identical from two clean clones in different directories; `npm run release` signs what it built, and parley-verify checks it', async () => {
    const first = await cloneOf(dirs)
    const outside = await mkdtemp(join(tmpdir(), 'parley-release-'))
    dirs.push(outside)
    const release = join(outside, 'release')
    const keyFile = join(outside, 'release.key')
    const tsx = async (script: string, cwd: string, ...args: string[]): Promise<{ stdout: string, stderr: string, code: number }> =>
      run(join(ROOT, 'node_modules', '.bin', 'tsx'), [script, ...args], { cwd, env: ENV })
        .then(r => ({ ...r, code: 0 }), (err: { stdout: string, stderr: string, code: number }) => err)

    // refused before anything is built or written: a key in the repository, a tree with changes
    expect(await tsx('scripts/release.ts', first, '--new-key', join(first, 'release.key'))).toMatchObject({ code: 2, stderr: expect.stringContaining('inside the repository') })
    await writeFile(join(first, 'README.md'), 'changed')
    expect(await tsx('scripts/release.ts', first, '--new-key', keyFile, '--out', release)).toMatchObject({ code: 2, stderr: expect.stringContaining('changes that are not committed') })
    await run('git', ['checkout', '--', 'README.md'], { cwd: first })
    expect(await readdir(outside)).toEqual([])

    // the first clone makes a release with a new key: every built file, signed, the fingerprint printed
    const made = await tsx('scripts/release.ts', first, '--new-key', keyFile, '--out', release)
    expect(made.code).toBe(0)
    const files = await filesUnder(join(first, 'dist'))
    expect(files).toContain('index.html')
    expect(files.some(f => /^assets\/node\.worker-.+\.js$/.test(f))).toBe(true)
    const key = await readReleaseKey(keyFile)
    expect(made.stdout).toContain(`Release key fingerprint: ${keyFingerprint(key.publicKey)}`)
    const bytes = new Uint8Array(await readFile(join(release, MANIFEST_FILE)))
    const signature = hexToBytes((await readFile(join(release, SIGNATURE_FILE), 'utf8')).trim())
    const verdict = verifyRelease(bytes, signature, bytesToHex(key.publicKey))
    if (!verdict.ok) throw new Error(verdict.detail)
    expect(Object.keys(verdict.manifest.files)).toEqual(files)
    for (const file of files) expect(verdict.manifest.files[file]).toBe(sha256Hex(await readFile(join(first, 'dist', file))))
    const { stdout: commit } = await run('git', ['rev-parse', 'HEAD'], { cwd: first })
    expect(verdict.manifest).toMatchObject({ commit: commit.trim(), previous: null, endorsedBy: null })
    expect(await filesUnder(release)).toEqual([...files, 'config.json', MANIFEST_FILE, SIGNATURE_FILE].sort())

    // parley-verify against the release served, with a build of its commit in a second clean clone in
    // another directory (--build-from): every file ok, none more in that build, so the two builds are the
    // same bytes; then one byte of the worker changed, which it names
    const server = await startStaticServer({ root: release, config: { relays: [] } })
    try {
      const verify = async (...extra: string[]): Promise<{ stdout: string, code: number }> =>
        tsx('scripts/parley-verify.ts', ROOT, server.url, '--key', bytesToHex(key.publicKey), ...extra)
      const good = await verify('--build-from', ROOT)
      expect(good.stdout.split('\n').filter(line => /^ok +/.test(line)).map(line => line.replace(/^ok +/, ''))).toEqual(files)
      expect(good.stdout).not.toContain('problem:')
      expect(good.stdout).toContain('verdict: every file is the signed release')
      expect(good.code).toBe(0)
      const worker = files.find(f => /^assets\/node\.worker-.+\.js$/.test(f)) ?? ''
      const changed = await readFile(join(release, worker))
      changed[100] = (changed[100] ?? 0) ^ 1
      await writeFile(join(release, worker), changed)
      const bad = await verify()
      expect(bad.code).toBe(1)
      expect(bad.stdout).toMatch(new RegExp(`^changed +${worker.replace('.', '\\.')}`, 'm'))
      expect(bad.stdout).toContain('verdict: NOT the signed release')
    } finally {
      await server.close()
    }
  }, 300_000)
})

describe('buildTimeMs', () => {
  it('is SOURCE_DATE_EPOCH when set; else the commit\'s time in a checkout with nothing changed; else now', async () => {
    expect(buildTimeMs({ SOURCE_DATE_EPOCH: '1700000000' }, ROOT, () => 1)).toBe(1_700_000_000_000)
    expect(() => buildTimeMs({ SOURCE_DATE_EPOCH: 'yesterday' }, ROOT, () => 1)).toThrow(/SOURCE_DATE_EPOCH is not a time in seconds/)
    // not a git checkout: now
    const plain = await mkdtemp(join(tmpdir(), 'parley-no-git-'))
    try {
      expect(buildTimeMs({}, plain, () => 42)).toBe(42)
    } finally {
      await rm(plain, { recursive: true, force: true })
    }
    // a clean clone: its commit's time; with a change, now
    const dir = await mkdtemp(join(tmpdir(), 'parley-clone-'))
    try {
      await run('git', ['clone', '--quiet', ROOT, dir])
      const { stdout } = await run('git', ['log', '-1', '--format=%ct'], { cwd: dir })
      expect(buildTimeMs({}, dir, () => 42)).toBe(Number(stdout.trim()) * 1000)
      await writeFile(join(dir, 'work-in-progress.txt'), 'not committed')
      expect(buildTimeMs({}, dir, () => 42)).toBe(42)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
