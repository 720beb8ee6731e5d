/**
 * What the service worker (src/sw.ts) checks before it installs a version of
 * the app (issue 61; docs/security.md, "The code a URL serves"):
 *
 * - The release's manifest and signature (packages/protocol release/manifest)
 *   must be signed by the release key pinned at first install, or by a new
 *   key that key endorsed; the new key is pinned from then on.
 * - The worker's own precache list (each file with its SHA-256, written by
 *   the build: scripts/lib/precache-hashes.ts) must be the manifest's: same
 *   files, same hashes. So a worker can only install the release it belongs to.
 * - Each file it fetches must have its hash (`fileMismatch`, in the worker's
 *   fetch plugin), or the install fails naming the file.
 *
 * Before any key is pinned, a host that serves no manifest (or something that
 * is not one, as hosts that answer every path with index.html do) runs an
 * unsigned build: nothing is pinned and nothing checked but the files' hashes.
 * Once a key is pinned, a version without a valid signature is refused.
 *
 * Pure, but for `fetchOffer` (given a fetch): the worker and the tests call it.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { readBounded } from '@parley/protocol/read-bounded'
import {
  MANIFEST_FILE, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, SIGNATURE_FILE, decodeManifest, decodeSignature, keyFingerprint, sha256Hex, verifyRelease
} from '@parley/protocol/release/manifest'

/** A version the worker installed: a signed release, or an unsigned build (no manifest where it was served). */
export type InstalledRelease =
  | { signed: true, version: string, commit: string, builtAt: number, key: string, fingerprint: string, manifestHash: string }
  | { signed: false }

export type RefusalReason = 'unsigned' | 'malformed' | 'bad-signature' | 'unknown-key' | 'not-this-release' | 'file'

/** Why a version was not installed; `file` names the file that differs, `version` the version offered when its manifest said. */
export interface Refusal {
  reason: RefusalReason
  detail: string
  at: number
  version?: string
  file?: string
}

/** What a host served as the release's manifest and signature: undefined where it served none (not 200). */
export interface Offer {
  manifest: Uint8Array | undefined
  signature: Uint8Array | undefined
}

export type Judgement =
  | { ok: true, release: InstalledRelease }
  | { ok: false, refusal: Omit<Refusal, 'at'> }


/**
 * Judges an offered version: `pinned` is the pinned key (hex), undefined
 * before any; `precache` maps each path the worker precaches (from the app's
 * root, no leading slash) to its SHA-256 (hex).
 */
export function judgeOffer (offer: Offer, pinned: string | undefined, precache: ReadonlyMap<string, string>): Judgement {
  const refuse = (reason: RefusalReason, detail: string, more: { version?: string, file?: string } = {}): Judgement => ({ ok: false, refusal: { reason, detail, ...more } })
  if (offer.manifest === undefined || offer.signature === undefined) {
    if (pinned === undefined) return { ok: true, release: { signed: false } }
    return refuse('unsigned', `the server serves no ${offer.manifest === undefined ? MANIFEST_FILE : SIGNATURE_FILE}`)
  }
  let key = pinned
  if (key === undefined) {
    // nothing pinned yet: what is not a manifest at all is a host without releases; a manifest must hold under its own key
    try {
      key = decodeManifest(offer.manifest).key
    } catch {
      return { ok: true, release: { signed: false } }
    }
  }
  // a signature file that is not one holds for nothing (verifyRelease reads the manifest first)
  const signature = decodeSignature(offer.signature) ?? new Uint8Array(0)
  const verdict = verifyRelease(offer.manifest, signature, key)
  if (!verdict.ok) return refuse(verdict.reason, verdict.detail, versionOf(offer.manifest))
  const { manifest } = verdict
  for (const [path, hash] of precache) {
    const signed = manifest.files[path]
    if (signed === undefined) return refuse('not-this-release', `the release does not list ${path}, which this version loads`, { version: manifest.version, file: path })
    if (signed !== hash) return refuse('not-this-release', `the release signs another ${path} than this version loads`, { version: manifest.version, file: path })
  }
  return {
    ok: true,
    release: {
      signed: true,
      version: manifest.version,
      commit: manifest.commit,
      builtAt: manifest.builtAt,
      key: manifest.key,
      fingerprint: keyFingerprint(manifest.key),
      manifestHash: sha256Hex(offer.manifest)
    }
  }
}

/** The version a manifest names, for the words of a refusal; nothing when it cannot be read. */
function versionOf (bytes: Uint8Array): { version?: string } {
  try {
    return { version: decodeManifest(bytes).version }
  } catch {
    return {}
  }
}

/**
 * Reads what the host serves as the release's manifest and signature (never
 * from a cache); a file the host does not serve is undefined.
 *
 * @throws when the host cannot be reached (an install then fails as any offline install does)
 */
export async function fetchOffer (get: (name: string, signal: AbortSignal) => Promise<Response>, signal: AbortSignal): Promise<Offer> {
  const [manifest, signature] = await Promise.all([
    readServed(get, MANIFEST_FILE, MAX_MANIFEST_BYTES, signal),
    readServed(get, SIGNATURE_FILE, MAX_SIGNATURE_BYTES, signal)
  ])
  return { manifest, signature }
}

async function readServed (get: (name: string, signal: AbortSignal) => Promise<Response>, name: string, max: number, signal: AbortSignal): Promise<Uint8Array | undefined> {
  const response = await get(name, signal)
  if (response.status !== 200 || response.body === null) {
    await response.body?.cancel()
    return undefined
  }
  // larger than any manifest: not one (the judgement says so)
  return await readBounded(response.body, max) ?? new Uint8Array(max + 1)
}

/** The precache list's hashes by path (no leading slash). Every build writes one for each entry. */
export function precacheHashMap (entries: ReadonlyArray<string | { url: string, sha256?: unknown }>): Map<string, string> {
  const map = new Map<string, string>()
  for (const entry of entries) {
    if (typeof entry === 'string' || typeof entry.sha256 !== 'string') continue
    map.set(entry.url.replace(/^\//, ''), entry.sha256)
  }
  return map
}

/** Why a fetched file is not the one the precache list names, or undefined when it is (or the list has no hash for it). */
export async function fileMismatch (path: string, body: ArrayBuffer, precache: ReadonlyMap<string, string>): Promise<string | undefined> {
  const expected = precache.get(path)
  if (expected === undefined) return undefined
  const actual = bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', body)))
  return actual === expected ? undefined : `${path} is not the file this version was built with (SHA-256 ${actual.slice(0, 16)}…, expected ${expected.slice(0, 16)}…)`
}
