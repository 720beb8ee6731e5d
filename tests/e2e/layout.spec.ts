import { expect, test } from './fixtures.ts'
import { confirmAdd, message, nav, openScreen, readInvite, send } from './helpers/parley.ts'
import type { Locator, Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * The layout people know from Signal and WhatsApp (issue 22, item 5): on a
 * phone a bottom tab bar of four tabs and a chat with the whole height and a
 * back arrow; on a desktop the chats list beside the open chat. The width
 * alone decides (CSS), so one page is resized between the two.
 */

const PHONE = { width: 360, height: 780 }
const DESKTOP = { width: 1280, height: 800 }

/** The phone's slim header and tab bar together take at most this much of its height. */
const PHONE_CHROME_MAX_PX = 100
/** Inside a chat on a phone the message log gets at least this share of the height below the notices. */
const PHONE_LOG_MIN_SHARE = 0.7

function connectionStatus (page: Page): Locator {
  return page.getByRole('status', { name: 'Connection status' })
}

function backToChats (page: Page): Locator {
  return page.getByRole('link', { name: 'Back to chats' })
}

function tab (page: Page, name: string): Locator {
  return nav(page).getByRole('link', { name })
}

function chatsList (page: Page): Locator {
  return page.getByRole('list', { name: 'Chats' })
}

/**
 * The element that has focus in the page, as "H1 Chats". (Not toBeFocused:
 * that also needs the window to have the system's focus, which only one of
 * Firefox's windows has at a time.)
 */
async function focused (page: Page): Promise<string> {
  return page.evaluate(() => `${document.activeElement?.tagName ?? ''} ${document.activeElement?.textContent?.trim() ?? ''}`)
}

async function box (locator: Locator): Promise<{ x: number, y: number, width: number, height: number }> {
  const found = await locator.boundingBox()
  if (found === null) throw new Error('element has no box')
  return found
}

/** On `screen`: its h1 shows, its tab is marked, and the connection status is on screen. */
async function expectScreen (page: Page, heading: string, marked: string): Promise<void> {
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible()
  await expect(tab(page, marked)).toHaveAttribute('aria-current', 'page')
  await expect(nav(page).locator('[aria-current="page"]')).toHaveCount(1)
  await expect(connectionStatus(page)).toBeInViewport()
  await expect(connectionStatus(page)).toHaveText('online')
}

test('phone (360×780): four tabs at the bottom, My invite from Add, Network from Settings, a chat with the whole height and a back arrow', { tag: ['@firefox'] }, async ({ alice, bob }) => {
  const page = alice.page
  await page.setViewportSize(PHONE)
  await send(bob.page, 'hello from Bob')
  await expect(message(page, 'hello from Bob')).toBeVisible()

  // a chat: no tab bar, no app header; a back arrow, the contact, one status: Bob's (issue 56, item 10),
  // not the app's "online" beside it nor the path (that is in Contact info); the log has the height
  await expect(nav(page)).toBeHidden()
  await expect(backToChats(page)).toBeInViewport()
  await expect(page.getByRole('heading', { name: 'Bob', level: 1 })).toBeInViewport()
  await expect(page.getByRole('main').getByText('Connected', { exact: true })).toBeInViewport()
  await expect(connectionStatus(page)).toBeHidden()
  await expect(page.getByTestId('connection-path')).toBeHidden()
  await expect(page.getByRole('banner')).toBeHidden()
  // the chat reaches the bottom (no tab bar); only notices (the notifications offer, where a browser can ask) sit above it
  const screen = await box(page.getByRole('main'))
  expect(screen.y + screen.height).toBeCloseTo(PHONE.height, 0)
  const log = await box(page.getByRole('log', { name: 'Messages' }))
  expect(log.height, `the log is ${log.height} of ${screen.height} px`).toBeGreaterThanOrEqual(screen.height * PHONE_LOG_MIN_SHARE)
  const composer = await box(page.getByRole('button', { name: 'Send', exact: true }))
  expect(composer.y + composer.height).toBeGreaterThan(PHONE.height - 60)

  // Contact info is the chat's: a ← back to it, no tab bar; the path is told there
  await page.getByRole('link', { name: 'Contact info for Bob' }).click()
  await expect(page.getByRole('heading', { name: 'Bob', level: 1 })).toBeVisible()
  await expect(page.getByTestId('contact-path')).toHaveText(/^Connection path: (direct|relayed)$/)
  await expect(nav(page)).toBeHidden()
  await page.getByRole('link', { name: 'Back to the chat' }).click()
  await expect(page.getByRole('textbox', { name: 'Message', exact: true })).toBeInViewport()

  // the arrow leads back to the chats, and focus to their heading
  await backToChats(page).click()
  await expect(page).toHaveURL(/#\/$/)
  await expect.poll(async () => focused(page)).toBe('H1 Chats')
  await expectScreen(page, 'Chats', 'Chats')
  await expect(backToChats(page)).toHaveCount(0)

  // four tabs, icons over short labels, in a bar at the very bottom
  await expect(nav(page).getByRole('link')).toHaveCount(4)
  for (const [name, label] of [['Chats', 'Chats'], ['Search', 'Search'], ['Add contact', 'Add'], ['Settings', 'Settings']] as const) {
    await expect(tab(page, name)).toBeInViewport()
    await expect(tab(page, name)).toHaveText(label)
  }
  const bar = await box(nav(page))
  expect(bar.y + bar.height).toBeCloseTo(PHONE.height, 0)
  const header = await box(page.getByRole('banner'))
  expect(header.y).toBe(0)
  expect(header.height + bar.height, `header ${header.height} px + tab bar ${bar.height} px`).toBeLessThanOrEqual(PHONE_CHROME_MAX_PX)
  // the tabs sit side by side in one row
  const first = await box(tab(page, 'Chats'))
  const last = await box(tab(page, 'Settings'))
  expect(last.y).toBe(first.y)
  expect(last.x).toBeGreaterThan(first.x)

  // the screen's list of chats; opening one hides the list again
  await expect(chatsList(page)).toBeVisible()

  // My invite is reached from Add contact; its screen still marks the Add tab
  await tab(page, 'Add contact').click()
  await expectScreen(page, 'Add contact', 'Add contact')
  await expect(chatsList(page)).toBeHidden()
  await page.getByRole('main').getByRole('link', { name: 'My invite', exact: true }).click()
  await expectScreen(page, 'My invite', 'Add contact')
  await expect(page.getByLabel('Your invite', { exact: true })).not.toHaveValue('')

  // Network is reached from Settings; its screen still marks the Settings tab
  await tab(page, 'Settings').click()
  await expectScreen(page, 'Settings', 'Settings')
  await page.getByRole('main').getByRole('link', { name: 'Network', exact: true }).click()
  await expectScreen(page, 'Network', 'Settings')

  // what waits shows on the Chats tab, named in words
  await send(bob.page, 'while you were away')
  await expect(tab(page, 'Chats, 1 new')).toBeInViewport()
  await expect(nav(page).getByTestId('chats-waiting')).toHaveText('1')

  await tab(page, 'Search').click()
  await expectScreen(page, 'Search', 'Search')
  await tab(page, 'Chats').click()
  await page.getByRole('main').getByRole('link', { name: /^Bob/ }).click()
  await expect(message(page, 'while you were away')).toBeVisible()
  await expect(nav(page)).toBeHidden()
  await expect(tab(page, 'Chats, 1 new')).toHaveCount(0)
})

test('desktop (1280×800): the chats list beside the open chat, which it marks; no back arrow', { tag: ['@firefox'] }, async ({ alice, bob }) => {
  const page = alice.page
  await page.setViewportSize(DESKTOP)
  await send(bob.page, 'hello from Bob')
  await expect(message(page, 'hello from Bob')).toBeVisible()

  // in the chat: the navigation rail and the list stay, the list marks the chat
  const row = page.getByRole('main').getByRole('link', { name: /^Bob/ })
  await expect(nav(page)).toBeInViewport()
  await expect(chatsList(page)).toBeInViewport()
  await expect(row).toHaveAttribute('aria-current', 'page')
  await expect(row).toContainText('hello from Bob')
  await expect(backToChats(page)).toBeHidden()
  await expect(connectionStatus(page)).toBeInViewport()
  await expect(connectionStatus(page)).toHaveText('online')
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1)
  // side by side: the rail, the list, the chat
  const rail = await box(nav(page))
  const list = await box(chatsList(page))
  const log = await box(page.getByRole('log', { name: 'Messages' }))
  expect(rail.x + rail.width).toBeLessThanOrEqual(list.x)
  expect(list.x + list.width).toBeLessThanOrEqual(log.x)
  expect(log.x + log.width).toBeGreaterThan(DESKTOP.width - 40)
  expect(log.height).toBeGreaterThan(DESKTOP.height / 2)

  // with no chat open the right pane says so; the list's heading is the screen's
  await tab(page, 'Chats').click()
  await expect.poll(async () => focused(page)).toBe('H1 Chats')
  await expect(page.getByText('Choose a chat', { exact: true })).toBeInViewport()
  await expect(row).not.toHaveAttribute('aria-current', 'page')

  // opening the chat from the list keeps the list in place and marks the row
  await row.click()
  await expect.poll(async () => focused(page)).toBe('H1 Bob')
  await expect(row).toHaveAttribute('aria-current', 'page')
  await expect(chatsList(page)).toBeInViewport()
  await expect(page.getByRole('heading', { name: 'Chats', level: 2 })).toBeInViewport()

  // another screen opens beside the list too, as do My invite and Network
  await tab(page, 'Search').click()
  await expect.poll(async () => focused(page)).toBe('H1 Search messages')
  await expect(chatsList(page)).toBeInViewport()
  await openScreen(page, 'My invite')
  await expect(page.getByRole('heading', { name: 'My invite', level: 1 })).toBeVisible()
  await expect(tab(page, 'Add contact')).toHaveAttribute('aria-current', 'page')
  await openScreen(page, 'Network')
  await expect(page.getByRole('heading', { name: 'Network', level: 1 })).toBeVisible()
  await expect(chatsList(page)).toBeInViewport()

  // the same page at phone width: one screen, the tab bar at the bottom
  await page.setViewportSize(PHONE)
  await expect(chatsList(page)).toBeHidden()
  const bar = await box(nav(page))
  expect(bar.y + bar.height).toBeCloseTo(PHONE.height, 0)
})

test('desktop welcome (1280×800): a card in the middle, the app\'s own file picker, and the inviter named before Continue', { tag: ['@firefox'] }, async ({ alice, carol }) => {
  const { invite } = await readInvite(alice.page)
  const page = carol.page
  await page.setViewportSize(DESKTOP)
  // Carol opens Alice's invite link before she has a profile
  await page.goto(invite)
  await expect(page.getByRole('heading', { name: 'Welcome to Parley', level: 1 })).toBeVisible()
  await expect(page.getByTestId('invited-by')).toHaveText('Alice invited you. Choose your name, then add Alice.')

  // the welcome stands in the middle of the window, not against its left edge
  const card = await box(page.getByRole('main').locator('.card'))
  // (the window less its scrollbar, where the browser draws one)
  const inner = await page.evaluate(() => document.documentElement.clientWidth)
  expect(Math.abs(card.x + card.width / 2 - inner / 2), `the card spans ${card.x}–${card.x + card.width} px of ${inner}`).toBeLessThanOrEqual(1)

  // the backup file is chosen through a button of the app's look, which then names the file
  await expect(page.getByText('Choose file…', { exact: true })).toBeVisible()
  await expect(page.getByText('No file chosen', { exact: true })).toBeVisible()
  await page.getByLabel('Backup file').setInputFiles({ name: 'holiday.parley', mimeType: 'application/octet-stream', buffer: Buffer.from('{}') })
  await expect(page.getByText('holiday.parley', { exact: true })).toBeVisible()

  // Continue: then "Add Alice?", from the link she opened
  await page.getByLabel('Your name').fill('Carol')
  await page.getByRole('button', { name: 'Continue' }).click()
  await confirmAdd(page, 'Alice')
})
