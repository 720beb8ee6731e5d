/**
 * A release of the built app (issue 61; docs/deploy.md): the files of
 * `dist/`, a manifest naming each with its SHA-256, signed with the
 * publisher's release key (packages/protocol/src/release/manifest.ts), and a
 * `config.json` for the host to fill in. The release key is a file the
 * publisher keeps, never in the repository.
 */
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import {
  MANIFEST_FILE, RELEASE_FORMAT, SIGNATURE_FILE, UNSIGNED_FILES, decodeManifest, encodeManifest, encodeSignature, endorseKey, keyFingerprint, newReleaseSecret, releasePublicKey, sha256Hex, signManifest
} from '@parley/protocol/release/manifest'
import type { ReleaseManifest } from '@parley/protocol/release/manifest'

const KEY_FORMAT = 'parley-release-key/1'

export interface ReleaseKey {
  secret: Uint8Array
  publicKey: Uint8Array
}

/** A release key file: `{ format, secret, publicKey }`, hex. @throws Error saying what is wrong with it */
export async function readReleaseKey (file: string): Promise<ReleaseKey> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new Error(`${file} is not a release key file: ${err instanceof Error ? err.message : String(err)}`)
  }
  const { format, secret, publicKey } = (value ?? {}) as Record<string, unknown>
  if (format !== KEY_FORMAT || typeof secret !== 'string' || !/^[0-9a-f]{64}$/.test(secret)) throw new Error(`${file} is not a release key file (${KEY_FORMAT})`)
  const key = { secret: hexToBytes(secret), publicKey: releasePublicKey(hexToBytes(secret)) }
  if (publicKey !== bytesToHex(key.publicKey)) throw new Error(`${file}: its public key is not its secret's`)
  return key
}

/** Makes a new release key in `file`, readable by its owner only. @throws Error when the file exists */
export async function writeNewReleaseKey (file: string): Promise<ReleaseKey> {
  const secret = newReleaseSecret()
  const key = { secret, publicKey: releasePublicKey(secret) }
  const text = JSON.stringify({ format: KEY_FORMAT, secret: bytesToHex(secret), publicKey: bytesToHex(key.publicKey) }, null, 2) + '\n'
  await writeFile(file, text, { flag: 'wx', mode: 0o600 }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${file} exists already: a new key never replaces one`)
    throw err
  })
  return key
}

export interface ReleaseInit {
  /** the built app */
  dist: string
  /** where the release goes (emptied first) */
  out: string
  key: ReleaseKey
  version: string
  commit: string
  builtAt: number
  /** the previous release's manifest bytes, if any */
  previous?: Uint8Array
  /** the key that signed the previous release, when this one is signed by a new key */
  endorsedBy?: ReleaseKey
}

/** What the host sets: the relays browsers use, and ICE servers (docs/deploy.md). */
const CONFIG_TEMPLATE = {
  relays: [
    '/dns4/relay-1.example.org/tcp/443/wss/p2p/<the PeerID relay-node prints>',
    '/dns4/relay-2.example.org/tcp/443/wss/p2p/<the PeerID relay-node prints>'
  ],
  iceServers: [{ urls: ['stun:relay-1.example.org:3478'] }]
}

/** Every file under `dir`, by its path relative to `dir` with `/`, sorted. */
export async function filesUnder (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile()).map(e => relative(dir, join(e.parentPath, e.name)).split('\\').join('/')).sort()
}

/** Writes the release (see the top); resolves its manifest and the files to upload. */
export async function makeRelease (init: ReleaseInit): Promise<{ manifest: ReleaseManifest, bytes: Uint8Array, upload: string[] }> {
  const built = await filesUnder(init.dist)
  const unsigned = built.filter(f => UNSIGNED_FILES.includes(f))
  if (unsigned.length > 0) throw new Error(`the build holds ${unsigned.join(', ')}, which a release leaves to its host`)
  const previous = init.previous === undefined ? null : sha256Hex(init.previous)
  if (init.previous !== undefined) {
    // apps pinned the previous release's key: this one must be signed by it, or by a key it endorses
    const before = decodeManifest(init.previous).key
    const by = init.endorsedBy ?? init.key
    if (before !== bytesToHex(by.publicKey)) {
      throw new Error(`the previous release is signed by the key ${keyFingerprint(before)}, and this one would be ${init.endorsedBy === undefined ? 'signed' : 'endorsed'} by ${keyFingerprint(by.publicKey)}: apps that pinned the previous key would refuse it (sign with that key, or endorse the new one with it: --endorse-with)`)
    }
  }
  await rm(init.out, { recursive: true, force: true })
  await mkdir(init.out, { recursive: true })
  await cp(init.dist, init.out, { recursive: true })
  const files: Record<string, string> = {}
  for (const path of built) files[path] = sha256Hex(await readFile(join(init.out, path)))
  const manifest: ReleaseManifest = {
    format: RELEASE_FORMAT,
    version: init.version,
    commit: init.commit,
    builtAt: init.builtAt,
    previous,
    key: bytesToHex(init.key.publicKey),
    endorsedBy: init.endorsedBy === undefined ? null : endorseKey(init.endorsedBy.secret, init.key.publicKey),
    files
  }
  const bytes = encodeManifest(manifest)
  await writeFile(join(init.out, MANIFEST_FILE), bytes)
  await writeFile(join(init.out, SIGNATURE_FILE), encodeSignature(signManifest(bytes, init.key.secret)))
  await writeFile(join(init.out, 'config.json'), JSON.stringify(CONFIG_TEMPLATE, null, 2) + '\n')
  return { manifest, bytes, upload: await filesUnder(init.out) }
}
