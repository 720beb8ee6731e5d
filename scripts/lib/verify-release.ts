/**
 * Checking what a Parley URL serves (issue 61, `parley-verify`): its release
 * manifest and signature (docs/protocols.md, "Releases"), then every file the
 * manifest names, fetched from the URL and hashed; optionally each file
 * against a reproducible build of the commit the manifest names. A monitor
 * can run it on a schedule: the exit code says whether all held.
 */
import { execFile } from 'node:child_process'
import { appendFile, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { readBounded } from '@parley/protocol/read-bounded'
import {
  MANIFEST_FILE, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, SIGNATURE_FILE, decodeManifest, decodeSignature, keyFingerprint, sha256Hex, verifyRelease
} from '@parley/protocol/release/manifest'
import { filesUnder } from './release.ts'
import type { ReleaseManifest } from '@parley/protocol/release/manifest'

const run = promisify(execFile)

/** One file the app loads is at most this big (the QR reader's wasm is about 1 MiB, the worker under 1). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024
/** Files fetched at once. */
const CONCURRENCY = 4

export type FileVerdict = 'ok' | 'changed' | 'missing' | 'not-built' | 'differs-from-build'

export interface VerifyReport {
  /** undefined when the manifest itself could not be read or its signature does not hold */
  manifest?: ReleaseManifest
  /** what is wrong with the manifest or its signature, in words */
  problem?: string
  fingerprint?: string
  files: Array<{ path: string, verdict: FileVerdict, detail?: string }>
  /** every file served as signed (and built the same, when a build was compared) */
  ok: boolean
}

export interface VerifyOptions {
  /** the release key expected (hex): the manifest must be signed by it or by a key it endorsed */
  key?: string
  /** the SHA-256 of each file of a build of the manifest's commit, by path (`--build-from`) */
  built?: (commit: string) => Promise<Map<string, string>>
  timeoutMs?: number
  fetch?: typeof fetch
}

async function fetchBytes (fetcher: typeof fetch, url: URL, limit: number, timeoutMs: number): Promise<{ status: number, bytes?: Uint8Array }> {
  const response = await fetcher(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' })
  if (!response.ok || response.body === null) return { status: response.status }
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > limit) throw new Error(`${url.href} is ${declared} bytes, more than ${limit}`)
  const bytes = await readBounded(response.body, limit)
  if (bytes === undefined) throw new Error(`${url.href} is more than ${limit} bytes`)
  return { status: response.status, bytes }
}

/** Checks the release served at `base` (see the top of this file). */
export async function verifyUrl (base: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const fetcher = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 30_000
  const root = new URL(base.endsWith('/') ? base : `${base}/`)
  const manifestFile = await fetchBytes(fetcher, new URL(MANIFEST_FILE, root), MAX_MANIFEST_BYTES, timeoutMs)
  const signatureFile = await fetchBytes(fetcher, new URL(SIGNATURE_FILE, root), MAX_SIGNATURE_BYTES, timeoutMs)
  if (manifestFile.bytes === undefined || signatureFile.bytes === undefined) {
    return { problem: `the URL serves no release: ${MANIFEST_FILE} answered ${manifestFile.status}, ${SIGNATURE_FILE} ${signatureFile.status}`, files: [], ok: false }
  }
  const signature = decodeSignature(signatureFile.bytes)
  if (signature === undefined) return { problem: `${SIGNATURE_FILE} is not a signature (128 hex digits)`, files: [], ok: false }
  let manifest: ReleaseManifest
  try {
    manifest = decodeManifest(manifestFile.bytes)
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err), files: [], ok: false }
  }
  // without a key given, the manifest must at least be signed by the key it names (the fingerprint says which)
  const verdict = verifyRelease(manifestFile.bytes, signature, options.key ?? manifest.key)
  const fingerprint = keyFingerprint(manifest.key)
  if (!verdict.ok) return { problem: `${verdict.detail} (${verdict.reason})`, fingerprint, files: [], ok: false }

  const built = options.built === undefined ? undefined : await options.built(manifest.commit)
  const paths = Object.keys(manifest.files)
  const files: VerifyReport['files'] = new Array(paths.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, paths.length) }, async () => {
    for (let i = next++; i < paths.length; i = next++) {
      const path = paths[i] ?? ''
      const got = await fetchBytes(fetcher, new URL(path, root), MAX_FILE_BYTES, timeoutMs).catch((err: unknown) => ({ status: 0, error: err instanceof Error ? err.message : String(err) }))
      if (!('bytes' in got) || got.bytes === undefined) {
        files[i] = { path, verdict: 'missing', detail: 'error' in got ? got.error : `HTTP ${got.status}` }
        continue
      }
      const hash = sha256Hex(got.bytes)
      if (hash !== manifest.files[path]) files[i] = { path, verdict: 'changed', detail: `served ${hash.slice(0, 16)}…, signed ${manifest.files[path]?.slice(0, 16) ?? ''}…` }
      else if (built !== undefined && !built.has(path)) files[i] = { path, verdict: 'not-built', detail: `the build of ${manifest.commit.slice(0, 12)} has no such file` }
      else if (built !== undefined && built.get(path) !== hash) files[i] = { path, verdict: 'differs-from-build', detail: `the build of ${manifest.commit.slice(0, 12)} makes ${built.get(path)?.slice(0, 16) ?? ''}…` }
      else files[i] = { path, verdict: 'ok' }
    }
  }))
  const extraBuilt = built === undefined ? [] : [...built.keys()].filter(p => !(p in manifest.files))
  const problem = extraBuilt.length > 0 ? `the build of ${manifest.commit.slice(0, 12)} has files the manifest does not name: ${extraBuilt.slice(0, 5).join(', ')}` : undefined
  return { manifest, fingerprint, files, ok: problem === undefined && files.every(f => f.verdict === 'ok'), ...(problem === undefined ? {} : { problem }) }
}

/** The report as lines of text: the release, each file's verdict, the verdict. */
export function reportLines (report: VerifyReport): string[] {
  const lines: string[] = []
  if (report.manifest !== undefined) {
    const { version, commit, key } = report.manifest
    lines.push(`Parley ${version}, commit ${commit}: the signature holds, by the release key ${report.fingerprint ?? keyFingerprint(key)}`)
  }
  for (const file of report.files) lines.push(`${file.verdict.padEnd(18)} ${file.path}${file.detail === undefined ? '' : `  (${file.detail})`}`)
  if (report.problem !== undefined) lines.push(`problem: ${report.problem}`)
  lines.push(report.ok ? 'verdict: every file is the signed release' : 'verdict: NOT the signed release')
  return lines
}

/**
 * A clean clone of `repo` (at `commit`, else its HEAD) in `dir`, with the
 * installed packages of the checkout at `root` (a symlink its git ignores,
 * as a clone's own node_modules would be), ready to build.
 */
export async function cleanClone (repo: string, dir: string, root: string, commit?: string): Promise<void> {
  await run('git', ['clone', '--quiet', '--no-hardlinks', ...(commit === undefined ? [] : ['--no-checkout']), repo, dir])
  if (commit !== undefined) await run('git', ['checkout', '--quiet', commit], { cwd: dir }).catch(() => { throw new Error(`${repo} has no commit ${commit}`) })
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'))
  await appendFile(join(dir, '.git', 'info', 'exclude'), '\nnode_modules\n')
}

/**
 * The SHA-256 of each file of a build of `commit`, cloned from `repo` into a
 * directory of its own and built with this checkout's node_modules (`root`),
 * which the commit's lock file must match (else it says so: install in a
 * clone of the commit instead).
 */
export async function buildOf (repo: string, commit: string, root: string): Promise<Map<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-verify-'))
  try {
    await cleanClone(repo, dir, root, commit)
    const lock = async (at: string): Promise<string> => readFile(join(at, 'package-lock.json'), 'utf8').catch(() => '')
    if (await lock(dir) !== await lock(root)) throw new Error(`the lock file of ${commit.slice(0, 12)} is not this checkout's: run parley-verify from a checkout of that commit, after npm ci`)
    await run(join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'error'], { cwd: dir, env: { ...process.env, SOURCE_DATE_EPOCH: '' } })
    const hashes = new Map<string, string>()
    for (const path of await filesUnder(join(dir, 'dist'))) hashes.set(path, sha256Hex(await readFile(join(dir, 'dist', path))))
    return hashes
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
