import { describe, expect, it } from 'vitest'
import { CSP_HEADER_POLICY, CSP_META_POLICY, cspMeta } from '../../../scripts/lib/csp.ts'

/** Directive name → its sources, from a policy string. */
function directives (policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map(part => part.trim().split(/\s+/)).map(([name = '', ...sources]) => [name, sources]))
}

describe('Content-Security-Policy', () => {
  it('allows no inline script or style and no eval', () => {
    expect(CSP_META_POLICY).not.toMatch(/'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|\*/)
    const policy = directives(CSP_META_POLICY)
    expect(policy.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
    expect(policy.get('style-src')).toEqual(["'self'"])
    expect(policy.get('object-src')).toEqual(["'none'"])
    expect(policy.get('base-uri')).toEqual(["'none'"])
    expect(policy.get('default-src')).toEqual(["'self'"])
  })

  it('sends the same policy as a header, plus no framing (which a <meta> cannot carry)', () => {
    expect(CSP_HEADER_POLICY).toBe(`${CSP_META_POLICY}; frame-ancestors 'none'`)
    expect(directives(CSP_META_POLICY).has('frame-ancestors')).toBe(false)
  })

  it('puts the <meta> into the built page only, before anything else in <head>', () => {
    const plugin = cspMeta()
    expect(plugin.apply).toBe('build')
    const hook = plugin.transformIndexHtml
    const handler = (typeof hook === 'object' && hook !== null && 'handler' in hook ? hook.handler : undefined) as (() => unknown) | undefined
    expect(handler?.()).toEqual([{
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META_POLICY },
      injectTo: 'head-prepend'
    }])
  })
})
