import { expect, test } from './fixtures.ts'
import { createGroup } from './helpers/groups.ts'
import { overflowAt } from './helpers/overflow.ts'
import { message, nav, readInvite, send } from './helpers/parley.ts'
import { showOnboarding, showScreen, tourScreens, type TourScreen } from './helpers/screens.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * Nothing is wider than a phone (issue 56, item 1): every screen at the
 * widths phones have, 320 to 430 px, in a mobile viewport (`isMobile`: the
 * page's `meta viewport` decides its width, as on a phone), each measured
 * against `visualViewport.width` (tests/e2e/helpers/overflow.ts). Chromium
 * only: Firefox has no mobile viewport.
 */

/** Phones' CSS widths, from the smallest still sold (iPhone SE 1st gen.) to a large one, each with its height. */
const PHONES = [
  { width: 320, height: 568 },
  { width: 360, height: 780 },
  { width: 390, height: 844 },
  { width: 430, height: 932 }
] as const

test.use({ isMobile: true, hasTouch: true, viewport: PHONES[1] })

/** Long text with no place to break, the kind that pushes a layout sideways. */
const LONG_WORD = 'Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen'
const LONG_LINK = 'https://example.org/a/very/long/path/that/goes/on/and/on/without/any/space?with=query&and=more'

/** After a resize: two frames, so that layout, resize observers and what they change have run. */
async function settled (page: Page): Promise<void> {
  await page.evaluate(async () => new Promise<void>((resolve) => { requestAnimationFrame(() => { requestAnimationFrame(() => { resolve() }) }) }))
}

/** The screen as it is now, at every phone width: one line per problem, named by screen and width. */
async function overflowEverywhere (page: Page, screen: string): Promise<string[]> {
  const found: string[] = []
  for (const phone of PHONES) {
    await page.setViewportSize(phone)
    await settled(page)
    found.push(...(await overflowAt(page)).map(problem => `${screen} at ${phone.width} px: ${problem}`))
  }
  return found
}

test('every screen fits phones 320–430 px wide: nothing wider than visualViewport, nothing scrolls sideways', async ({ alice, bob, carol }) => {
  // what the screens show: long words and links in a chat and a group, an invite to add, search results
  await send(bob.page, `${LONG_WORD} ${LONG_LINK}`)
  await expect(message(alice.page, LONG_WORD)).toBeVisible()
  await send(alice.page, `${LONG_WORD}!`)
  const bobContactId = Number(/#\/chat\/(\d+)/.exec(alice.page.url())?.[1])
  const { invite: bobsInvite } = await readInvite(bob.page)
  const { invite: alicesInvite } = await readInvite(alice.page)
  const groupId = await createGroup(alice.page, `Camping ${LONG_WORD.slice(0, 40)}`, ['Bob'])
  await send(alice.page, `Who brings the ${LONG_WORD}? ${LONG_LINK}`)

  const found: string[] = []

  // Carol's first screen, plain and opened from Alice's invite link (which names Alice before Continue)
  await showOnboarding(carol.page, carol.page.url())
  found.push(...await overflowEverywhere(carol.page, 'onboarding'))
  await carol.page.goto(alicesInvite)
  await expect.soft(carol.page.getByTestId('invited-by')).toContainText('Alice')
  found.push(...await overflowEverywhere(carol.page, 'onboarding with an invite'))

  const screens: TourScreen[] = [
    ...tourScreens({ bobContactId, groupId }),
    { name: 'add contact, "Add Bob?"', hash: bobsInvite.slice(bobsInvite.indexOf('#')) },
    { name: 'not found', hash: '#/nowhere' }
  ]
  for (const screen of screens) {
    await alice.page.setViewportSize(PHONES[1])
    await showScreen(alice.page, screen)
    found.push(...await overflowEverywhere(alice.page, screen.name))
  }

  // Group info is the group's: a ← back to it instead of the tab bar (issue 56, item 10)
  await showScreen(alice.page, { name: 'group info', hash: `#/group/${groupId}/info` })
  await expect.soft(nav(alice.page)).toBeHidden()
  await alice.page.getByRole('link', { name: 'Back to the group' }).click()
  await expect.soft(alice.page.getByRole('textbox', { name: 'Message', exact: true })).toBeInViewport()

  // a message's menu, opened on Bob's long message
  await showScreen(alice.page, { name: 'chat', hash: `#/chat/${bobContactId}` })
  await message(alice.page, LONG_WORD).first().locator('.bubble').click({ button: 'right' })
  await expect(alice.page.getByRole('menu', { name: 'Message actions' })).toBeVisible()
  found.push(...await overflowEverywhere(alice.page, 'message menu'))
  await alice.page.keyboard.press('Escape')

  // search with its results
  await showScreen(alice.page, { name: 'search', hash: '#/search' })
  await alice.page.getByRole('searchbox').fill(LONG_WORD)
  await expect(alice.page.getByRole('main').getByRole('link').filter({ hasText: LONG_WORD }).first()).toBeVisible()
  found.push(...await overflowEverywhere(alice.page, 'search results'))

  expect(found, `wider than the phone:\n${found.join('\n')}`).toEqual([])
})
