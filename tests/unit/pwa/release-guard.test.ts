/**
 * The service worker's judgement of an offered version (lib/pwa/release-guard.ts,
 * issue 61), over manifests signed as `npm run release` signs them: unsigned
 * hosts before and after a key is pinned, the pinned key, another key, a key
 * the pinned one endorsed, a manifest altered after signing, a worker whose
 * files are not the release's; and the checks of what is fetched.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import {
  RELEASE_FORMAT, MAX_MANIFEST_BYTES, encodeManifest, endorseKey, keyFingerprint, newReleaseSecret, releasePublicKey, sha256Hex, signManifest
} from '@parley/protocol/release/manifest'
import type { ReleaseManifest } from '@parley/protocol/release/manifest'
import { fetchOffer, fileMismatch, judgeOffer, precacheHashMap } from '../../../src/lib/pwa/release-guard.ts'
import type { Offer } from '../../../src/lib/pwa/release-guard.ts'
import { isRefusal } from '../../../src/lib/pwa/release-store.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const FILES: Record<string, string> = {
  'index.html': sha256Hex(text('<!doctype html>')),
  'assets/index-a1.js': sha256Hex(text('the app')),
  'sw.js': sha256Hex(text('the worker'))
}
/** what the worker precaches: everything but itself */
const PRECACHE = new Map(Object.entries(FILES).filter(([path]) => path !== 'sw.js'))

const first = newReleaseSecret()
const second = newReleaseSecret()
const hex = (secret: Uint8Array): string => bytesToHex(releasePublicKey(secret))

function offer (secret: Uint8Array, change: Partial<ReleaseManifest> = {}): Offer {
  const manifest: ReleaseManifest = {
    format: RELEASE_FORMAT, version: '2.0.0', commit: 'a'.repeat(40), builtAt: 1_700_000_000_000, previous: null,
    key: hex(secret), endorsedBy: null, files: FILES, ...change
  }
  const bytes = encodeManifest(manifest)
  return { manifest: bytes, signature: text(bytesToHex(signManifest(bytes, secret)) + '\n') }
}

describe('judgeOffer', () => {
  it('installs a host without releases as an unsigned build, until a key is pinned', () => {
    const none: Offer = { manifest: undefined, signature: undefined }
    expect(judgeOffer(none, undefined, PRECACHE)).toEqual({ ok: true, release: { signed: false } })
    // a host that answers every path with its index.html
    const html = { manifest: text('<!doctype html><title>Parley</title>'), signature: text('<!doctype html>') }
    expect(judgeOffer(html, undefined, PRECACHE)).toEqual({ ok: true, release: { signed: false } })

    const pinned = hex(first)
    expect(judgeOffer(none, pinned, PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'unsigned', detail: 'the server serves no parley-release.json' } })
    expect(judgeOffer({ ...offer(first), signature: undefined }, pinned, PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'unsigned', detail: 'the server serves no parley-release.sig' } })
    expect(judgeOffer(html, pinned, PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'malformed' } })
  })

  it('pins the key of the first signed release, and takes the next one signed by it', () => {
    const judged = judgeOffer(offer(first), undefined, PRECACHE)
    expect(judged).toEqual({
      ok: true,
      release: {
        signed: true, version: '2.0.0', commit: 'a'.repeat(40), builtAt: 1_700_000_000_000, key: hex(first),
        fingerprint: keyFingerprint(hex(first)), manifestHash: sha256Hex(offer(first).manifest ?? new Uint8Array())
      }
    })
    expect(judgeOffer(offer(first, { version: '3.0.0' }), hex(first), PRECACHE)).toMatchObject({ ok: true, release: { signed: true, version: '3.0.0', key: hex(first) } })
  })

  it('refuses a release signed by another key, and takes one whose new key the pinned key endorsed', () => {
    expect(judgeOffer(offer(second, { version: '4.0.0' }), hex(first), PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'unknown-key', version: '4.0.0' } })
    // an endorsement by a key that is not the pinned one is no better
    const third = newReleaseSecret()
    expect(judgeOffer(offer(second, { endorsedBy: endorseKey(third, releasePublicKey(second)) }), hex(first), PRECACHE))
      .toMatchObject({ ok: false, refusal: { reason: 'unknown-key' } })

    const endorsed = offer(second, { version: '5.0.0', endorsedBy: endorseKey(first, releasePublicKey(second)) })
    expect(judgeOffer(endorsed, hex(first), PRECACHE)).toMatchObject({ ok: true, release: { signed: true, version: '5.0.0', key: hex(second), fingerprint: keyFingerprint(hex(second)) } })
  })

  it('refuses a manifest changed after it was signed, and a signature that is not one', () => {
    const signed = offer(first)
    const bytes = new Uint8Array(signed.manifest ?? new Uint8Array())
    // one hex digit of one file's hash, so the manifest still reads
    const at = new TextDecoder().decode(bytes).indexOf(FILES['index.html'] ?? '')
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30
    expect(judgeOffer({ ...signed, manifest: bytes }, hex(first), PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'bad-signature', version: '2.0.0' } })
    expect(judgeOffer({ ...signed, manifest: bytes }, undefined, PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'bad-signature' } })
    expect(judgeOffer({ ...signed, signature: text('not a signature') }, hex(first), PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'bad-signature' } })
  })

  it('refuses a worker whose files are not the ones the release lists', () => {
    const other = new Map(PRECACHE)
    other.set('assets/index-a1.js', sha256Hex(text('another app')))
    expect(judgeOffer(offer(first), hex(first), other)).toMatchObject({ ok: false, refusal: { reason: 'not-this-release', file: 'assets/index-a1.js' } })
    const more = new Map(PRECACHE)
    more.set('assets/extra-b2.js', sha256Hex(text('more')))
    expect(judgeOffer(offer(first), undefined, more)).toMatchObject({ ok: false, refusal: { reason: 'not-this-release', file: 'assets/extra-b2.js' } })
  })

  it('gives refusals the worker records and the pages accept', () => {
    const judged = judgeOffer(offer(second), hex(first), PRECACHE)
    const refusal = judged.ok ? undefined : { ...judged.refusal, at: 1 }
    expect(isRefusal(refusal)).toBe(true)
    expect(isRefusal({ reason: 'something', detail: '', at: 1 })).toBe(false)
  })
})

describe('fetchOffer', () => {
  it('reads what the host serves, takes a missing file as none, and stops reading past the limit', async () => {
    const signed = offer(first)
    const served = new Map<string, Response>([
      ['parley-release.json', new Response(signed.manifest as BodyInit)],
      ['parley-release.sig', new Response('Not Found', { status: 404 })]
    ])
    const asked: string[] = []
    const got = await fetchOffer(async (name) => { asked.push(name); return served.get(name) ?? new Response(null, { status: 404 }) }, AbortSignal.timeout(5_000))
    expect(asked.sort()).toEqual(['parley-release.json', 'parley-release.sig'])
    expect(got.manifest).toEqual(signed.manifest)
    expect(got.signature).toBeUndefined()

    const huge = await fetchOffer(async (name) => new Response(name.endsWith('.json') ? new Uint8Array(MAX_MANIFEST_BYTES + 10) : 'ab'), AbortSignal.timeout(5_000))
    expect(huge.manifest?.byteLength).toBe(MAX_MANIFEST_BYTES + 1)
    expect(judgeOffer(huge, hex(first), PRECACHE)).toMatchObject({ ok: false, refusal: { reason: 'malformed' } })
  })
})

describe('the files a worker fetches', () => {
  it('names the file whose bytes are not the ones it was built with', async () => {
    const hashes = precacheHashMap([{ url: 'index.html', sha256: FILES['index.html'] }, { url: '/assets/index-a1.js', sha256: FILES['assets/index-a1.js'] }, 'icon.svg'])
    expect([...hashes.keys()]).toEqual(['index.html', 'assets/index-a1.js'])
    const body = (s: string): ArrayBuffer => text(s).slice().buffer
    expect(await fileMismatch('assets/index-a1.js', body('the app'), hashes)).toBeUndefined()
    expect(await fileMismatch('assets/index-a1.js', body('the apq'), hashes)).toMatch(/^assets\/index-a1\.js is not the file this version was built with/)
    // a file the list has no hash for is not the worker's to judge
    expect(await fileMismatch('config.json', body('{}'), hashes)).toBeUndefined()
  })
})
