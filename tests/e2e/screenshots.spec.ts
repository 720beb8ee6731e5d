import { expect, test } from './fixtures.ts'
import { attach, fileCard, png } from './helpers/files.ts'
import { addCard, befriend, confirmAdd, expectOnline, expectPath, message, onboard, openScreen, readInvite, send } from './helpers/parley.ts'
import { prepareTour, showOnboarding, showScreen } from './helpers/screens.ts'
import { GALLERY_VIEWPORT, shot } from './helpers/shots.ts'
import { befriendNew, createGroup, invitation, joinGroup, openGroup, openGroupInfo } from './helpers/groups.ts'
import type { Browser, Page } from '@playwright/test'

/**
 * Screenshots of the real app, taken by `npm run screenshots` (not by `npm
 * test`) into test-results/screenshots/ and docs/screenshots (which the README
 * shows). What the steps assert on the way is asserted by the ordinary specs.
 *
 * 1. Phone (360×780 at 2× pixels) and desktop (1280×800), light and dark: the
 *    onboarding, the chats list and a chat with a few messages. Alice uses the
 *    phone and Bob the desktop, chatting with each other.
 * 2. The feature gallery (420×720, light): onboarding, chat, files, contact
 *    info, chats with a request, invite, a bad invite, nearby, network.
 * 3. Groups (420×720, light): an invitation, a group's chat of three people
 *    (one of them a mention), the group's info.
 */

const PHONE = { viewport: { width: 360, height: 780 }, deviceScaleFactor: 2 }
const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 }
const SCHEMES = ['light', 'dark'] as const

/** A person in a browser context of this device's size. */
async function personOn (browser: Browser, device: typeof PHONE, url: string): Promise<Page> {
  // the microphone permission lets Chromium gather loopback ICE candidates (docs/testing.md)
  const context = await browser.newContext({ ...device, permissions: ['microphone'] })
  const page = await context.newPage()
  await page.goto(url)
  return page
}

/** Shoots `page` in the light and the dark palette (the system's), as `<name>-<scheme>`. */
async function bothSchemes (page: Page, name: string): Promise<void> {
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme })
    await expect.poll(async () => page.evaluate(() => getComputedStyle(document.body).backgroundColor))
      .toBe(scheme === 'dark' ? 'rgb(17, 20, 24)' : 'rgb(255, 255, 255)')
    await shot(page, `${name}-${scheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

test('phone and desktop, light and dark: onboarding, chats, chat', async ({ browser, app, carol }) => {
  test.setTimeout(180_000)
  const phone = await personOn(browser, PHONE, app.url)
  const desktop = await personOn(browser, DESKTOP, app.url)
  try {
    await showOnboarding(phone, app.url)
    await showOnboarding(desktop, app.url)
    await bothSchemes(phone, 'onboarding-phone')
    await bothSchemes(desktop, 'onboarding-desktop')

    const setup = await prepareTour(phone, desktop, carol.page)
    const aliceId = Number(/#\/chat\/(\d+)/.exec(desktop.url())?.[1])

    await showScreen(phone, { name: 'chat', hash: `#/chat/${setup.bobContactId}` })
    await expectPath(phone, 'direct')
    await bothSchemes(phone, 'chat-phone')
    await showScreen(desktop, { name: 'chat', hash: `#/chat/${aliceId}` })
    await expectPath(desktop, 'direct')
    await bothSchemes(desktop, 'chat-desktop')

    await showScreen(phone, { name: 'chats', hash: '#/' })
    await expect(phone.getByRole('button', { name: 'Accept Carol' })).toBeVisible()
    await bothSchemes(phone, 'chats-phone')
    await showScreen(desktop, { name: 'chats', hash: '#/' })
    await bothSchemes(desktop, 'chats-desktop')
  } finally {
    await phone.context().close()
    await desktop.context().close()
  }
})

test('feature gallery: chat, files, contact info, requests, invite, nearby, network', async ({ alice, bob, carol }) => {
  test.setTimeout(240_000)
  const [a, b, c] = [alice.page, bob.page, carol.page]
  for (const page of [a, b, c]) await page.setViewportSize(GALLERY_VIEWPORT)

  await expect(a.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
  await shot(a, 'onboarding')
  await befriend(a, b)
  await send(b, 'Hi Alice! Found you through the relay, now we talk directly.')
  await expect(message(a, 'Found you')).toBeVisible()
  await send(a, 'Hello Bob, this came straight from my browser.')
  await expect(message(a, 'straight from my browser')).toHaveAttribute('data-state', /^(delivered|read)$/)
  await send(b, 'Nice. Nothing stored anywhere but on our devices.')
  await expect(message(b, 'Nothing stored')).toHaveAttribute('data-state', /^(delivered|read)$/)
  await expectPath(a, 'direct')
  await shot(a, 'chat')

  // a photo and a document: the photo's thumbnail travels with the offer, both arrive verified
  const sunset = png(960, 640, (x, y) => [255 - Math.round(y / 4), 120 + Math.round(x / 10), 60 + Math.round(y / 5)])
  await attach(a, { name: 'sunset.png', mimeType: 'image/png', buffer: sunset })
  await attach(a, { name: 'Trip plan (draft).pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 a plan, not a real pdf') })
  await expect(fileCard(b, 'sunset.png').getByTestId('file-thumb')).toBeVisible()
  for (const name of ['sunset.png', 'Trip plan (draft).pdf']) {
    await expect(fileCard(b, name)).toHaveAttribute('data-state', 'complete', { timeout: 30_000 })
  }
  await shot(b, 'files')

  // message actions: Bob reacts to Alice's message and answers it with a quote; his menu open
  const menu = b.getByRole('menu', { name: 'Message actions' })
  await message(b, 'straight from my browser').locator('.bubble').click({ button: 'right' })
  await menu.getByRole('menuitem', { name: 'React', exact: true }).click()
  await b.getByRole('dialog', { name: 'React to the message' }).getByRole('button', { name: '👍' }).click()
  await message(b, 'straight from my browser').locator('.bubble').click({ button: 'right' })
  await menu.getByRole('menuitem', { name: 'Reply', exact: true }).click()
  await send(b, 'Exactly why I like it.')
  await expect(message(a, 'Exactly why I like it.').getByRole('button', { name: /Show the original message/ })).toBeVisible()
  await expect(message(a, 'straight from my browser').getByRole('group', { name: 'Reactions' })).toContainText('👍')
  await message(b, 'Exactly why I like it.').locator('.bubble').click({ button: 'right' })
  await expect(menu).toBeVisible()
  await shot(b, 'actions')
  await b.keyboard.press('Escape')

  await a.getByRole('link', { name: 'Contact info for Bob' }).click()
  await expect(a.getByLabel('Safety number digits')).toBeVisible({ timeout: 30_000 })
  await expect(a.getByRole('img', { name: 'Safety number QR code' })).toBeVisible()
  await a.evaluate(() => { document.getElementById('safety-heading')?.scrollIntoView() })
  await shot(a, 'contact-info')

  // Carol asks Alice to be her contact: a request waits in Alice's chats list
  await onboard(c, 'Carol')
  const { invite } = await readInvite(a)
  // Carol opens Alice's short link: "Add Alice?" before anything is sent
  await c.goto(invite)
  await expect(addCard(c).getByRole('heading')).toHaveText('Add Alice?')
  await shot(c, 'add-card')
  await confirmAdd(c, 'Alice')
  await openScreen(a, 'Chats')
  await expect(a.getByRole('button', { name: 'Accept Carol' })).toBeVisible({ timeout: 30_000 })
  await shot(a, 'chats')

  await openScreen(a, 'My invite')
  await expect(a.getByRole('img', { name: 'Invite QR code' })).toBeVisible()
  await shot(a, 'invite')

  await openScreen(a, 'Add contact')
  await a.getByRole('textbox', { name: 'Invite', exact: true }).fill('http://127.0.0.1:5173/#/add/eyJ2IjoxLCJpZCI6')
  await a.getByRole('button', { name: 'Add contact' }).click()
  await expect(a.getByRole('alert')).toBeVisible()
  await shot(a, 'bad-invite')

  // Nearby (Add contact): Carol and Alice opt in and see each other through their relay-node
  for (const page of [c, a]) {
    await openScreen(page, 'Add contact')
    await page.getByRole('switch', { name: 'Show me to people nearby' }).check()
  }
  const nearby = a.getByRole('list', { name: 'People nearby' })
  await expect(nearby.getByRole('listitem').filter({ hasText: 'Carol' })).toBeVisible({ timeout: 30_000 })
  await nearby.scrollIntoViewIfNeeded()
  await shot(a, 'nearby')

  // the Network panel: relays with their state, own addresses, reachability, DHT, connections
  await openScreen(a, 'Network')
  await expectOnline(a)
  await expect(a.getByRole('region', { name: 'Reachability' })).toContainText(/reservation/, { timeout: 30_000 })
  await shot(a, 'network')
})

test('groups: an invitation, a group chat, its info', async ({ alice, bob, carol }) => {
  test.setTimeout(240_000)
  const [a, b, c] = [alice.page, bob.page, carol.page]
  for (const page of [a, b, c]) await page.setViewportSize(GALLERY_VIEWPORT)
  await befriend(a, b)
  await befriendNew(a, 'Alice', c, 'Carol')
  const group = 'Sunday dinner'
  await createGroup(a, group, ['Bob', 'Carol'])
  // on a phone-sized screen the invitation is on the Chats screen
  await openScreen(b, 'Chats')
  await expect(invitation(b, group)).toContainText('Alice invited you', { timeout: 30_000 })
  await shot(b, 'group-invitation')
  await joinGroup(b, group)
  await openScreen(c, 'Chats')
  await expect(invitation(c, group)).toContainText('Alice invited you', { timeout: 30_000 })
  await joinGroup(c, group)

  await send(a, 'Dinner on Sunday at ours, 7 pm?')
  await openGroup(b, group)
  await expect(message(b, 'Dinner on Sunday')).toBeVisible({ timeout: 30_000 })
  await send(b, 'Count me in! I will bring the wine.')
  await openGroup(c, group)
  await expect(message(c, 'bring the wine')).toBeVisible({ timeout: 30_000 })
  await send(c, '@Alice lovely, I will bake a cake 🎂')
  await expect(message(a, 'bake a cake')).toBeVisible({ timeout: 30_000 })
  await expect(message(a, 'bring the wine')).toBeVisible()
  await shot(a, 'group')
  await openGroupInfo(a, group)
  await shot(a, 'group-info')
})
