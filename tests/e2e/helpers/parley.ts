import { expect } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'

/** Page-level steps a person takes in Parley, asserted through the accessible UI. */

/**
 * The app's main navigation: the tabs Chats, Search, Add contact (labelled
 * "Add") and Settings; a tab bar at the bottom of a phone (not inside a chat,
 * which has a back arrow instead), a rail on the left of a desktop.
 */
export function nav (page: Page): Locator {
  return page.getByRole('navigation', { name: 'Main' })
}

/** Screens reached through another one rather than a tab: My invite from Add contact, Network from Settings. */
const REACHED_THROUGH = { 'My invite': 'Add contact', Network: 'Settings' } as const

type Screen = 'Chats' | 'Search' | 'Add contact' | 'Settings' | keyof typeof REACHED_THROUGH

/** The heading (the one h1 in <main>) each screen opens with: its tab's or link's name, but Search's. */
const HEADING: Readonly<Record<Screen, string>> = {
  Chats: 'Chats',
  Search: 'Search messages',
  'Add contact': 'Add contact',
  Settings: 'Settings',
  'My invite': 'My invite',
  Network: 'Network'
}

/**
 * Waits until `screen` is the one shown. A click on a link changes the address
 * at once, but the app draws the new screen only on the hashchange event, a
 * task later (under load, long enough for the next step to run first). So
 * neither the click nor the URL says the screen is up: its heading does.
 */
async function expectScreen (page: Page, screen: Screen): Promise<void> {
  const main = page.getByRole('main')
  try {
    await expect(main.getByRole('heading', { level: 1, name: HEADING[screen], exact: true })).toBeVisible()
  } catch (err) {
    // say where the page is instead, so a failure in CI tells why
    const shown = await main.locator('h1').allInnerTexts().catch(() => [])
    if (err instanceof Error) err.message += `\n(opening ${screen}: the page is at ${page.url()}, showing ${shown.length === 0 ? 'no h1' : shown.map(h => `"${h}"`).join(', ')})`
    throw err
  }
}

/** Opens a screen as a person does: its tab, or the link on the screen it is reached through; returns once it is shown. */
export async function openScreen (page: Page, screen: Screen): Promise<void> {
  // a chat on a phone has the screen to itself: its back arrow leads to the tabs; contact and
  // group info, a step further, lead back to their chat first
  const back = page.getByRole('link', { name: 'Back to chats' })
  const toChat = page.getByRole('link', { name: /^Back to the (chat|group)$/ })
  // the first: on a desktop the tabs and contact info's ← show together
  await expect(nav(page).or(back).or(toChat).first()).toBeVisible()
  if (!await nav(page).isVisible() && await toChat.isVisible()) {
    await toChat.click()
    await expect(nav(page).or(back).first()).toBeVisible()
  }
  if (await back.isVisible()) await back.click()
  if (!(screen in REACHED_THROUGH)) {
    await nav(page).getByRole('link', { name: screen }).click()
    await expectScreen(page, screen)
    return
  }
  const through = REACHED_THROUGH[screen as keyof typeof REACHED_THROUGH]
  await nav(page).getByRole('link', { name: through }).click()
  // Not before that screen is up: until then a phone shows the chats list, whose empty state links
  // My invite too; a click would pick that link, which the new screen then hides, and wait on it
  // for ever (an action keeps the element it found while that stays in the page).
  await expectScreen(page, through)
  // the last: on a desktop the chats list (an empty one links My invite too) comes before the screen in <main>
  await page.getByRole('main').getByRole('link', { name: screen, exact: true }).last().click()
  await expectScreen(page, screen)
}

export async function onboard (page: Page, name: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
  await page.getByLabel('Your name').fill(name)
  await page.getByRole('button', { name: 'Continue' }).click()
  await expectOnline(page)
}

export async function expectOnline (page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Connection status' })).toHaveText('online', { timeout: 30_000 })
}

/** Opens "My invite" and returns the invite text and the PeerID shown there. */
export async function readInvite (page: Page): Promise<{ invite: string, peerId: string }> {
  await openScreen(page, 'My invite')
  const field = page.getByLabel('Your invite', { exact: true })
  await expect(field).not.toHaveValue('')
  const invite = await field.inputValue()
  const peerId = /12D3KooW[1-9A-HJ-NP-Za-km-z]{44}/.exec(await page.getByRole('main').innerText())?.[0]
  if (peerId == null) throw new Error('no PeerID shown on the invite page')
  return { invite, peerId }
}

/** Opens "My invite" and returns the full invite (with addresses; under "Full invite"), once the node holds a reservation. */
export async function readFullInvite (page: Page): Promise<string> {
  await openScreen(page, 'My invite')
  // unfolded, never folded again: a click on its summary would toggle it (callers may poll)
  await page.locator('details').filter({ has: page.getByText('Full invite, with your addresses') }).evaluate((details) => { (details as HTMLDetailsElement).open = true })
  const field = page.getByLabel('Full invite', { exact: true })
  await expect(field).not.toHaveValue('', { timeout: 30_000 })
  return field.inputValue()
}

/** Pastes an invite, confirms "Add <name>?" and lands in the chat with that contact. */
export async function addContact (page: Page, invite: string, expectedName: string): Promise<void> {
  await nav(page).getByRole('link', { name: 'Add contact' }).click()
  await page.getByRole('textbox', { name: 'Invite', exact: true }).fill(invite)
  await page.getByRole('button', { name: 'Add contact' }).click()
  await confirmAdd(page, expectedName)
}

/** The "Add <name>?" card: a request (or accepting theirs) is sent only by its button; then the chat opens. */
export function addCard (page: Page): Locator {
  return page.getByTestId('add-card')
}

/** Confirms the "Add <name>?" card that names `expectedName` and waits for the chat with them. */
export async function confirmAdd (page: Page, expectedName: string): Promise<void> {
  await expect(addCard(page).getByRole('heading')).toHaveText(`Add ${expectedName}?`)
  await addCard(page).getByRole('button', { name: /^(Send request|Accept request)$/ }).click()
  await expect(page.getByRole('heading', { name: expectedName, exact: true })).toBeVisible()
}

export async function openChat (page: Page, name: string): Promise<void> {
  // returns once the chats list is the screen: the one it came from (search results naming the contact too) is gone
  await openScreen(page, 'Chats')
  await page.getByRole('main').getByRole('link', { name: new RegExp(name) }).click()
  await expect(page.getByRole('heading', { name })).toBeVisible()
}

export function messages (page: Page): Locator {
  return page.getByRole('log', { name: 'Messages' }).getByRole('listitem')
}

export function message (page: Page, text: string): Locator {
  return messages(page).filter({ hasText: text })
}

export async function send (page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(text)
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(message(page, text)).toBeVisible()
}

/** Alice and Bob onboard and exchange invites; each ends in the chat with the other. */
export async function befriend (alice: Page, bob: Page): Promise<{ alicePeerId: string, bobPeerId: string }> {
  await onboard(alice, 'Alice')
  await onboard(bob, 'Bob')
  const a = await readInvite(alice)
  const b = await readInvite(bob)
  await addContact(alice, b.invite, 'Bob')
  await addContact(bob, a.invite, 'Alice')
  return { alicePeerId: a.peerId, bobPeerId: b.peerId }
}

/** The chats list's row (a link) for the contact called `name`. */
export function chatRow (page: Page, name: string): Locator {
  return page.getByRole('main').getByRole('link', { name: new RegExp(`^${name}`) })
}

/** The chat view's connection-path badge: "direct", "relayed" or "offline". */
export function connectionPath (page: Page): Locator {
  return page.getByTestId('connection-path')
}

export async function expectPath (page: Page, path: 'direct' | 'relayed' | 'offline'): Promise<void> {
  const badge = connectionPath(page)
  try {
    await expect(badge).toHaveAttribute('data-path', path, { timeout: 30_000 })
  } catch (err) {
    // say how the direct upgrade stood, so a failure in CI tells why
    const [state, attempts] = await Promise.all([badge.getAttribute('data-direct-state', { timeout: 1000 }), badge.getAttribute('data-direct-attempts', { timeout: 1000 })]).catch(() => ['unknown', 'unknown'])
    if (err instanceof Error) err.message += `\n(direct upgrade: ${state ?? 'none'}, attempts ${attempts ?? '0'})`
    throw err
  }
}

/**
 * Two tabs of one person show the chat with `other` live: a message from
 * `other` appears in both, and one sent from `second` reaches `other` and
 * turns delivered in both tabs.
 */
export async function expectTabsShareChat (first: Page, second: Page, other: Page): Promise<void> {
  await send(other, 'seen in both tabs?')
  await expect(message(first, 'seen in both tabs?')).toBeVisible()
  await expect(message(second, 'seen in both tabs?')).toBeVisible()

  await send(second, 'sent from the second tab')
  await expect(message(other, 'sent from the second tab')).toBeVisible()
  await expect(message(first, 'sent from the second tab')).toHaveAttribute('data-state', /^(delivered|read)$/)
  await expect(message(second, 'sent from the second tab')).toHaveAttribute('data-state', /^(delivered|read)$/)
}

/** Opens "My invite" and returns a PNG screenshot of the invite's QR code, as someone would send it. */
export async function inviteQrPng (page: Page): Promise<Buffer> {
  await openScreen(page, 'My invite')
  await expect(page.getByLabel('Your invite', { exact: true })).not.toHaveValue('')
  const qr = page.getByRole('img', { name: 'Invite QR code' })
  await expect(qr).toBeVisible()
  return qr.screenshot()
}

/** Opens "Add contact" and chooses `file` in "Scan from image file" (the desktop way to scan). */
export async function scanImageFile (page: Page, file: { name: string, mimeType: string, buffer: Buffer }): Promise<void> {
  await nav(page).getByRole('link', { name: 'Add contact' }).click()
  await page.getByLabel('Scan from image file').setInputFiles(file)
}
