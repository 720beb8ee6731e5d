import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import {
  compareSafetyQr,
  SAFETY_NUMBER_ITERATIONS,
  SafetyNumberError,
  safetyNumber
} from '../../../../src/lib/p2p/contacts/safety-number.ts'
import type { SafetyNumber } from '../../../../src/lib/p2p/contacts/safety-number.ts'
import { SAFETY_QR_PREFIX } from '../../../../src/lib/p2p/identity/invite.ts'
import { textOfError } from '../../../../src/lib/i18n/error-text.ts'

/** Ed25519 PeerIDs from the seeds 32 × 0x01, 0x02 and 0x03: fixed, so the digits can be pinned. */
const A = '12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5'
const B = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
let C: string
const RSA_PEER_ID = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' // an IPFS bootstrap node
let secpId: string

let ab: SafetyNumber
let ba: SafetyNumber
/** Alice (A) talking to a stranger C */
let ac: SafetyNumber
/** Bob (B) talking to C, who he believes is Alice: what a swapped key in an invite looks like */
let bc: SafetyNumber

/**
 * Each safety number is 2 × 5201 WebCrypto digests, a few hundred ms on a
 * busy machine: computed once here, with room for slow CI.
 */
const SETUP_TIMEOUT_MS = 60_000

/** The Ed25519 PeerID of the key from the seed 32 × `byte`. */
const seeded = async (byte: number): Promise<string> =>
  peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(byte))).toString()

beforeAll(async () => {
  C = await seeded(3)
  secpId = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
  ;[ab, ba, ac, bc] = await Promise.all([safetyNumber(A, B), safetyNumber(B, A), safetyNumber(A, C), safetyNumber(B, C)])
}, SETUP_TIMEOUT_MS)

/** The derivation as docs/protocols.md ("Safety numbers") states it, on node:crypto: one side's 30 digits. */
function documentedHalf (peerId: string): string {
  const key = peerIdFromString(peerId).publicKey?.raw
  if (key == null) throw new Error('not an Ed25519 PeerID')
  let hash = createHash('sha512').update(Uint8Array.from([0x00, 0x01])).update(key).update(peerId, 'utf8').digest()
  for (let i = 0; i < 5200; i++) hash = createHash('sha512').update(hash).update(key).digest()
  let digits = ''
  for (let group = 0; group < 6; group++) digits += String(hash.readUIntBE(group * 5, 5) % 100_000).padStart(5, '0')
  return digits
}

describe('safetyNumber', () => {
  it('is 60 digits, shown as 12 groups of 5', () => {
    for (const n of [ab, ba, ac, bc]) {
      expect(n.digits).toMatch(/^\d{60}$/)
      expect(n.groups).toHaveLength(12)
      for (const group of n.groups) expect(group).toMatch(/^\d{5}$/)
      expect(n.groups.join('')).toBe(n.digits)
    }
  })

  it('is the same on both sides: (A, B) and (B, A) give the same digits', () => {
    expect(ba.digits).toBe(ab.digits)
    expect(ba.groups).toEqual(ab.groups)
    // each side's QR code names itself first
    expect(ab.qr).toBe(`${SAFETY_QR_PREFIX}:1:${A}:${B}:${ab.digits}`)
    expect(ba.qr).toBe(`${SAFETY_QR_PREFIX}:1:${B}:${A}:${ab.digits}`)
    expect(ab).toMatchObject({ ourPeerId: A, theirPeerId: B })
  })

  it('is fixed for a fixed pair of keys (snapshot)', async () => {
    expect([await seeded(1), await seeded(2)]).toEqual([A, B])
    expect(SAFETY_NUMBER_ITERATIONS).toBe(5200)
    expect(ab.digits).toBe('983192634114891904237592656020148424476399233745485431163647')
    expect(ab.groups.slice(0, 3)).toEqual(['98319', '26341', '14891'])
  })

  it('follows the documented derivation: halves ordered by PeerID, each from its own key', () => {
    const [first, second] = [A, B].sort()
    expect(ab.digits).toBe(documentedHalf(first ?? '') + documentedHalf(second ?? ''))
  })

  it('changes when either key changes, in that key\'s half only', () => {
    expect(ac.digits).not.toBe(ab.digits)
    expect(bc.digits).not.toBe(ab.digits)
    // each key gives its own 30 digits: A's are in both of A's numbers, B's in both of B's
    const [halfA, halfB] = [documentedHalf(A), documentedHalf(B)]
    expect(ac.digits).toContain(halfA)
    expect(ac.digits).not.toContain(halfB)
    expect(bc.digits).toContain(halfB)
    expect(bc.digits).not.toContain(halfA)
  })

  it.each([
    ['secp256k1', () => secpId, /^A safety number needs an Ed25519 PeerID, which holds its public key, and this is a secp256k1 PeerID\.$/],
    ['RSA', () => RSA_PEER_ID, /^A safety number needs an Ed25519 PeerID, which holds its public key, and this is an RSA PeerID\.$/],
    ['garbage', () => 'not-a-peer-id', /^"not-a-peer-id" is not a valid PeerID, so it has no safety number\.$/]
  ])('refuses a %s PeerID on either side, saying why', async (_kind, other, message) => {
    const pairs: Array<[string, string]> = [[A, other()], [other(), A]]
    for (const [ours, theirs] of pairs) {
      const err = await safetyNumber(ours, theirs).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(SafetyNumberError)
      expect(err).toMatchObject({ name: 'SafetyNumberError' })
      expect(textOfError(err)).toMatch(message)
    }
  })
})

describe('compareSafetyQr', () => {
  it('matches the code scanned from the other side, which lists the PeerIDs the other way round', () => {
    expect(compareSafetyQr(ba.qr, ab)).toBe('match')
    expect(compareSafetyQr(ab.qr, ba)).toBe('match')
    expect(compareSafetyQr(`\n ${ba.qr} \r\n`, ab)).toBe('match')
  })

  it('reports a mismatch when the other side sees another key for us', () => {
    // Bob's code names C where Alice's own PeerID should be
    expect(compareSafetyQr(bc.qr, ab)).toBe('mismatch')
    // and Alice talking to C scans Bob
    expect(compareSafetyQr(ba.qr, ac)).toBe('mismatch')
  })

  it('reports a mismatch for changed digits, and for our own code shown back to us', () => {
    const digits = ab.digits.slice(0, -1) + (ab.digits.endsWith('0') ? '1' : '0')
    expect(compareSafetyQr(`${SAFETY_QR_PREFIX}:1:${B}:${A}:${digits}`, ab)).toBe('mismatch')
    expect(compareSafetyQr(ab.qr, ab)).toBe('mismatch')
  })

  it.each([
    ['empty text', ''],
    ['a Wi-Fi code', 'WIFI:S:Home;T:WPA;P:secret;;'],
    ['a web link', 'https://example.com/'],
    ['a Parley invite', 'https://parley.example/#/add/eyJ2IjoxfQ'],
    ['another version', `${SAFETY_QR_PREFIX}:2:${B}:${A}:${'1'.repeat(60)}`],
    ['too few digits', `${SAFETY_QR_PREFIX}:1:${B}:${A}:${'1'.repeat(59)}`],
    ['letters for digits', `${SAFETY_QR_PREFIX}:1:${B}:${A}:${'1'.repeat(59)}x`],
    ['a missing PeerID', `${SAFETY_QR_PREFIX}:1:${B}:${'1'.repeat(60)}`],
    ['100 KB of text', `${SAFETY_QR_PREFIX}:1:${'x'.repeat(100 * 1024)}`]
  ])('says %s is not a safety code', (_name, text) => {
    expect(compareSafetyQr(text, ab)).toBe('not-a-safety-code')
  })
})
