/**
 * Sealing a push hint with WebCrypto's AES-GCM (src/push/hint-seal-web.ts,
 * what the app's worker uses): the same bytes as noble's `sealHint` for the
 * same ephemeral secret, opened by both openers, and the same refusals.
 */
import { describe, expect, it } from 'vitest'
import { HINT_BYTES, HintError, makeNotifyKeyPair, openHint, sealHint } from '../../src/push/hint.ts'
import { sealHintWeb } from '../../src/push/hint-seal-web.ts'
import { importNotifySecret, openHintWeb } from '../../src/push/hint-web.ts'

const ALICE = '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ'
const GROUP = '0123456789abcdef0123456789abcdef'

describe('push hints sealed with WebCrypto', () => {
  it('are the bytes noble seals for the same ephemeral secret, and open with either opener', async () => {
    const bob = makeNotifyKeyPair()
    const secret = await importNotifySecret(bob.secretKey)
    // Node's WebCrypto has X25519
    if (secret === undefined) throw new Error('no X25519 in this WebCrypto')
    for (const hint of [{ kind: 'contact' as const, chat: ALICE }, { kind: 'group' as const, chat: GROUP }]) {
      const ephemeral = crypto.getRandomValues(new Uint8Array(32))
      const fixed = (): Uint8Array => ephemeral.slice()
      const web = await sealHintWeb(hint, bob.publicKey, fixed)
      expect(web.byteLength).toBe(HINT_BYTES)
      expect(Buffer.from(web).equals(sealHint(hint, bob.publicKey, fixed))).toBe(true)
      expect(openHint(web, bob.secretKey, bob.publicKey)).toEqual(hint)
      expect(await openHintWeb(web, secret, bob.publicKey)).toEqual(hint)
    }
  })

  it('refuse a key that is not 32 bytes, or the all-zero point, as noble does', async () => {
    await expect(sealHintWeb({ kind: 'contact', chat: ALICE }, new Uint8Array(31))).rejects.toThrow(HintError)
    await expect(sealHintWeb({ kind: 'contact', chat: ALICE }, new Uint8Array(32))).rejects.toThrow(HintError)
  })
})
