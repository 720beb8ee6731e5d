import { expect, test } from './fixtures.ts'
import { nav, onboard, readInvite } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

/** What follows `#/add/` in an invite link: the payload. */
function payloadOf (invite: string): string {
  const at = invite.indexOf('#/add/')
  if (at < 0) throw new Error(`not an invite link: ${invite}`)
  return invite.slice(at + '#/add/'.length)
}

/** The add screen opened from a link shows the invite; adding it lands in the chat with `name`. */
async function addOpened (page: Page, name: string): Promise<void> {
  await expect(page.getByRole('textbox', { name: 'Invite', exact: true })).not.toHaveValue('')
  await page.getByRole('button', { name: 'Add contact' }).click()
  await expect(page.getByRole('heading', { name })).toBeVisible()
}

async function addPasted (page: Page, text: string, name: string): Promise<void> {
  await nav(page).getByRole('link', { name: 'Add contact' }).click()
  await page.getByRole('textbox', { name: 'Invite', exact: true }).fill(text)
  await page.getByRole('button', { name: 'Add contact' }).click()
  await expect(page.getByRole('heading', { name })).toBeVisible()
}

test.describe('invite links passed on percent-encoded (as mail and chat apps do)', () => {
  test('opened with the # in the path, once or twice encoded, or with the route encoded: the add screen with the invite', { tag: ['@firefox'] }, async ({ alice, bob, carol, app }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    await onboard(carol.page, 'Carol')
    const alices = payloadOf((await readInvite(alice.page)).invite)
    const carols = payloadOf((await readInvite(carol.page)).invite)

    // '#/add/…' encoded once into the path: the server and the app put it back
    const at = (path: string): string => new URL(path, app.url).href
    await bob.page.goto(at(`/${encodeURIComponent(`#/add/${alices}`)}`))
    await expect(bob.page).toHaveURL(at(`/#/add/${alices}`))
    await addOpened(bob.page, 'Alice')

    // twice
    await carol.page.goto(at(`/${encodeURIComponent(encodeURIComponent(`#/add/${alices}`))}`))
    await addOpened(carol.page, 'Alice')

    // the '#' kept, the route after it encoded twice
    await bob.page.goto(at(`/#${encodeURIComponent(encodeURIComponent(`/add/${carols}`))}`))
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
    await addPasted(bob.page, encodeURIComponent(alices), 'Alice')
    await addPasted(carol.page, encodeURIComponent(encodeURIComponent(alices)), 'Alice')
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(alice.page.getByRole('button', { name: 'Accept Bob' })).toBeVisible()
    await expect(alice.page.getByRole('button', { name: 'Accept Carol' })).toBeVisible()
  })
})
