/**
 * The page's check of a new service worker (issue 61): browsers install
 * whatever worker script the server sends, and a worker that does not verify
 * itself (lib/pwa/release-guard.ts) can take over. So the running page, loaded
 * from the verified version, fetches the new worker's script and the
 * release's manifest and asks: is this script the one a manifest signed by
 * the pinned key (or a key it endorsed) names? Loaded when a new worker
 * installs, not with the app's shell.
 */
import { decodeSignature, verifyRelease, sha256Hex } from '@parley/protocol/release/manifest'
import { fetchOffer } from './release-guard.ts'

const CHECK_TIMEOUT_MS = 30_000

/** Why the worker at `scriptURL` is not a signed one, or undefined when it is. `pinned`: the pinned key, hex. */
export async function unsignedWorker (scriptURL: string, pinned: string): Promise<string | undefined> {
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS)
  const script = new URL(scriptURL)
  const [response, offer] = await Promise.all([
    fetch(script, { cache: 'no-store', signal }),
    fetchOffer(async (name, s) => fetch(new URL(name, script), { cache: 'no-store', signal: s }), signal)
  ])
  if (!response.ok) return `the worker's script answers HTTP ${response.status}`
  const bytes = new Uint8Array(await response.arrayBuffer())
  if (offer.manifest === undefined || offer.signature === undefined) return 'the server serves no signed manifest'
  const signature = decodeSignature(offer.signature)
  if (signature === undefined) return 'the release signature is not one'
  const verdict = verifyRelease(offer.manifest, signature, pinned)
  if (!verdict.ok) return verdict.detail
  const path = script.pathname.replace(/^\//, '')
  const signed = verdict.manifest.files[path]
  if (signed === undefined) return `the signed release does not list ${path}`
  return signed === sha256Hex(bytes) ? undefined : `${path} is not the worker the signed release names`
}
