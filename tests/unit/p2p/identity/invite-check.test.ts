import { describe, expect, it } from 'vitest'
import { SHORT_LINK_CHECK_CHARS, shortLinkCheck, shortLinkCheckMatches, splitShortLinkCheck } from '../../../../src/lib/p2p/identity/invite-check.ts'
import { encodeShortInvite, InvalidInviteError, parseInvite } from '../../../../src/lib/p2p/identity/invite.ts'
import { textOfError } from '../../../../src/lib/i18n/error-text.ts'

/** The short link's check (docs/protocols.md, "Short link", "The check"). */

const ID = '12D3KooWQr2i5Yh1o1846Kvum1iRftwLvsM4niBxk3oVrJEYyYgQ'
const ORIGIN = 'https://parley.example'
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

describe('shortLinkCheck', () => {
  it('gives the golden vectors written in docs/protocols.md', () => {
    expect(shortLinkCheck(`${ID}/QWxpY2U`)).toBe('6Njrac')
    expect(shortLinkCheck(ID)).toBe('5W4Ssz')
    expect(encodeShortInvite(ID, 'Alice', ORIGIN)).toBe(`${ORIGIN}/#/c/${ID}/QWxpY2U.6Njrac`)
    expect(encodeShortInvite(ID, undefined, ORIGIN)).toBe(`${ORIGIN}/#/c/${ID}.5W4Ssz`)
  })

  it('is always six base58 digits, padded with the alphabet\'s zero', () => {
    for (let i = 0; i < 200; i++) {
      const check = shortLinkCheck(`${ID}/${i}`)
      expect(check).toHaveLength(SHORT_LINK_CHECK_CHARS)
      expect([...check].every(c => BASE58.includes(c))).toBe(true)
    }
  })

  it('splits at the last dot; a link without one has no check', () => {
    expect(splitShortLinkCheck(`${ID}/QWxpY2U.6Njrac`)).toEqual({ checked: `${ID}/QWxpY2U`, check: '6Njrac' })
    expect(splitShortLinkCheck(`${ID}/QWxpY2U`)).toEqual({ checked: `${ID}/QWxpY2U` })
    expect(shortLinkCheckMatches(`${ID}/QWxpY2U`, '6Njrac')).toBe(true)
    expect(shortLinkCheckMatches(`${ID}/QWxpY2U`, '6Njra')).toBe(false)
    expect(shortLinkCheckMatches(`${ID}/QWxpY2U`, '6Njra0')).toBe(false)
  })
})

describe('parseInvite: a short link with its check', () => {
  const mismatch = textOfError(new InvalidInviteError('inviteCheckMismatch'))

  function refusal (text: string): string | undefined {
    try {
      parseInvite(text)
    } catch (err) {
      expect((err as Error).name).toBe(InvalidInviteError.NAME)
      return textOfError(err)
    }
    throw new Error(`expected ${text} to be refused`)
  }

  it('reads a checked link as checked (its maker speaks sessions), and an old link or a bare PeerID as unchecked (nothing said)', () => {
    expect(parseInvite(`${ORIGIN}/#/c/${ID}/QWxpY2U.6Njrac`)).toEqual({ peerId: ID, name: 'Alice', addresses: [], checked: true, sessions: true })
    expect(parseInvite(`${ORIGIN}/#/c/${ID}.5W4Ssz?utm_source=chat`)).toEqual({ peerId: ID, addresses: [], checked: true, sessions: true })
    expect(parseInvite(`${ORIGIN}/#/c/${ID}/QWxpY2U`)).toEqual({ peerId: ID, name: 'Alice', addresses: [] })
    expect(parseInvite(ID)).toEqual({ peerId: ID, addresses: [] })
  })

  it('refuses every link with one base58 character of its PeerID changed, each at once with the same words', () => {
    const link = encodeShortInvite(ID, 'Alice', ORIGIN)
    const at = link.indexOf(ID)
    let changed = 0
    // every position after the fixed "12D3KooW", each to another base58 character
    for (let i = 8; i < ID.length; i++) {
      const other = BASE58[(BASE58.indexOf(ID.charAt(i)) + 1 + (i % 57)) % 58] ?? '1'
      const typo = link.slice(0, at + i) + other + link.slice(at + i + 1)
      expect(refusal(typo)).toBe(mismatch)
      changed++
    }
    expect(changed).toBe(ID.length - 8)
    expect(mismatch).toMatch(/changed or mistyped/)
  })

  it('refuses a changed name or check, and a cut check', () => {
    expect(refusal(`${ORIGIN}/#/c/${ID}/QWxpY2X.6Njrac`)).toBe(mismatch)
    expect(refusal(`${ORIGIN}/#/c/${ID}/QWxpY2U.6Njrab`)).toBe(mismatch)
    expect(refusal(`${ORIGIN}/#/c/${ID}/QWxpY2U.6Nj`)).toBe(mismatch)
    expect(refusal(`${ORIGIN}/#/c/${ID}/QWxpY2U.`)).toBe(mismatch)
    // the check of the link without its name does not stand for the link with one
    expect(refusal(`${ORIGIN}/#/c/${ID}/QWxpY2U.5W4Ssz`)).toBe(mismatch)
  })
})
