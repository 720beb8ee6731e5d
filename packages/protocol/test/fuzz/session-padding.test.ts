/**
 * Fuzzing of a box's padding (src/session/padding.ts) and of padded boxes
 * opened by the ratchet. Contract checked, for 10,000 generated inputs per
 * property:
 * - `unpad` of arbitrary bytes (what a peer put inside a box it sealed)
 *   returns their content or throws `SessionDecryptError`, never anything
 *   else, and what it returns is exactly what came before the padding;
 * - `pad` then `unpad` gives back any plaintext, and the box comes to its
 *   bucket under either policy (or to the largest box);
 * - a padded box opens to its plaintext, and the same box with its padding
 *   flag cleared (or an unpadded one with it set) does not open: the flag is
 *   in the associated data.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { SessionDecryptError } from '../../src/session/errors.ts'
import { MAX_BOX_BYTES } from '../../src/session/constants.ts'
import { PAD_MARKER, pad, paddedBoxBytes, unpad } from '../../src/session/padding.ts'
import { ratchetDecrypt, ratchetEncrypt } from '../../src/session/ratchet.ts'
import { expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { typed } from './wire-helpers.ts'
import { NOW, pair } from '../session/helpers.ts'

const policy = fc.constantFrom('live' as const, 'mailbox' as const)

describe('fuzz: box padding', () => {
  it('unpad of arbitrary bytes returns what came before the padding or throws SessionDecryptError', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      // content, the marker, zeros, and maybe a stray byte after them
      fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.nat(300), fc.option(fc.nat(255))).map(([content, zeros, stray]) =>
        Uint8Array.from([...content, PAD_MARKER, ...new Array<number>(zeros).fill(0), ...(stray === null ? [] : [stray])]))
    )
    fc.assert(fc.property(bytes, b => {
      const result = typed(() => unpad(b), [SessionDecryptError])
      if (!result.ok) return
      const rest = b.subarray(result.value.byteLength)
      expectSame(Buffer.from(b.subarray(0, result.value.byteLength)).equals(result.value) && rest[0] === PAD_MARKER && rest.subarray(1).every(x => x === 0), true)
    }), FUZZ_PARAMS)
  })

  it('pad then unpad gives the plaintext back, and the box comes to its bucket', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 98, max: 3503 }), policy, (plaintext, overhead, how) => {
      const padded = pad(plaintext, overhead, how)
      if (padded === undefined) throw new Error('a short plaintext is always padded')
      expectSame(Buffer.from(unpad(padded)).equals(plaintext), true)
      const target = paddedBoxBytes(overhead + plaintext.byteLength + 1, how)
      expectSame(overhead + padded.byteLength, Math.min(target, MAX_BOX_BYTES))
    }), FUZZ_PARAMS)
  })

  it('a padded box opens to its plaintext; its padding flag changed, it does not open', () => {
    const start = pair('padding')
    const itemId = new Uint8Array(16).fill(4)
    // Bob holds Alice's first chain: each case is message 1 of it, opened without a ratchet step
    const first = ratchetEncrypt(start.alice, new Uint8Array(0), itemId, start.random)
    const alice = first.state
    const bob = ratchetDecrypt(start.bob, first.message, itemId, { now: NOW, random: start.random }).state
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), policy, fc.boolean(), (plaintext, how, padded) => {
      const { message } = ratchetEncrypt(alice, plaintext, itemId, undefined, padded ? { pad: { policy: how, initBytes: 0 } } : {})
      expectSame(message.padded === true, padded)
      const opened = ratchetDecrypt(bob, message, itemId, { now: NOW })
      expectSame(Buffer.from(opened.plaintext).equals(plaintext), true)
      const flipped = padded ? { header: message.header, nonce: message.nonce, ciphertext: message.ciphertext } : { ...message, padded: true }
      expectSame(typed(() => ratchetDecrypt(bob, flipped, itemId, { now: NOW }), [SessionDecryptError]).ok, false)
    }), FUZZ_PARAMS)
  })
})
