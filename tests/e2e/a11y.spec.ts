import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import { prepareTour, reloadApp, showOnboarding, showScreen, tourScreens } from './helpers/screens.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * axe-core on every screen (issue 9 "Accessibility"): 0 serious or critical
 * violations, in the light and the dark palette, at a desktop's width (two
 * panes, the navigation rail) and again at a phone's (one screen, the bottom
 * tab bar; issue 22 item 5). The palettes are the system's
 * (`prefers-color-scheme`); the app's own theme setting (localStorage
 * 'parley.theme', see lib/state/preferences.svelte.ts) gives the same tokens
 * and nothing else draws by the scheme (tests/unit/ui/theme-palettes.test.ts),
 * so here it is only checked to take effect, on a light and a dark system.
 */

/** Playwright's default viewport is the desktop layout; this is the phone's. */
const PHONE = { width: 360, height: 780 }

type Scheme = 'light' | 'dark'

interface ThemeMode {
  readonly name: string
  /** what the system prefers */
  readonly system: Scheme
  /** the app's theme setting */
  readonly theme: 'system' | Scheme
}

const MODES: readonly ThemeMode[] = [
  { name: 'system light', system: 'light', theme: 'system' },
  { name: 'system dark', system: 'dark', theme: 'system' },
  { name: 'app dark on a light system', system: 'light', theme: 'dark' },
  { name: 'app light on a dark system', system: 'dark', theme: 'light' }
]

const SERIOUS = new Set(['serious', 'critical'])

/**
 * Serious and critical violations on the page as it is, one readable line per
 * element. axe runs in the page itself (`axe.run`, AxeBuilder's legacy mode,
 * which covers same-origin frames; the app's policy allows no other, CSP
 * `default-src 'self'`): the default way (a partial run per frame, then a
 * blank page opened and given axe again to join the results) cost about a
 * second more for each of this test's 50 analyses, with the same rules on
 * the same page. Only violations are gathered in full (`resultTypes`): every
 * rule still runs on every element, but axe skips working out a selector and
 * the HTML of each element that passed (its documented way to save time).
 */
async function seriousViolations (page: Page, where: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).setLegacyMode().options({ resultTypes: ['violations'] }).analyze()
  return violations
    .filter(v => SERIOUS.has(v.impact ?? ''))
    .flatMap(v => v.nodes.map(node =>
      `${where}: [${v.impact ?? ''}] ${v.id} (${v.help}) at ${node.target.join(' ')}\n    ${node.failureSummary?.replaceAll('\n', '\n    ') ?? ''}\n    ${node.html.slice(0, 300)}`))
}

/** Tab presses per screen: enough to pass every control of the longest screen's first part. */
const TAB_PRESSES = 40

/**
 * Walks the screen with Tab from the top: focus must move on every press (no
 * keyboard trap) and every element that gets it must show it (an outline of
 * at least 2 px or a box-shadow, on it or on the label that draws it).
 * "Moved" compares the element itself: its place among the page's elements
 * shifts when something above it comes or goes (a delivery tick, the
 * connection's state), which once made the next control look like the last.
 */
async function keyboardProblems (page: Page, where: string): Promise<string[]> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur()
    delete (window as { parleyLastFocus?: Element }).parleyLastFocus
  })
  const problems: string[] = []
  for (let press = 0; press < TAB_PRESSES; press++) {
    await page.keyboard.press('Tab')
    const focus = await page.evaluate(() => {
      const el = document.activeElement
      if (el === null || el === document.body) return undefined
      const walk = window as { parleyLastFocus?: Element }
      const stuck = walk.parleyLastFocus === el
      walk.parleyLastFocus = el
      const shown = (target: Element | null): boolean => {
        if (target === null) return false
        const style = getComputedStyle(target)
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none'
      }
      const id = `${el.tagName.toLowerCase()}${el.id === '' ? '' : `#${el.id}`} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`
      return { id, stuck, visible: shown(el) || shown(el.closest('label')) }
    })
    if (focus === undefined) break // past the last control: focus left the page
    if (focus.stuck) {
      problems.push(`${where}: focus stuck on ${focus.id} (keyboard trap)`)
      break
    }
    if (!focus.visible) problems.push(`${where}: no visible focus on ${focus.id}`)
  }
  return problems
}

async function applyMode (page: Page, mode: ThemeMode): Promise<void> {
  await page.emulateMedia({ colorScheme: mode.system })
  await page.evaluate((theme) => { localStorage.setItem('parley.theme', theme) }, mode.theme)
}

/**
 * Puts Alice's page in `mode`: the system's scheme applies at once (the app
 * follows prefers-color-scheme live); the app's own theme is read at start,
 * so a change of it reloads the page. The newcomer's page loads anew in every
 * mode, so a start in each palette is checked too.
 */
async function switchMode (page: Page, mode: ThemeMode, before: ThemeMode | undefined): Promise<void> {
  await applyMode(page, mode)
  if (before === undefined || before.theme !== mode.theme) await reloadApp(page)
}

async function expectPalette (page: Page, mode: ThemeMode): Promise<void> {
  const dark = mode.theme === 'system' ? mode.system === 'dark' : mode.theme === 'dark'
  // the page background follows the palette: near-black in dark, white in light
  await expect.poll(async () => page.evaluate(() => getComputedStyle(document.body).backgroundColor))
    .toBe(dark ? 'rgb(17, 20, 24)' : 'rgb(255, 255, 255)')
}

test('axe: every screen, light and dark, has no serious or critical violation; keyboard reaches and shows every control', async ({ alice, bob, carol, browser, app }) => {
  test.setTimeout(420_000)
  const setup = await prepareTour(alice.page, bob.page, carol.page, { groups: true, befriended: true })
  const screens = tourScreens(setup)
  const newcomer = await (await browser.newContext()).newPage()
  await newcomer.goto(app.url)

  const found: string[] = []
  let current: ThemeMode | undefined
  for (const mode of MODES.filter(m => m.theme === 'system')) {
    await applyMode(newcomer, mode)
    await showOnboarding(newcomer, app.url)
    await expectPalette(newcomer, mode)
    found.push(...await seriousViolations(newcomer, `${mode.name} / onboarding`))

    await switchMode(alice.page, mode, current)
    current = mode
    await expectPalette(alice.page, mode)
    for (const screen of screens) {
      await showScreen(alice.page, screen)
      found.push(...await seriousViolations(alice.page, `${mode.name} / ${screen.name}`))
    }
  }
  // the theme setting's palettes are the system's (see above): here they must take effect, at start and after a change
  for (const mode of MODES.filter(m => m.theme !== 'system')) {
    await applyMode(newcomer, mode)
    await showOnboarding(newcomer, app.url)
    await expectPalette(newcomer, mode)
    await switchMode(alice.page, mode, current)
    current = mode
    await expectPalette(alice.page, mode)
  }
  await newcomer.context().close()

  // keyboard: no trap, visible focus (light palette)
  const light = MODES[0] ?? { name: 'system light', system: 'light', theme: 'system' }
  await switchMode(alice.page, light, current)
  current = light
  for (const screen of screens) {
    await showScreen(alice.page, screen)
    found.push(...await keyboardProblems(alice.page, `keyboard / ${screen.name}`))
  }

  // a phone: every screen in the system's light and dark palettes, and the keyboard walk
  await alice.page.setViewportSize(PHONE)
  for (const mode of MODES.filter(m => m.theme === 'system')) {
    await switchMode(alice.page, mode, current)
    current = mode
    await expectPalette(alice.page, mode)
    for (const screen of screens) {
      await showScreen(alice.page, screen)
      found.push(...await seriousViolations(alice.page, `phone / ${mode.name} / ${screen.name}`))
    }
  }
  for (const screen of screens) {
    await showScreen(alice.page, screen)
    found.push(...await keyboardProblems(alice.page, `phone / keyboard / ${screen.name}`))
  }
  expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([])
})
