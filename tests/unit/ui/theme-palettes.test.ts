/**
 * The app's theme setting (Settings → Theme, `data-theme` on <html>) gives
 * exactly the palettes the system's `prefers-color-scheme` gives: the same
 * colour tokens, and nothing else in the app draws by the scheme. So axe's
 * contrast checks in the system's light and dark palettes
 * (tests/e2e/a11y.spec.ts) cover the setting's too; the e2e test checks only
 * that the setting takes effect.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import postcss, { type AtRule, type Container, type Rule } from 'postcss'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../../src')
const APP_CSS = readFileSync(join(SRC, 'app.css'), 'utf8')

/** Every declaration of a rule (its colour tokens, its `color-scheme`), by property. */
function declarations (rule: Rule): Map<string, string> {
  const found = new Map<string, string>()
  rule.walkDecls(decl => { found.set(decl.prop, decl.value) })
  return found
}

/** Rules directly in `container` (not in an at-rule) whose selector is exactly `selector`. */
function rulesOf (container: Container, selector: string): Rule[] {
  return (container.nodes ?? []).filter((node): node is Rule => node.type === 'rule' && node.selector === selector)
}

function only<T> (items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`)
  return items[0] as T
}

function tokens (rule: Rule): Map<string, string> {
  return new Map([...declarations(rule)].filter(([prop]) => prop.startsWith('--')))
}

const root = postcss.parse(APP_CSS)
const darkMedia = only(
  (root.nodes ?? []).filter((node): node is AtRule => node.type === 'atrule' && node.name === 'media' && /prefers-color-scheme:\s*dark/.test(node.params)),
  'dark media query in app.css'
)
const systemDark = only(rulesOf(darkMedia, ":root:not([data-theme='light'])"), "system dark rule, :root:not([data-theme='light'])")
const appDark = only(rulesOf(root, ":root[data-theme='dark']"), "app dark rule, :root[data-theme='dark']")
const appLight = only(rulesOf(root, ":root[data-theme='light']"), "app light rule, :root[data-theme='light']")
const base = only(rulesOf(root, ':root'), 'base :root rule')

describe('the theme setting gives the system palettes', () => {
  it('dark: the same tokens with the same values as the system dark palette, and a dark color-scheme', () => {
    expect(tokens(systemDark).size).toBeGreaterThan(10)
    expect(tokens(appDark)).toEqual(tokens(systemDark))
    expect(declarations(appDark).get('color-scheme')).toBe('dark')
  })

  it('dark covers every colour token the light palette sets', () => {
    const colours = [...tokens(base).keys()].filter(prop => !['--radius', '--mono'].includes(prop))
    expect([...tokens(systemDark).keys()].sort()).toEqual(colours.sort())
  })

  it("light: no tokens of its own (the base palette stays, and the system's dark one does not apply), and a light color-scheme", () => {
    expect(tokens(appLight)).toEqual(new Map())
    expect(declarations(appLight).get('color-scheme')).toBe('light')
    expect(systemDark.selector).toContain(":not([data-theme='light'])")
  })

  it('nothing else follows the system scheme: no other prefers-color-scheme, light-dark() or data-theme anywhere in the app', () => {
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .filter(file => /\.(svelte|css)$/.test(file))
      .map(file => ({ file, text: readFileSync(join(SRC, file), 'utf8') }))
    expect(files.length).toBeGreaterThan(20)
    const others = files.filter(({ file, text }) => file !== 'app.css' && /prefers-color-scheme|light-dark\(|data-theme/.test(text))
    expect(others.map(f => f.file)).toEqual([])
    expect(APP_CSS.match(/prefers-color-scheme/g)).toHaveLength(1)
    expect(APP_CSS).not.toContain('light-dark(')
  })
})
