/**
 * A Parley release's manifest (issue 61; docs/protocols.md, "Releases"): what
 * one version of the app is, file by file, signed with its publisher's
 * Ed25519 release key. `npm run release` writes it beside the app
 * (MANIFEST_FILE, and its signature in SIGNATURE_FILE); the installed app's
 * service worker and `parley-verify` check what a URL serves against it.
 *
 * The manifest is canonical JSON (fields in the order below, files sorted
 * by path, one trailing newline), so its bytes are signed and hashed as
 * they are stored: the next release names this one by the SHA-256 of those
 * bytes (`previous`). A release signed by a new key carries the old key's
 * endorsement of the new one (`endorsedBy`), so that an app that pinned the
 * old key can take it.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { isRecord } from '../is-record.ts'

export const RELEASE_FORMAT = 'parley-release/1'
/** The manifest's and its signature's names, at the app's root. */
export const MANIFEST_FILE = 'parley-release.json'
export const SIGNATURE_FILE = 'parley-release.sig'
/** What a release's host sets itself: never in a manifest. */
export const UNSIGNED_FILES: readonly string[] = ['config.json', MANIFEST_FILE, SIGNATURE_FILE]
export const MAX_MANIFEST_BYTES = 1024 * 1024
/** Larger than any signature file (128 hex digits and a newline) a host could serve. */
export const MAX_SIGNATURE_BYTES = 1024
export const MAX_RELEASE_FILES = 4096
/** What an endorsement signs before the new key: a signature for nothing else can pass for one. */
const ENDORSE_CONTEXT = new TextEncoder().encode('parley-release-key/1 endorses ')

export interface ReleaseManifest {
  format: typeof RELEASE_FORMAT
  /** the app's version (package.json) */
  version: string
  /** the git commit it was built from, 40 hex digits */
  commit: string
  /** the build's time, ms (what the app carries as its build, scripts/lib/build-time.ts) */
  builtAt: number
  /** the SHA-256 of the previous release's manifest bytes (hex), or null for the first */
  previous: string | null
  /** the release key's Ed25519 public key (hex) */
  key: string
  /** the previous key and its signature over this key (hex each), when the key changed */
  endorsedBy: { key: string, signature: string } | null
  /** each file the app loads, by path from the app's root, and the SHA-256 of its bytes (hex) */
  files: Record<string, string>
}

export class ReleaseManifestError extends Error {
  override name = 'ReleaseManifestError'
}

const HEX64 = /^[0-9a-f]{64}$/
const HEX128 = /^[0-9a-f]{128}$/
const COMMIT = /^[0-9a-f]{40}$/
/** A path as a URL names it under the app's root: no empty, `.` or `..` segment, no backslash. */
const PATH = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._~@+-]+(?:\/[A-Za-z0-9._~@+-]+)*$/

export function sha256Hex (bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes))
}

/** The canonical bytes of `manifest` (checked first). */
export function encodeManifest (manifest: ReleaseManifest): Uint8Array {
  check(manifest)
  const files: Record<string, string> = {}
  for (const path of Object.keys(manifest.files).sort()) files[path] = manifest.files[path] ?? ''
  const { format, version, commit, builtAt, previous, key, endorsedBy } = manifest
  const ordered = { format, version, commit, builtAt, previous, key, endorsedBy: endorsedBy === null ? null : { key: endorsedBy.key, signature: endorsedBy.signature }, files }
  return new TextEncoder().encode(JSON.stringify(ordered, null, 2) + '\n')
}

/**
 * Reads a manifest's bytes; refuses anything but the canonical bytes of a
 * valid manifest (so that what was signed is what is read).
 *
 * @throws ReleaseManifestError saying what is wrong
 */
export function decodeManifest (bytes: Uint8Array): ReleaseManifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new ReleaseManifestError(`the manifest is ${bytes.byteLength} bytes, more than ${MAX_MANIFEST_BYTES}`)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new ReleaseManifestError('the manifest is not JSON')
  }
  if (!isRecord(value)) throw new ReleaseManifestError('the manifest is not an object')
  const manifest = value as unknown as ReleaseManifest
  check(manifest)
  const canonical = encodeManifest(manifest)
  if (canonical.byteLength !== bytes.byteLength || !canonical.every((b, i) => b === bytes[i])) throw new ReleaseManifestError('the manifest is not in its canonical form')
  return manifest
}

function check (m: ReleaseManifest): void {
  const fail = (what: string): never => { throw new ReleaseManifestError(`the manifest's ${what}`) }
  const keys = Object.keys(m)
  const expected = ['format', 'version', 'commit', 'builtAt', 'previous', 'key', 'endorsedBy', 'files']
  if (keys.length !== expected.length || !expected.every(k => keys.includes(k))) fail(`fields are not ${expected.join(', ')}`)
  if (m.format !== RELEASE_FORMAT) fail(`format is not ${RELEASE_FORMAT}`)
  if (typeof m.version !== 'string' || m.version.length === 0 || m.version.length > 64) fail('version is not a string of 1 to 64 characters')
  if (typeof m.commit !== 'string' || !COMMIT.test(m.commit)) fail('commit is not 40 hex digits')
  if (!Number.isSafeInteger(m.builtAt) || m.builtAt < 0) fail('builtAt is not a time in ms')
  if (m.previous !== null && (typeof m.previous !== 'string' || !HEX64.test(m.previous))) fail('previous is neither null nor a SHA-256 in hex')
  if (typeof m.key !== 'string' || !HEX64.test(m.key)) fail('key is not an Ed25519 public key in hex')
  if (m.endorsedBy !== null) {
    if (!isRecord(m.endorsedBy) || Object.keys(m.endorsedBy).length !== 2 || typeof m.endorsedBy.key !== 'string' || !HEX64.test(m.endorsedBy.key) ||
      typeof m.endorsedBy.signature !== 'string' || !HEX128.test(m.endorsedBy.signature)) fail('endorsedBy is neither null nor { key, signature } in hex')
  }
  if (!isRecord(m.files)) fail('files is not an object')
  const paths = Object.keys(m.files)
  if (paths.length === 0 || paths.length > MAX_RELEASE_FILES) fail(`files list none, or more than ${MAX_RELEASE_FILES}`)
  for (const path of paths) {
    // all digits: JavaScript would order such a key before the others, whatever the sort
    if (path.length > 256 || !PATH.test(path) || /^\d+$/.test(path)) fail(`files name a path that is not one: ${JSON.stringify(path.slice(0, 100))}`)
    if (UNSIGNED_FILES.includes(path)) fail(`files name ${path}, which a release does not sign`)
    const hash = m.files[path]
    if (typeof hash !== 'string' || !HEX64.test(hash)) fail(`hash of ${path} is not a SHA-256 in hex`)
  }
}

/** A release key's public key, from its 32-byte secret. */
export function releasePublicKey (secret: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secret)
}

/** A new release key's 32-byte secret. */
export function newReleaseSecret (): Uint8Array {
  return ed25519.utils.randomSecretKey()
}

/** What a person compares: the first 16 bytes of the SHA-256 of the public key, in groups of four hex digits. */
export function keyFingerprint (publicKey: Uint8Array | string): string {
  const bytes = typeof publicKey === 'string' ? hexToBytes(publicKey) : publicKey
  return bytesToHex(sha256(bytes).subarray(0, 16)).match(/.{4}/g)?.join(' ') ?? ''
}

export function signManifest (bytes: Uint8Array, secret: Uint8Array): Uint8Array {
  return ed25519.sign(bytes, secret)
}

const SIGNATURE_TEXT = /^\s*([0-9a-f]{128})\s*$/

/** The bytes of SIGNATURE_FILE for `signature`: 128 lowercase hex digits and a newline. */
export function encodeSignature (signature: Uint8Array): Uint8Array {
  return new TextEncoder().encode(bytesToHex(signature) + '\n')
}

/** The signature SIGNATURE_FILE's bytes hold, or undefined when they are not one (white space around the digits allowed). */
export function decodeSignature (bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.byteLength > MAX_SIGNATURE_BYTES) return undefined
  const hex = SIGNATURE_TEXT.exec(new TextDecoder().decode(bytes))?.[1]
  return hex === undefined ? undefined : hexToBytes(hex)
}

/** The old key's endorsement of `newKey`, for a manifest's `endorsedBy`. */
export function endorseKey (oldSecret: Uint8Array, newKey: Uint8Array): { key: string, signature: string } {
  return { key: bytesToHex(releasePublicKey(oldSecret)), signature: bytesToHex(ed25519.sign(endorsed(newKey), oldSecret)) }
}

function endorsed (newKey: Uint8Array): Uint8Array {
  const message = new Uint8Array(ENDORSE_CONTEXT.byteLength + newKey.byteLength)
  message.set(ENDORSE_CONTEXT)
  message.set(newKey, ENDORSE_CONTEXT.byteLength)
  return message
}

export type ReleaseVerdict =
  | { ok: true, manifest: ReleaseManifest, key: string }
  | { ok: false, reason: 'malformed' | 'bad-signature' | 'unknown-key', detail: string }

/**
 * Checks a manifest's bytes and signature against the key an app pinned
 * (hex): signed by that key, or by a new key that key endorsed. Resolves
 * the key it was signed with, which the app pins from then on.
 */
export function verifyRelease (bytes: Uint8Array, signature: Uint8Array, pinned: string): ReleaseVerdict {
  let manifest: ReleaseManifest
  try {
    manifest = decodeManifest(bytes)
  } catch (err) {
    return { ok: false, reason: 'malformed', detail: err instanceof Error ? err.message : String(err) }
  }
  const key = hexToBytes(manifest.key)
  if (signature.byteLength !== 64 || !ed25519.verify(signature, bytes, key)) return { ok: false, reason: 'bad-signature', detail: 'the signature does not hold for this manifest and the key it names' }
  if (manifest.key === pinned) return { ok: true, manifest, key: manifest.key }
  const by = manifest.endorsedBy
  if (by === null || by.key !== pinned) return { ok: false, reason: 'unknown-key', detail: 'the manifest is signed by a key the pinned key did not endorse' }
  if (!ed25519.verify(hexToBytes(by.signature), endorsed(key), hexToBytes(by.key))) return { ok: false, reason: 'unknown-key', detail: 'the endorsement of the new key does not hold' }
  return { ok: true, manifest, key: manifest.key }
}
