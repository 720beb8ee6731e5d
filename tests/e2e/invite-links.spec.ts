import { expect, test } from './fixtures.ts'
import { confirmAdd, nav, onboard, readFullInvite, readInvite } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

/** What follows the origin in an invite link: its route, `#/add/<payload>` or `#/c/<PeerID>/<name>`. */
function routeOf (invite: string): string {
  const at = invite.indexOf('#/')
  if (at < 0) throw new Error(`not an invite link: ${invite}`)
  return invite.slice(at)
}

/** The add screen opened from a link asks "Add <name>?" at once; confirming lands in the chat with `name`. */
async function addOpened (page: Page, name: string): Promise<void> {
  await confirmAdd(page, name)
}

async function addPasted (page: Page, text: string, name: string): Promise<void> {
  await nav(page).getByRole('link', { name: 'Add contact' }).click()
  await page.getByRole('textbox', { name: 'Invite', exact: true }).fill(text)
  await page.getByRole('button', { name: 'Add contact' }).click()
  await confirmAdd(page, name)
}

test.describe('invite links passed on percent-encoded (as mail and chat apps do)', () => {
  test('opened with the # in the path, once or twice encoded, or with the route encoded: "Add <name>?" for the short link and the full invite', { tag: ['@firefox'] }, async ({ alice, bob, carol, app }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    await onboard(carol.page, 'Carol')
    // Alice's short link (#/c/<PeerID>/<name>), Carol's full invite (#/add/<payload>)
    const alices = routeOf((await readInvite(alice.page)).invite)
    expect(alices).toMatch(/^#\/c\//)
    const carols = routeOf(await readFullInvite(carol.page))
    expect(carols).toMatch(/^#\/add\//)

    // '#/c/…' encoded once into the path: the server and the app put it back
    const at = (path: string): string => new URL(path, app.url).href
    await bob.page.goto(at(`/${encodeURIComponent(alices)}`))
    await expect(bob.page).toHaveURL(at(`/${alices}`))
    await addOpened(bob.page, 'Alice')

    // twice
    await carol.page.goto(at(`/${encodeURIComponent(encodeURIComponent(alices))}`))
    await addOpened(carol.page, 'Alice')

    // the '#' kept, the route after it encoded twice
    await bob.page.goto(at(`/#${encodeURIComponent(encodeURIComponent(carols.slice(1)))}`))
    await addOpened(bob.page, 'Carol')

    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(alice.page.getByRole('button', { name: 'Accept Bob' })).toBeVisible()
    await expect(alice.page.getByRole('button', { name: 'Accept Carol' })).toBeVisible()
  })

  test('pasted once or twice encoded: added like the plain link', async ({ alice, bob, carol }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    await onboard(carol.page, 'Carol')
    const alices = (await readInvite(alice.page)).invite
    const carols = await readFullInvite(carol.page)
    await addPasted(bob.page, encodeURIComponent(alices), 'Alice')
    await addPasted(carol.page, encodeURIComponent(encodeURIComponent(alices)), 'Alice')
    await addPasted(bob.page, encodeURIComponent(encodeURIComponent(carols)), 'Carol')
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(alice.page.getByRole('button', { name: 'Accept Bob' })).toBeVisible()
    await expect(alice.page.getByRole('button', { name: 'Accept Carol' })).toBeVisible()
    await nav(carol.page).getByRole('link', { name: 'Chats' }).click()
    await expect(carol.page.getByRole('button', { name: 'Accept Bob' })).toBeVisible()
  })
})
