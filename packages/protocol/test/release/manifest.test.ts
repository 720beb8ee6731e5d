/**
 * A release's manifest (packages/protocol/src/release/manifest.ts): its
 * canonical bytes, what it refuses, and the verdict an app reaches with the
 * key it pinned.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import {
  ReleaseManifestError, decodeManifest, decodeSignature, encodeManifest, encodeSignature, endorseKey, keyFingerprint, newReleaseSecret, releasePublicKey, sha256Hex, signManifest, verifyRelease
} from '../../src/release/manifest.ts'
import type { ReleaseManifest } from '../../src/release/manifest.ts'

const text = new TextEncoder()

function manifest (secret: Uint8Array, extra: Partial<ReleaseManifest> = {}): ReleaseManifest {
  return {
    format: 'parley-release/1',
    version: '0.1.0',
    commit: 'a'.repeat(40),
    builtAt: 1_764_547_200_000,
    previous: null,
    key: bytesToHex(releasePublicKey(secret)),
    endorsedBy: null,
    files: { 'index.html': sha256Hex(text.encode('<html>')), 'assets/app-abc.js': sha256Hex(text.encode('app')) },
    ...extra
  }
}

describe('release manifest', () => {
  it('has one canonical form: files sorted, fields in order; it reads back as written and refuses any other form', () => {
    const secret = newReleaseSecret()
    const m = manifest(secret)
    const bytes = encodeManifest(m)
    const read = decodeManifest(bytes)
    expect(Object.keys(read.files)).toEqual(['assets/app-abc.js', 'index.html'])
    expect(encodeManifest(read)).toEqual(bytes)
    const compact = text.encode(JSON.stringify(JSON.parse(new TextDecoder().decode(bytes))))
    expect(() => decodeManifest(compact)).toThrow('the manifest is not in its canonical form')
  })

  it('refuses what is not a manifest, saying what is wrong', () => {
    const secret = newReleaseSecret()
    const cases: Array<[Partial<ReleaseManifest> | Record<string, unknown>, RegExp]> = [
      [{ format: 'parley-release/2' } as unknown as Partial<ReleaseManifest>, /format is not parley-release\/1/],
      [{ commit: 'HEAD' }, /commit is not 40 hex digits/],
      [{ builtAt: -1 }, /builtAt is not a time in ms/],
      [{ previous: 'abc' }, /previous is neither null nor a SHA-256/],
      [{ key: 'x' }, /key is not an Ed25519 public key/],
      [{ files: {} }, /files list none/],
      [{ files: { '../etc/passwd': 'a'.repeat(64) } }, /a path that is not one/],
      [{ files: { 'assets//x.js': 'a'.repeat(64) } }, /a path that is not one/],
      [{ files: { 404: 'a'.repeat(64) } }, /a path that is not one/],
      [{ files: { 'config.json': 'a'.repeat(64) } }, /config.json, which a release does not sign/],
      [{ files: { 'index.html': 'nothex' } }, /hash of index.html is not a SHA-256/],
      [{ endorsedBy: { key: 'a'.repeat(64) } } as unknown as Partial<ReleaseManifest>, /endorsedBy is neither null/]
    ]
    for (const [change, message] of cases) expect(() => encodeManifest({ ...manifest(secret), ...change } as ReleaseManifest)).toThrow(message)
    expect(() => decodeManifest(text.encode('{'))).toThrow(ReleaseManifestError)
    expect(() => decodeManifest(text.encode('[]'))).toThrow('the manifest is not an object')
    expect(() => decodeManifest(text.encode(JSON.stringify({ ...manifest(secret), extra: 1 })))).toThrow(/fields are not/)
    expect(() => decodeManifest(new Uint8Array(1024 * 1024 + 1))).toThrow(/more than 1048576/)
  })

  it('is taken when signed by the pinned key, or by a new key the pinned key endorsed; refused otherwise', () => {
    const old = newReleaseSecret()
    const pinned = bytesToHex(releasePublicKey(old))
    const bytes = encodeManifest(manifest(old))
    expect(verifyRelease(bytes, signManifest(bytes, old), pinned)).toMatchObject({ ok: true, key: pinned })

    // one byte of the manifest changed: its signature no longer holds
    const altered = Uint8Array.from(bytes)
    altered[altered.length - 3] = (altered[altered.length - 3] ?? 0) ^ 1
    expect(verifyRelease(altered, signManifest(bytes, old), pinned)).toMatchObject({ ok: false })

    // another key, valid signature, no endorsement
    const other = newReleaseSecret()
    const foreign = encodeManifest(manifest(other))
    expect(verifyRelease(foreign, signManifest(foreign, other), pinned)).toMatchObject({ ok: false, reason: 'unknown-key' })
    // a signature that is not of this manifest
    expect(verifyRelease(foreign, signManifest(bytes, other), pinned)).toMatchObject({ ok: false, reason: 'bad-signature' })
    expect(verifyRelease(foreign, new Uint8Array(12), pinned)).toMatchObject({ ok: false, reason: 'bad-signature' })

    // a new key the old one endorsed: taken, and the new key is what the app pins next
    const next = newReleaseSecret()
    const nextKey = bytesToHex(releasePublicKey(next))
    const rotated = encodeManifest(manifest(next, { endorsedBy: endorseKey(old, releasePublicKey(next)), previous: sha256Hex(bytes) }))
    expect(verifyRelease(rotated, signManifest(rotated, next), pinned)).toMatchObject({ ok: true, key: nextKey })
    // endorsed by a key that is not the pinned one
    const stranger = newReleaseSecret()
    const byStranger = encodeManifest(manifest(next, { endorsedBy: endorseKey(stranger, releasePublicKey(next)) }))
    expect(verifyRelease(byStranger, signManifest(byStranger, next), pinned)).toMatchObject({ ok: false, reason: 'unknown-key' })
    // the old key's endorsement of another key, copied onto this one
    const copied = encodeManifest(manifest(next, { endorsedBy: { key: pinned, signature: endorseKey(old, releasePublicKey(stranger)).signature } }))
    expect(verifyRelease(copied, signManifest(copied, next), pinned)).toMatchObject({ ok: false, reason: 'unknown-key', detail: 'the endorsement of the new key does not hold' })
    // a manifest signature is no endorsement (the context differs)
    const fake = encodeManifest(manifest(next, { endorsedBy: { key: pinned, signature: bytesToHex(signManifest(releasePublicKey(next), old)) } }))
    expect(verifyRelease(fake, signManifest(fake, next), pinned)).toMatchObject({ ok: false, reason: 'unknown-key' })
  })

  it('gives a key\'s fingerprint as 32 hex digits in groups of four, the same from bytes or hex', () => {
    const key = releasePublicKey(newReleaseSecret())
    const fingerprint = keyFingerprint(key)
    expect(fingerprint).toMatch(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/)
    expect(keyFingerprint(bytesToHex(key))).toBe(fingerprint)
  })

  it('writes a signature as 128 hex digits and a newline, and reads nothing else as one', () => {
    const signature = signManifest(new Uint8Array([1, 2, 3]), newReleaseSecret())
    const file = encodeSignature(signature)
    expect(new TextDecoder().decode(file)).toBe(bytesToHex(signature) + '\n')
    expect(decodeSignature(file)).toEqual(signature)
    const text = (t: string): Uint8Array => new TextEncoder().encode(t)
    expect(decodeSignature(text('ab'.repeat(63)))).toBeUndefined()
    expect(decodeSignature(text(bytesToHex(signature).toUpperCase()))).toBeUndefined()
    expect(decodeSignature(text('<!doctype html>'))).toBeUndefined()
    expect(decodeSignature(new Uint8Array(2000))).toBeUndefined()
  })
})
