/**
 * parley-verify's check (scripts/lib/verify-release.ts) against a release
 * (scripts/lib/release.ts) of a small app, served over HTTP by the server
 * `npm start` uses: every file as signed; then one byte of one file changed,
 * a file gone, a manifest altered, another key expected, and a build that
 * differs, each named.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MANIFEST_FILE, newReleaseSecret, releasePublicKey, sha256Hex } from '@parley/protocol/release/manifest'
import { makeRelease } from '../../../scripts/lib/release.ts'
import { startStaticServer } from '../../../scripts/lib/serve.ts'
import { reportLines, verifyUrl } from '../../../scripts/lib/verify-release.ts'
import type { StaticServer } from '../../../scripts/lib/serve.ts'

const APP: Record<string, string> = {
  'index.html': '<!doctype html><script type="module" src="/assets/index-a1.js"></script>',
  'sw.js': 'self.addEventListener("fetch", () => {})',
  'assets/index-a1.js': 'console.log("the app")',
  'assets/node.worker-b2.js': 'onconnect = () => {}'
}

let dir: string
let release: string
let server: StaticServer | undefined
const secret = newReleaseSecret()
const key = bytesToHex(releasePublicKey(secret))

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-verify-test-'))
  const dist = join(dir, 'dist')
  for (const [path, text] of Object.entries(APP)) {
    await mkdir(join(dist, path, '..'), { recursive: true })
    await writeFile(join(dist, path), text)
  }
  release = join(dir, 'release')
  await makeRelease({ dist, out: release, key: { secret, publicKey: releasePublicKey(secret) }, version: '0.1.0', commit: 'c'.repeat(40), builtAt: 1 })
  server = await startStaticServer({ root: release, config: { relays: [] } })
})

afterEach(async () => {
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('a release after another', () => {
  it('names the previous manifest, and must be signed by its key or by a key it endorses', async () => {
    const dist = join(dir, 'dist')
    const previous = await readFile(join(release, MANIFEST_FILE))
    const next = { dist, out: join(dir, 'next'), version: '0.1.1', commit: 'd'.repeat(40), builtAt: 2, previous }
    const made = await makeRelease({ ...next, key: { secret, publicKey: releasePublicKey(secret) } })
    expect(made.manifest.previous).toBe(sha256Hex(previous))
    const newSecret = newReleaseSecret()
    const newKey = { secret: newSecret, publicKey: releasePublicKey(newSecret) }
    await expect(makeRelease({ ...next, key: newKey })).rejects.toThrow(/apps that pinned the previous key would refuse it/)
    await expect(makeRelease({ ...next, key: newKey, endorsedBy: newKey })).rejects.toThrow(/would be endorsed by/)
    const rotated = await makeRelease({ ...next, key: newKey, endorsedBy: { secret, publicKey: releasePublicKey(secret) } })
    expect(rotated.manifest.endorsedBy?.key).toBe(key)
  })
})

describe('parley-verify', () => {
  it('finds every file the signed release names, as signed', async () => {
    const report = await verifyUrl(server?.url ?? '', { key })
    expect(report.ok).toBe(true)
    expect(report.files.map(f => [f.path, f.verdict])).toEqual(Object.keys(APP).sort().map(path => [path, 'ok']))
    expect(reportLines(report).at(-1)).toBe('verdict: every file is the signed release')
    expect(reportLines(report)[0]).toContain(`commit ${'c'.repeat(40)}`)
  })

  it('names a file with one byte changed and a file gone', async () => {
    const chunk = join(release, 'assets', 'index-a1.js')
    const bytes = await readFile(chunk)
    bytes[0] = (bytes[0] ?? 0) ^ 1
    await writeFile(chunk, bytes)
    await rm(join(release, 'sw.js'))
    const report = await verifyUrl(server?.url ?? '', { key })
    expect(report.ok).toBe(false)
    expect(report.files.filter(f => f.verdict !== 'ok').map(f => [f.path, f.verdict])).toEqual([['assets/index-a1.js', 'changed'], ['sw.js', 'missing']])
    expect(reportLines(report).at(-1)).toBe('verdict: NOT the signed release')
  })

  it('refuses a manifest changed after signing, or signed by a key other than the one expected', async () => {
    const other = bytesToHex(releasePublicKey(newReleaseSecret()))
    expect(await verifyUrl(server?.url ?? '', { key: other })).toMatchObject({ ok: false, problem: expect.stringContaining('unknown-key'), files: [] })
    const manifest = join(release, MANIFEST_FILE)
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('"0.1.0"', '"0.1.1"'))
    expect(await verifyUrl(server?.url ?? '')).toMatchObject({ ok: false, problem: expect.stringContaining('bad-signature') })
    await rm(manifest)
    expect(await verifyUrl(server?.url ?? '')).toMatchObject({ ok: false, problem: expect.stringContaining('serves no release') })
  })

  it('compares each file with a build of the commit, when asked', async () => {
    const built = new Map(Object.entries(APP).map(([path, text]) => [path, sha256Hex(new TextEncoder().encode(text))]))
    expect((await verifyUrl(server?.url ?? '', { key, built: async () => built })).ok).toBe(true)
    built.set('sw.js', sha256Hex(new TextEncoder().encode('another service worker')))
    const report = await verifyUrl(server?.url ?? '', { key, built: async () => built })
    expect(report.files.filter(f => f.verdict !== 'ok').map(f => [f.path, f.verdict])).toEqual([['sw.js', 'differs-from-build']])
  })
})
