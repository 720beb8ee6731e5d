import { expect, test } from './fixtures.ts'
import { addCard, nav, onboard, readFullInvite } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

/**
 * Hostile text (issue 9 "Safe rendering"): 20 strings that would run script,
 * restyle the page or break the layout if Parley treated text as HTML or
 * trusted its shape, sent as messages between two contacts and used as
 * display names (the name chosen at onboarding, and a nickname). Nothing may
 * execute (a canary global stays unset, no dialog opens), every message shows
 * its text verbatim, and the layout holds at 360 px and at desktop width.
 *
 * "Verbatim" is the bubble's textContent compared to the string sent, with
 * one normalisation the browser makes before Parley sees the text: a
 * <textarea> turns CR and CRLF into LF (none of the strings holds a CR). NUL
 * is left out: form controls may drop it. Names go through a one-line
 * <input>, which drops line breaks; they are trimmed and clipped to 64 UTF-16
 * units (the nickname field's maxlength). A name may not hold control
 * characters (invite.ts `validateName`): that one must be refused with an
 * error in words and change nothing.
 */

declare global {
  interface Window {
    __pwned?: unknown
  }
}

const CANARY = 'window.__pwned'

const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['script tag', `<script>${CANARY} = 'script'</script>`],
  ['img onerror', `<img src=x onerror="${CANARY}='img'">`],
  ['svg onload', `<svg onload="${CANARY}='svg'"><circle r="40"/></svg>`],
  ['event handler attributes', `<div onmouseover="${CANARY}='hover'" onclick="${CANARY}='click'" style="position:fixed;inset:0">click</div>`],
  ['javascript: anchor', `<a href="javascript:${CANARY}='a'">open me</a>`],
  ['bare javascript: link', `javascript:${CANARY}='link'`],
  ['data: link', `data:text/html,<script>parent.__pwned='data'</script>`],
  ['iframe srcdoc', `<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`],
  ['attribute breakout', `"><script>${CANARY}='attr'</script><p title="`],
  ['style and link', '<style>body{display:none!important}</style><link rel=stylesheet href=https://evil.example/x.css>'],
  ['bidi overrides', 'left \u202Egpj.exe\u202C \u202Bembedded\u202C \u2067isolated\u2069 \u200Fmark\u200E \u202Dover\u202C'],
  ['zero-width characters', 'zero\u200Bwidth\u200Cnon\u200Djoiner\u2060word\uFEFFjoiner'],
  ['10,000 characters without spaces', 'W'.repeat(10_000)],
  ['10,000 characters of words', 'lorem ipsum dolor sit amet '.repeat(400).slice(0, 10_000)],
  ['emoji ZWJ sequences', '👩‍👩‍👧‍👦 🏳️‍🌈 👨🏽‍💻 🧑‍🤝‍🧑 🇺🇦 ❤️‍🔥 🫱🏻‍🫲🏿'],
  ['template syntax', `\${${CANARY}='tpl'} {{constructor.constructor('${CANARY}=1')()}} {@html '<b>x</b>'} {#if true}x{/if} <%= 1 %>`],
  ['HTML entities', '&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &#x3C;b&#x3E; &nbsp; &#0;'],
  ['control characters', 'bell\u0007 back\u0008 tab\t vt\u000B ff\u000C esc\u001B[31mred\u001B[0m del\u007F c1\u0085\u009B end'],
  ['combining-mark stack', `Z${'\u0336\u0301\u0315\u035C\u0324'.repeat(40)}algo ${'e' + '\u0300\u0301\u0302\u0303\u0304'.repeat(30)}`],
  ['thousands of newlines', `top${'\n'.repeat(2000)}bottom`]
]

/** What a name may not hold (invite.ts): C0 and C1 control characters. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

const PHONE = { width: 360, height: 780 }
const DESKTOP = { width: 1280, height: 800 }

/** `text` as a name field holds it: no line breaks, trimmed, at most 64 UTF-16 units, never splitting a code point. */
function asName (text: string): string {
  let name = ''
  for (const ch of text.replace(/[\r\n]/g, '').trim()) {
    if (name.length + ch.length > 64) break
    name += ch
  }
  return name.trim()
}

/** Fails the test on any dialog (alert, confirm, prompt, beforeunload). */
function noDialogs (page: Page, seen: string[]): void {
  page.on('dialog', (dialog) => {
    seen.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
}

async function expectNotPwned (page: Page): Promise<void> {
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined()
}

/** The text of the last message bubble in `direction`, as the DOM holds it. */
async function lastBody (page: Page, direction: 'in' | 'out'): Promise<string | null> {
  return page.locator(`[role=log] li[data-direction=${direction}] p.body`).last().evaluate(el => el.textContent)
}

/** The heading of the current screen, as the DOM holds it. */
async function headingText (page: Page): Promise<string | null> {
  return page.locator('main h1').first().evaluate(el => el.textContent)
}

async function goTo (page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => { location.hash = h }, hash)
  await expect(page.locator('main h1').first()).not.toHaveAttribute('aria-busy', 'true')
}

/** Pastes `invite` and waits for the chat with the person called `name`. */
async function addByInvite (page: Page, invite: string, name: string): Promise<number> {
  await nav(page).getByRole('link', { name: 'Add contact' }).click()
  await page.getByRole('textbox', { name: 'Invite', exact: true }).fill(invite)
  await page.getByRole('button', { name: 'Add contact' }).click()
  await addCard(page).getByRole('button', { name: /^(Send request|Accept request)$/ }).click()
  await expect(page).toHaveURL(/#\/chat\/\d+$/)
  await expect.poll(async () => headingText(page)).toBe(name)
  return Number(/#\/chat\/(\d+)$/.exec(page.url())?.[1])
}

/** The page scrolls no sideways, bubbles sit inside the viewport, header and composer are on screen and work. */
async function expectLayoutIntact (page: Page, where: string): Promise<void> {
  // a chat just opened loads its history a moment after the heading shows
  await expect(page.locator('[role=log] .bubble').first(), `${where}: no bubbles rendered`).toBeVisible()
  const box = await page.evaluate(() => ({
    viewport: document.documentElement.clientWidth,
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    bubbles: [...document.querySelectorAll('[role=log] .bubble')].map((el) => {
      const rect = el.getBoundingClientRect()
      return { left: Math.floor(rect.left), right: Math.ceil(rect.right) }
    })
  }))
  expect(box.scrollWidth, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(box.viewport)
  expect(box.bubbles.length, `${where}: no bubbles rendered`).toBeGreaterThan(0)
  for (const bubble of box.bubbles) {
    expect(bubble.left, `${where}: a bubble starts left of the viewport`).toBeGreaterThanOrEqual(0)
    expect(bubble.right, `${where}: a bubble ends right of the viewport`).toBeLessThanOrEqual(box.viewport)
  }
  // the navigation on a desktop; on a phone a chat has the screen to itself, with a way back
  await expect(nav(page).or(page.getByRole('link', { name: 'Back to chats' })), where).toBeInViewport()
  await expect(page.locator('main h1').first(), where).toBeInViewport()
  const composer = page.getByRole('textbox', { name: 'Message', exact: true })
  await expect(composer, where).toBeInViewport()
  await expect(page.getByRole('button', { name: 'Send' }), where).toBeInViewport()
  await composer.fill('still usable')
  await expect(composer).toHaveValue('still usable')
  await composer.fill('')
}

test('hostile messages and names: nothing runs, text shows verbatim, layout holds', async ({ alice, bob }) => {
  test.setTimeout(300_000)
  const dialogs: string[] = []
  for (const page of [alice.page, bob.page]) noDialogs(page, dialogs)

  // display names chosen at onboarding
  const aliceName = asName(HOSTILE[1]?.[1] ?? '')
  const bobName = asName(HOSTILE[10]?.[1] ?? '')
  await onboard(alice.page, aliceName)
  await onboard(bob.page, bobName)
  // the full invites: a short link carries only as much of a name as fits 120 characters
  const a = await readFullInvite(alice.page)
  const b = await readFullInvite(bob.page)
  const bobId = await addByInvite(alice.page, b, bobName)
  await addByInvite(bob.page, a, aliceName)

  // every hostile string, as a message from Alice to Bob, verbatim on both sides
  const composer = alice.page.getByRole('textbox', { name: 'Message', exact: true })
  for (const [label, text] of HOSTILE) {
    await composer.fill(text)
    await alice.page.getByRole('button', { name: 'Send' }).click()
    await expect.poll(async () => lastBody(alice.page, 'out'), { message: `${label} (sent)` }).toBe(text)
    await expect.poll(async () => lastBody(bob.page, 'in'), { message: `${label} (received)`, timeout: 30_000 }).toBe(text)
  }
  await expect(alice.page.locator('[role=log] li[data-direction=out]').last()).toHaveAttribute('data-state', /delivered|read/)
  // links: only http(s)/mailto ever become anchors
  for (const page of [alice.page, bob.page]) {
    const hrefs = await page.locator('[role=log] p.body a').evaluateAll(els => els.map(el => el.getAttribute('href') ?? ''))
    for (const href of hrefs) expect(href).toMatch(/^(https?|mailto):/i)
  }

  for (const size of [PHONE, DESKTOP]) {
    for (const page of [alice.page, bob.page]) {
      await page.setViewportSize(size)
      await expectLayoutIntact(page, `chat at ${size.width} px`)
    }
  }

  // every hostile string as Bob's nickname on Alice's side: the contact page and the chat show it as text
  await alice.page.setViewportSize(PHONE)
  const names = HOSTILE.map(([label, text]) => [label, asName(text)] as const)
  const refused = names.filter(([, name]) => CONTROL.test(name))
  expect(refused.map(([label]) => label)).toEqual(['control characters'])
  for (const [label, nickname] of refused) {
    await goTo(alice.page, `#/contact/${bobId}`)
    const before = await headingText(alice.page)
    await alice.page.getByLabel('Nickname').fill(nickname)
    await alice.page.getByRole('button', { name: 'Save' }).click()
    await expect(alice.page.getByRole('alert'), label).toContainText(/control/i)
    expect(await headingText(alice.page)).toBe(before)
  }
  for (const [label, nickname] of names.filter(([, name]) => !CONTROL.test(name))) {
    await goTo(alice.page, `#/contact/${bobId}`)
    await alice.page.getByLabel('Nickname').fill(nickname)
    await alice.page.getByRole('button', { name: 'Save' }).click()
    await expect.poll(async () => headingText(alice.page), { message: `${label} (contact info)` }).toBe(nickname)
    const { scrollWidth, viewport } = await alice.page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }))
    expect(scrollWidth, `${label}: contact info scrolls sideways`).toBeLessThanOrEqual(viewport)
    await goTo(alice.page, `#/chat/${bobId}`)
    await expect.poll(async () => headingText(alice.page), { message: `${label} (chat)` }).toBe(nickname)
    await expectLayoutIntact(alice.page, `chat with nickname "${label}" at 360 px`)
    await goTo(alice.page, '#/')
    await expect(alice.page.locator('main a[href^="#/chat/"]').first()).toBeVisible()
    const chatsWidth = await alice.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(chatsWidth, `${label}: chats list scrolls sideways`).toBeLessThanOrEqual(0)
  }

  for (const page of [alice.page, bob.page]) await expectNotPwned(page)
  expect(dialogs).toEqual([])
})
