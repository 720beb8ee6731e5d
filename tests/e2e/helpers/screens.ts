import { expect } from '@playwright/test'
import { createGroup, joinGroup, openGroup } from './groups.ts'
import { addContact, befriend, message, onboard, openScreen, readInvite, send } from './parley.ts'
import type { Locator, Page } from '@playwright/test'

/**
 * A tour of every screen of Parley, for checks that must hold on all of them
 * (axe, no English left in Russian, no CSP violation, screenshots). The tour
 * moves by URL (`#/…`), not by link names, so it works in any language.
 *
 * {@link prepareTour} builds the data the screens show: Alice and Bob are
 * contacts with a few messages, and (with Carol) a contact request waits in
 * Alice's chats list; with `groups`, Alice and Bob are in a group with a
 * few messages (one mentions Alice) and Bob's invitation to another waits
 * in Alice's list. Then {@link tourScreens} lists the screens and
 * {@link showScreen} brings a page to one of them, ready to be checked.
 */

/** One screen: a name for reports and the hash route that shows it. */
export interface TourScreen {
  readonly name: string
  readonly hash: string
}

export interface TourSetup {
  /** Alice's contact id for Bob (`#/chat/<id>`) */
  readonly bobContactId: number
  /** the group Alice and Bob are in (`#/group/<id>`), when the tour has groups */
  readonly groupId?: string
}

export interface TourOptions {
  /** a group of Alice and Bob with messages, and an invitation from Bob waiting in Alice's list */
  groups?: boolean
  /** Alice and Bob are contacts already, each in the chat with the other (prepared people: tests/e2e/prepared.ts) */
  befriended?: boolean
}

/** The tour's group messages: Bob's mentions Alice. */
export const TOUR_GROUP_MESSAGES = {
  fromAlice: 'Who brings the tent?',
  fromBob: 'I do, @Alice takes the stove'
} as const

/**
 * The messages the chat screen shows in a tour: a link, a reply and emoji
 * (`npm test` installs a colour emoji font with Chromium).
 */
export const TOUR_MESSAGES = {
  fromBob: 'Hi Alice! Here is the plan: https://example.org/plan',
  fromAlice: 'Thanks Bob, see you at 7.',
  fromBobAgain: 'Great, bring the map! 🗺️👍'
} as const

/**
 * Alice and Bob onboard, become contacts (unless `befriended`) and exchange
 * three messages (Alice ends in the chat with Bob); with `carol`, Carol asks
 * Alice to be her contact, so the request shows in Alice's chats list.
 */
export async function prepareTour (alice: Page, bob: Page, carol?: Page, options: TourOptions = {}): Promise<TourSetup> {
  if (options.befriended !== true) await befriend(alice, bob)
  const bobContactId = Number(/#\/chat\/(\d+)/.exec(alice.url())?.[1])
  if (!Number.isSafeInteger(bobContactId)) throw new Error(`Alice is not in a chat after befriending: ${alice.url()}`)
  await send(bob, TOUR_MESSAGES.fromBob)
  await expect(message(alice, 'Here is the plan')).toBeVisible()
  await send(alice, TOUR_MESSAGES.fromAlice)
  await expect(message(bob, 'see you at 7')).toBeVisible()
  await send(bob, TOUR_MESSAGES.fromBobAgain)
  await expect(message(alice, 'bring the map')).toBeVisible()
  await expect(message(alice, 'see you at 7')).toHaveAttribute('data-state', /delivered|read/)
  if (carol !== undefined) {
    const { invite } = await readInvite(alice)
    await onboard(carol, 'Carol')
    await addContact(carol, invite, 'Alice')
    await alice.evaluate(() => { location.hash = '#/' })
    await expect(alice.locator('main li.request')).toHaveCount(1, { timeout: 30_000 })
  }
  if (options.groups !== true) return { bobContactId }
  const groupId = await createGroup(alice, 'Camping', ['Bob'])
  await joinGroup(bob, 'Camping')
  await send(alice, TOUR_GROUP_MESSAGES.fromAlice)
  await openGroup(bob, 'Camping')
  await expect(message(bob, TOUR_GROUP_MESSAGES.fromAlice)).toBeVisible({ timeout: 30_000 })
  await send(bob, TOUR_GROUP_MESSAGES.fromBob)
  await expect(message(alice, 'takes the stove')).toHaveAttribute('data-mentions-me', '', { timeout: 30_000 })
  await createGroup(bob, 'Book club', ['Alice'])
  // Bob back where the tour without groups leaves him: in his chat with Alice (a group's row names her too)
  await openScreen(bob, 'Chats')
  await bob.getByRole('main').locator('a[href^="#/chat/"]').filter({ hasText: 'Alice' }).click()
  await expect(bob.getByRole('heading', { name: 'Alice', level: 1 })).toBeVisible()
  await alice.evaluate(() => { location.hash = '#/' })
  await expect(alice.locator('main li.invitation')).toHaveCount(1, { timeout: 30_000 })
  return { bobContactId, groupId }
}

/** Every screen of an onboarded person, in tour order. */
export function tourScreens (setup: TourSetup): TourScreen[] {
  const screens: TourScreen[] = [
    { name: 'chats', hash: '#/' },
    { name: 'chat', hash: `#/chat/${setup.bobContactId}` },
    { name: 'contact info', hash: `#/contact/${setup.bobContactId}` },
    { name: 'add contact', hash: '#/add' },
    { name: 'my invite', hash: '#/invite' },
    { name: 'network', hash: '#/network' },
    { name: 'settings', hash: '#/settings' },
    { name: 'search', hash: '#/search' },
    { name: 'share', hash: '#/share' }
  ]
  if (setup.groupId !== undefined) {
    screens.push(
      { name: 'group', hash: `#/group/${setup.groupId}` },
      { name: 'group info', hash: `#/group/${setup.groupId}/info` },
      { name: 'new group', hash: '#/new-group' }
    )
  }
  return screens
}

/** The visible heading of the current screen. */
function heading (page: Page): Locator {
  return page.locator('main h1').first()
}

/** Brings `page` to `screen` and waits until it has loaded its data. */
export async function showScreen (page: Page, screen: TourScreen): Promise<void> {
  await page.evaluate((hash) => { location.hash = hash }, screen.hash)
  await expect(heading(page)).toBeVisible()
  await expect(heading(page)).not.toHaveAttribute('aria-busy', 'true')
  await expect(page.locator('main').getByText(/^(Loading…|Загрузка…)$/)).toHaveCount(0)
  switch (screen.name) {
    case 'chats':
      await expect(page.locator('main a[href^="#/chat/"]').first()).toBeVisible()
      break
    case 'chat':
    case 'group':
      await expect(page.locator('main [role=log] li[data-message-id]').first()).toBeVisible()
      await expect(page.locator('main [role=log]')).not.toHaveAttribute('aria-busy', 'true')
      break
    case 'group info':
      await expect(page.locator('main li[data-role]').first()).toBeVisible()
      break
    case 'new group':
      await expect(page.locator('main input[type=checkbox]').first()).toBeVisible()
      break
    case 'my invite':
      await expect(page.locator('main img, main svg, main canvas').first()).toBeVisible()
      break
  }
}

/** Reloads `page` and waits for the app to be back on a screen (the onboarded shell). */
export async function reloadApp (page: Page): Promise<void> {
  await page.reload()
  await expect(page.locator('main h1').first()).toBeVisible({ timeout: 30_000 })
}

/** A fresh person's first screen: onboarding, in its own browser context. */
export async function showOnboarding (page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(heading(page)).toBeVisible({ timeout: 30_000 })
  await expect(page.locator('main input').first()).toBeVisible()
}
