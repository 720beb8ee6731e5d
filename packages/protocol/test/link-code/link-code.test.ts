/**
 * The link's short code (docs/protocols.md, "The short code"): its form and
 * check character, the sealed offer, and the rendezvous frames.
 */
import { describe, expect, it } from 'vitest'
import {
  LINK_RENDEZVOUS_PROTOCOL, LinkRendezvousFrameError, LinkRendezvousRefusedError, decodeLinkRendezvousReply, decodeLinkRendezvousRequest,
  encodeLinkRendezvousError, encodeLinkRendezvousReply, encodeLinkRendezvousRequest
} from '../../src/link-code/codec.ts'
import { LINK_CODE_PAD_BYTES, LinkCodeBoxError, MAX_LINK_CODE_BOX_BYTES, MIN_LINK_CODE_BOX_BYTES, linkCodeId, openLinkOffer, sealLinkOffer } from '../../src/link-code/seal.ts'
import {
  SHORT_CODE_ALPHABET, ShortCodeError, newShortCode, parseShortCode, shortCodeCheck, shortCodeChars, shortCodeData
} from '../../src/link-code/short-code.ts'

const RELAY_A = '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ'
const RELAY_B = '12D3KooWRtC7CKYeDLREpYZeT7FCUWw1VS3JNMqM6ib6F8Qb17oi'
const OFFER = 'parley-link:eyJ2IjoxfQ'

/** A code from fixed data characters. */
function codeOf (data: string): string {
  const values = [...data].map(c => SHORT_CODE_ALPHABET.indexOf(c))
  const chars = data + (SHORT_CODE_ALPHABET[shortCodeCheck(values)] ?? '')
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`
}

function problemOf (text: string): string | undefined {
  try {
    parseShortCode(text)
    return undefined
  } catch (err) {
    return err instanceof ShortCodeError ? err.problem : 'other'
  }
}

describe('the short code', () => {
  it('is twelve characters of Crockford base32 in three groups of four, and reads back as itself', () => {
    const code = newShortCode()
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
    expect(parseShortCode(code)).toBe(code)
  })

  it('is read case-insensitively, with spaces or no hyphens, I and L as 1, O as 0', () => {
    const code = codeOf('01234567891')
    expect(code.slice(0, 12)).toBe('0123-4567-89')
    const typed = ` ${code.toLowerCase().replace('0', 'o').replaceAll('1', 'l').replaceAll('-', ' ')} `
    expect(parseShortCode(typed)).toBe(code)
    expect(parseShortCode(code.replaceAll('-', ''))).toBe(code)
  })

  it('catches every single wrong character and every swap of two neighbours', () => {
    const code = codeOf('7K3MQ9TXA2H')
    const chars = code.replaceAll('-', '')
    const typos: string[] = []
    for (let i = 0; i < chars.length; i++) {
      for (const other of SHORT_CODE_ALPHABET) {
        if (other === chars[i]) continue
        const typo = chars.slice(0, i) + other + chars.slice(i + 1)
        typos.push(typo)
      }
      if (i + 1 < chars.length && chars[i] !== chars[i + 1]) typos.push(chars.slice(0, i) + (chars[i + 1] ?? '') + (chars[i] ?? '') + chars.slice(i + 2))
    }
    // 12 × 31 changed characters and the swaps of different neighbours
    expect(typos.length).toBeGreaterThan(12 * 31)
    expect(typos.filter(typo => problemOf(typo) !== 'check')).toEqual([])
  })

  it('refuses other characters and other lengths as not a code (form), a typo as check', () => {
    expect(shortCodeChars('7K3M-Q9TX-A2H')).toBeUndefined()
    expect(shortCodeChars('7K3M-Q9TX-A2HFF')).toBeUndefined()
    expect(shortCodeChars('7K3M-Q9TX-A2HU')).toBeUndefined()
    expect(shortCodeChars('parley-link:abc')).toBeUndefined()
    expect(shortCodeChars(`${'1'.repeat(12)}${' '.repeat(60)}`)).toBeUndefined()
    expect(() => parseShortCode('hello')).toThrow(expect.objectContaining({ name: 'ShortCodeError', problem: 'form' }))
    expect(shortCodeData(codeOf('7K3MQ9TXA2H'))).toBe('7K3MQ9TXA2H')
  })
})

describe('the sealed offer', () => {
  it('opens under the same code and relay, padded to a multiple of 512 bytes', () => {
    const code = newShortCode()
    const box = sealLinkOffer(code, RELAY_A, OFFER)
    expect(box.byteLength).toBe(MIN_LINK_CODE_BOX_BYTES)
    expect(openLinkOffer(code, RELAY_A, box)).toBe(OFFER)
    const long = `parley-link:${'A'.repeat(4096 - 12)}`
    const big = sealLinkOffer(code, RELAY_A, long)
    expect(big.byteLength).toBe(MAX_LINK_CODE_BOX_BYTES)
    expect((big.byteLength - 40) % LINK_CODE_PAD_BYTES).toBe(0)
    expect(openLinkOffer(code, RELAY_A, big)).toBe(long)
  })

  it('does not open under another code, on another relay, or altered', () => {
    const code = codeOf('7K3MQ9TXA2H')
    const box = sealLinkOffer(code, RELAY_A, OFFER)
    expect(() => openLinkOffer(codeOf('7K3MQ9TXA2J'), RELAY_A, box)).toThrow(LinkCodeBoxError)
    expect(() => openLinkOffer(code, RELAY_B, box)).toThrow(LinkCodeBoxError)
    const altered = box.slice()
    altered[30] = (altered[30] ?? 0) ^ 1
    expect(() => openLinkOffer(code, RELAY_A, altered)).toThrow(LinkCodeBoxError)
    expect(() => openLinkOffer(code, RELAY_A, box.subarray(0, 100))).toThrow(LinkCodeBoxError)
  })

  it('has a rendezvous id of its own on every relay, and one that changes with any character', () => {
    const code = codeOf('7K3MQ9TXA2H')
    expect(linkCodeId(code, RELAY_A)).toHaveLength(16)
    expect(Buffer.from(linkCodeId(code, RELAY_A)).equals(Buffer.from(linkCodeId(code, RELAY_B)))).toBe(false)
    expect(Buffer.from(linkCodeId(code, RELAY_A)).equals(Buffer.from(linkCodeId(codeOf('7K3MQ9TXA2J'), RELAY_A)))).toBe(false)
    // the same code typed another way is the same id
    expect(Buffer.from(linkCodeId(code.toLowerCase(), RELAY_A)).equals(Buffer.from(linkCodeId(code, RELAY_A)))).toBe(true)
  })
})

describe('known answers (docs/protocols.md, "The short code")', () => {
  it('the check, the id on a relay and a sealed box', () => {
    const code = codeOf('123456789AB')
    expect(code).toBe('1234-5678-9AB7')
    expect(Buffer.from(linkCodeId(code, RELAY_A)).toString('hex')).toBe('de66fed4628790eadcebd32730cbdc1e')
    const box = sealLinkOffer(code, RELAY_A, OFFER, (n) => new Uint8Array(n).fill(1))
    expect(box.byteLength).toBe(552)
    expect(Buffer.from(box.subarray(24, 40)).toString('hex')).toBe('9949f1e16c4ac68b50ef4c3e06e43148')
    expect(Buffer.from(box.subarray(-16)).toString('hex')).toBe('0954bf90cad12657a69cddbe8b7d8b38')
  })
})

describe('the rendezvous frames', () => {
  const id = new Uint8Array(16).fill(7)
  const box = new Uint8Array(MIN_LINK_CODE_BOX_BYTES).fill(9)

  it('are exactly the documented bytes', () => {
    expect(LINK_RENDEZVOUS_PROTOCOL).toBe('/parley/link-rendezvous/1.0.0')
    const put = encodeLinkRendezvousRequest({ op: 'put', id, box })
    expect([...put.subarray(0, 17)]).toEqual([1, ...id])
    expect(put.byteLength).toBe(17 + box.byteLength)
    expect([...encodeLinkRendezvousRequest({ op: 'get', id })]).toEqual([2, ...id])
    expect([...encodeLinkRendezvousRequest({ op: 'delete', id })]).toEqual([3, ...id])
    expect([...encodeLinkRendezvousReply({ op: 'put', ttlS: 600 })]).toEqual([0, 2, 88])
    expect([...encodeLinkRendezvousReply({ op: 'delete', removed: true })]).toEqual([0, 1])
    expect([...encodeLinkRendezvousError('used', 'x')]).toEqual([4, 120])
  })

  it('round-trip, and malformed frames and error replies throw their errors', () => {
    expect(decodeLinkRendezvousRequest(encodeLinkRendezvousRequest({ op: 'put', id, box }))).toEqual({ op: 'put', id, box })
    expect(decodeLinkRendezvousReply('get', encodeLinkRendezvousReply({ op: 'get', box }))).toEqual({ op: 'get', box })
    expect(() => decodeLinkRendezvousRequest(Uint8Array.of(2, 1, 2))).toThrow(LinkRendezvousFrameError)
    expect(() => decodeLinkRendezvousRequest(Uint8Array.of(1, ...id, 1, 2, 3))).toThrow(LinkRendezvousFrameError)
    expect(() => decodeLinkRendezvousRequest(Uint8Array.of(9, ...id))).toThrow(LinkRendezvousFrameError)
    expect(() => decodeLinkRendezvousReply('get', encodeLinkRendezvousError('not-found', 'no'))).toThrow(expect.objectContaining({ name: 'LinkRendezvousRefusedError', code: 'not-found' }))
    expect(() => decodeLinkRendezvousReply('delete', Uint8Array.of(0, 2))).toThrow(LinkRendezvousFrameError)
    expect(() => decodeLinkRendezvousReply('put', Uint8Array.of(99))).toThrow(LinkRendezvousFrameError)
    expect(() => decodeLinkRendezvousReply('get', Uint8Array.of(7))).toThrow(LinkRendezvousRefusedError)
  })
})
