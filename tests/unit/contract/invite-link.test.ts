/** Percent-encoded invite links (contract/invite-link.ts): pasted, or opened with the '#' in the path. */
import { describe, expect, it } from 'vitest'
import { encodedHashLocation, undoPercentEncoding } from '../../../src/lib/contract/invite-link.ts'

const LINK = 'https://parley.example/#/add/eyJ2IjoxfQ'
const once = encodeURIComponent(LINK)
const twice = encodeURIComponent(once)

describe('undoPercentEncoding', () => {
  it('undoes one and two encodings of a link, and leaves a third', () => {
    expect(once).toBe('https%3A%2F%2Fparley.example%2F%23%2Fadd%2FeyJ2IjoxfQ')
    expect(undoPercentEncoding(once)).toBe(LINK)
    expect(undoPercentEncoding(twice)).toBe(LINK)
    expect(undoPercentEncoding(encodeURIComponent(twice))).toBe(once)
  })

  it('leaves text without a %-escape, and text with a malformed one, as it is', () => {
    expect(undoPercentEncoding(LINK)).toBe(LINK)
    expect(undoPercentEncoding('100% sure')).toBe('100% sure')
    expect(undoPercentEncoding('%E0%A4%A')).toBe('%E0%A4%A')
    // the second round fails: what the first gave is kept
    expect(undoPercentEncoding('%25E0')).toBe('%E0')
  })
})

describe('encodedHashLocation', () => {
  it("puts a '#' encoded into the path back into the fragment, once or twice encoded, at the root or under a path", () => {
    expect(encodedHashLocation('/%23%2Fadd%2FeyJ2IjoxfQ')).toEqual({ path: '/', hash: '#/add/eyJ2IjoxfQ' })
    expect(encodedHashLocation('/%23/add/eyJ2IjoxfQ')).toEqual({ path: '/', hash: '#/add/eyJ2IjoxfQ' })
    expect(encodedHashLocation('/%2523%252Fadd%252FeyJ2IjoxfQ')).toEqual({ path: '/', hash: '#/add/eyJ2IjoxfQ' })
    expect(encodedHashLocation('/app/%23%2Fchat%2F3')).toEqual({ path: '/app/', hash: '#/chat/3' })
  })

  it('is undefined for an ordinary path, and for an encoded # that does not start a route', () => {
    expect(encodedHashLocation('/')).toBeUndefined()
    expect(encodedHashLocation('/index.html')).toBeUndefined()
    expect(encodedHashLocation('/%23heading')).toBeUndefined()
    expect(encodedHashLocation('/%23%E0')).toBeUndefined()
  })
})
