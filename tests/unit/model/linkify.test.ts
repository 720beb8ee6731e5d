import { describe, expect, it } from 'vitest'
import { linkify, MAX_LINKS, MAX_URL_LENGTH, type Segment } from '../../../src/lib/model/linkify.ts'
import { budgetMs } from '../../support/speed.ts'

/** The links of a body, as [text, href] pairs. */
function links (body: string): Array<[string, string]> {
  return linkify(body).flatMap(s => s.kind === 'link' ? [[s.text, s.href] as [string, string]] : [])
}

/** Joining every segment's text gives the body back, character for character. */
function joined (segments: Segment[]): string {
  return segments.map(s => s.text).join('')
}

describe('linkify', () => {
  it('keeps plain text as one text segment', () => {
    expect(linkify('hello there')).toEqual([{ kind: 'text', text: 'hello there' }])
    expect(linkify('')).toEqual([])
  })

  it('makes http, https and mailto links', () => {
    expect(linkify('see https://example.org/a?b=1#c now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1#c', href: 'https://example.org/a?b=1#c' },
      { kind: 'text', text: ' now' }
    ])
    expect(links('http://127.0.0.1:5173/#/add/xyz')).toEqual([['http://127.0.0.1:5173/#/add/xyz', 'http://127.0.0.1:5173/#/add/xyz']])
    expect(links('write to mailto:bob@example.org')).toEqual([['mailto:bob@example.org', 'mailto:bob@example.org']])
    expect(links('HTTPS://EXAMPLE.ORG')).toEqual([['HTTPS://EXAMPLE.ORG', 'HTTPS://EXAMPLE.ORG']])
  })

  it('leaves trailing punctuation and unbalanced brackets out of the link', () => {
    expect(links('see https://example.org/a.')).toEqual([['https://example.org/a', 'https://example.org/a']])
    expect(links('(https://example.org/a), ok?')).toEqual([['https://example.org/a', 'https://example.org/a']])
    expect(links('https://en.wikipedia.org/wiki/Foo_(bar)!')).toEqual([['https://en.wikipedia.org/wiki/Foo_(bar)', 'https://en.wikipedia.org/wiki/Foo_(bar)']])
    expect(links('«https://example.org/»')).toEqual([['https://example.org/', 'https://example.org/']])
    expect(joined(linkify('see https://example.org/a.'))).toBe('see https://example.org/a.')
  })

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'java\u0000script:alert(1)',
    ' javascript:alert(1)//https://example.org',
    'xhttps://example.org',
    'https://',
    'mailto:',
    'http://[::1',
    'https://example.org/<img src=x onerror=alert(1)>'
  ])('hostile or broken input stays text: %j', (body) => {
    const segments = linkify(body)
    expect(joined(segments)).toBe(body)
    const hrefs = segments.flatMap(s => s.kind === 'link' ? [s.href] : [])
    for (const href of hrefs) {
      expect(href).toMatch(/^(https?|mailto):/i)
      expect(href).not.toMatch(/[<>"'\s]/)
    }
  })

  it('never links a javascript: URL hidden inside a link-looking string', () => {
    expect(links('javascript://https://example.org/%0Aalert(1)')).toEqual([['https://example.org/%0Aalert(1)', 'https://example.org/%0Aalert(1)']])
    expect(links('<a href="javascript:alert(1)">https://ok.example</a>')).toEqual([['https://ok.example', 'https://ok.example']])
  })

  it('ends a link at bidi overrides and zero-width characters', () => {
    expect(links('https://example.org/\u202Egpj.exe')).toEqual([['https://example.org/', 'https://example.org/']])
    expect(links('https://example.org\u200Bevil')).toEqual([['https://example.org', 'https://example.org']])
  })

  it(`makes at most ${MAX_LINKS} links per body`, () => {
    const body = Array.from({ length: MAX_LINKS + 50 }, (_, i) => `https://e${i}.example`).join(' ')
    const segments = linkify(body)
    expect(segments.filter(s => s.kind === 'link')).toHaveLength(MAX_LINKS)
    expect(joined(segments)).toBe(body)
  })

  it(`leaves URLs over ${MAX_URL_LENGTH} characters as text`, () => {
    const long = `https://example.org/${'a'.repeat(MAX_URL_LENGTH)}`
    expect(links(long)).toEqual([])
    expect(joined(linkify(long))).toBe(long)
  })

  it('is fast on a 10,000-character line without spaces', () => {
    const body = `https://${'a'.repeat(10_000)}` + '.'.repeat(10_000)
    const started = performance.now()
    expect(joined(linkify(body))).toBe(body)
    expect(performance.now() - started).toBeLessThan(budgetMs(500))
  })
})

describe('linkify on pathological input', () => {
  it('stays linear with thousands of closing brackets after a URL', () => {
    const body = `https://example.org/${')'.repeat(20_000)}`
    const started = performance.now()
    expect(links(body)).toEqual([['https://example.org/', 'https://example.org/']])
    expect(performance.now() - started).toBeLessThan(budgetMs(500))
  })
})
