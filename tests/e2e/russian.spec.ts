// the backup section's, linked devices', linking's and push's strings load with them: added here, so that they are looked for too
import '../../src/lib/i18n/backup.ts'
import '../../src/lib/i18n/devices.ts'
import '../../src/lib/i18n/link.ts'
import '../../src/lib/i18n/push.ts'
import { englishStrings } from '../../src/lib/i18n/index.ts'
import { expect, test } from './fixtures.ts'
import { nav } from './helpers/parley.ts'
import { prepareTour, showOnboarding, showScreen, tourScreens } from './helpers/screens.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * With Russian chosen, no screen shows English (issue 9 "Languages"). On every
 * screen of the tour, every visible text node and every aria-label,
 * placeholder, title and alt (and the page title) outside a `[translate=no]`
 * subtree (user data: names, message bodies, PeerIDs, addresses) must be
 * neither a string of the English table (`englishStrings()`) nor hold a Latin
 * word other than the technical names in {@link ALLOWED}.
 *
 * Labels built around user data ("Accept Carol", "Join Camping", "Test /ip4/…/p2p/12D3…")
 * have that data (the tour's names and groups, multiaddrs, PeerIDs) removed first.
 *
 * Russian is chosen both ways the app offers: localStorage 'parley.language'
 * set before the page loads (a newcomer's onboarding), and the Settings
 * control (an onboarded person, who then tours every screen).
 */

/** Latin words a Russian screen may show: names of things, not English (Enter and Esc as printed on Russian keyboards' keys). */
const ALLOWED = new Set([
  'Enter', 'Esc', 'Parley', 'PeerID', 'QR', 'DHT', 'WebRTC', 'WebRTC-Direct', 'TURN', 'STUN', 'NAT', 'URL', 'ID', 'RTT',
  'WebSocket', 'WebSockets', 'WebTransport', 'IPv4', 'IPv6', 'TCP', 'UDP', 'QUIC', 'libp2p', 'PWA', 'PNG', 'JPEG', 'ZIP',
  // the push services and the devices where one must be installed first (Settings → Notifications)
  'Google', 'Mozilla', 'Apple', 'iPhone', 'iPad'
])

const LATIN_WORD = /[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*/g

function latinWords (text: string): string[] {
  return (text.match(LATIN_WORD) ?? []).filter(word => !ALLOWED.has(word))
}

/** Each English string (every plural form) as an anchored pattern, placeholders as wildcards; only those with a word to translate. */
const ENGLISH: ReadonlyArray<{ key: string, pattern: RegExp }> = [...englishStrings()].flatMap(([key, entry]) => {
  const forms = typeof entry === 'string' ? [entry] : Object.values(entry).filter((f): f is string => f !== undefined)
  return forms
    .filter(form => latinWords(form.replace(/\{\w+\}/g, '')).length > 0)
    .map(form => {
      const source = form.trim().split(/\{\w+\}/).map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')).join('[\\s\\S]+?')
      return { key, pattern: new RegExp(`^${source}$`) }
    })
})

/** Everything the screen says to people, outside user data: text nodes, labels, placeholders, titles, alts. */
async function screenTexts (page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = [document.title]
    const isUserData = (el: Element): boolean => el.closest('[translate="no"]') !== null
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const el = node.parentElement
      const text = node.nodeValue?.trim() ?? ''
      if (el === null || text === '' || isUserData(el) || el.closest('script, style, noscript, template') !== null) continue
      // what is drawn, or read to screen-reader users (visually-hidden text counts)
      if (!el.checkVisibility({ visibilityProperty: true })) continue
      texts.push(text)
    }
    for (const el of document.body.querySelectorAll('[aria-label], [placeholder], [title], [alt], [aria-description]')) {
      if (isUserData(el)) continue
      for (const name of ['aria-label', 'placeholder', 'title', 'alt', 'aria-description']) {
        const value = el.getAttribute(name)?.trim()
        if (value !== undefined && value !== '') texts.push(value)
      }
    }
    return texts
  })
}

/** User data that labels may carry: the tour's people and groups, multiaddrs and PeerIDs. */
const USER_DATA = /\b(?:Alice|Bob|Carol|Camping|Book club)\b|\/(?:ip4|ip6|dns4|dns6|dns|dnsaddr)\/\S+|\b(?:12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{40,}\b/g

/** Why `text` is not Russian UI, or undefined when it is. */
function problem (text: string): string | undefined {
  const english = ENGLISH.find(({ pattern }) => pattern.test(text))
  if (english !== undefined) return `English string ${english.key}`
  const words = latinWords(text.replace(USER_DATA, ''))
  return words.length > 0 ? `Latin words ${words.join(', ')}` : undefined
}

async function collect (page: Page, screen: string, found: Map<string, string>): Promise<void> {
  await expect.poll(async () => page.evaluate(() => document.documentElement.lang)).toBe('ru')
  for (const text of await screenTexts(page)) {
    const why = problem(text)
    const line = `${JSON.stringify(text.slice(0, 200))}: ${why ?? ''}`
    if (why !== undefined && !found.has(line)) found.set(line, screen)
  }
}

function report (found: Map<string, string>): string {
  return [...found].map(([line, screen]) => `  ${screen}: ${line}`).join('\n')
}

test('Russian: no English string on any screen', async ({ alice, bob, carol, browser, app }) => {
  test.setTimeout(240_000)
  const found = new Map<string, string>()

  // a newcomer whose language was chosen before the page loaded
  const context = await browser.newContext()
  await context.addInitScript(() => { localStorage.setItem('parley.language', 'ru') })
  const newcomer = await context.newPage()
  await showOnboarding(newcomer, app.url)
  await collect(newcomer, 'onboarding', found)
  await context.close()

  // an onboarded person who picks Russian in Settings, then tours every screen
  const setup = await prepareTour(alice.page, bob.page, carol.page, { groups: true, befriended: true })
  await nav(alice.page).getByRole('link', { name: 'Settings' }).click()
  await alice.page.getByRole('radio', { name: 'Русский' }).check()
  await expect.poll(async () => alice.page.evaluate(() => document.documentElement.lang)).toBe('ru')
  for (const screen of tourScreens(setup)) {
    await showScreen(alice.page, screen)
    await collect(alice.page, screen.name, found)
  }

  expect(found.size, `English left on Russian screens:\n${report(found)}`).toBe(0)
})
