/**
 * A workbox manifest transform (vite.config.ts) that adds to each entry of
 * the service worker's precache list the SHA-256 of the file, in hex
 * (`sha256`): the worker checks every file it fetches against it, and a
 * release's worker checks its list against the signed manifest (issue 61;
 * src/lib/pwa/release-guard.ts). Workbox's own `integrity` would make the
 * browser refuse a changed file with a bare network error; this way the
 * worker can say which file it was.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

interface Entry { url: string, revision: string | null, size: number }

/** `dir()`: the build's output directory, known once vite has read its config. */
export function precacheHashes (dir: () => string): (entries: Entry[]) => Promise<{ manifest: Array<Entry & { sha256: string }> }> {
  return async (entries) => ({
    manifest: await Promise.all(entries.map(async (entry) => ({
      ...entry,
      sha256: createHash('sha256').update(await readFile(join(dir(), decodeURIComponent(entry.url)))).digest('hex')
    })))
  })
}
