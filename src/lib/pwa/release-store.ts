/**
 * What the service worker keeps of releases (issue 61), in Cache Storage,
 * which the worker and the pages both read and which outlives every version
 * of the worker: the pinned release key, the version installed and waiting,
 * the version active, and the last version refused. Records are checked as
 * they are read; one that is not what it should be reads as absent.
 */
import { isRecord } from '@parley/protocol/is-record'
import type { InstalledRelease, Refusal, RefusalReason } from './release-guard.ts'

export const RELEASE_CACHE = 'parley-release'

export interface ReleaseRecords {
  /** the release key (hex) pinned at the first signed install, moved to a key it endorsed */
  pin: { key: string, fingerprint: string }
  /** the version the last successful install verified: the one that activates next */
  waiting: InstalledRelease
  /** the version that runs */
  active: InstalledRelease
  /** the last version refused (cleared by a successful install) */
  refused: Refusal
}

export type ReleaseRecordName = keyof ReleaseRecords

export interface ReleaseStore {
  get<K extends ReleaseRecordName>(name: K): Promise<ReleaseRecords[K] | undefined>
  put<K extends ReleaseRecordName>(name: K, value: ReleaseRecords[K]): Promise<void>
  delete(name: ReleaseRecordName): Promise<void>
}

const HEX64 = /^[0-9a-f]{64}$/
const REASONS: readonly RefusalReason[] = ['unsigned', 'malformed', 'bad-signature', 'unknown-key', 'not-this-release', 'file']

const CHECKS: { [K in ReleaseRecordName]: (value: unknown) => value is ReleaseRecords[K] } = {
  pin: (v): v is ReleaseRecords['pin'] => isRecord(v) && typeof v.key === 'string' && HEX64.test(v.key) && typeof v.fingerprint === 'string',
  waiting: (v): v is InstalledRelease => isInstalledRelease(v),
  active: (v): v is InstalledRelease => isInstalledRelease(v),
  refused: (v): v is Refusal => isRecord(v) && typeof v.reason === 'string' && (REASONS as readonly string[]).includes(v.reason) &&
    typeof v.detail === 'string' && typeof v.at === 'number' &&
    (v.version === undefined || typeof v.version === 'string') && (v.file === undefined || typeof v.file === 'string')
}

/** A refusal as the worker's message carries it. */
export function isRefusal (value: unknown): value is Refusal {
  return CHECKS.refused(value)
}

function isInstalledRelease (v: unknown): v is InstalledRelease {
  if (!isRecord(v)) return false
  if (v.signed === false) return true
  return v.signed === true && typeof v.version === 'string' && typeof v.commit === 'string' && typeof v.builtAt === 'number' &&
    typeof v.key === 'string' && HEX64.test(v.key) && typeof v.fingerprint === 'string' && typeof v.manifestHash === 'string'
}

/** The store over `caches` (a worker's or a page's); `origin` makes the records' URLs. */
export function cacheReleaseStore (caches: CacheStorage, origin: string): ReleaseStore {
  const url = (name: ReleaseRecordName): string => new URL(`/__parley-release/${name}`, origin).href
  return {
    async get (name) {
      const response = await (await caches.open(RELEASE_CACHE)).match(url(name))
      if (response === undefined) return undefined
      let value: unknown
      try {
        value = await response.json()
      } catch {
        return undefined
      }
      return CHECKS[name](value) ? value : undefined
    },
    async put (name, value) {
      const cache = await caches.open(RELEASE_CACHE)
      await cache.put(url(name), new Response(JSON.stringify(value), { headers: { 'Content-Type': 'application/json' } }))
    },
    async delete (name) {
      await (await caches.open(RELEASE_CACHE)).delete(url(name))
    }
  }
}
