import { expect, test } from './fixtures.ts'
import { confirmAdd, message, nav, onboard, openChat, send } from './helpers/parley.ts'
import type { Locator, Page } from '@playwright/test'

/**
 * Nearby (docs/protocols.md, "Nearby"): browsers connected to the same
 * relay-node from the same network (here all from 127.0.0.1) see each other
 * once both opt in, and add each other without an invite. The added side
 * still gets an ordinary contact request.
 */

function nearbySwitch (page: Page): Locator {
  return page.getByRole('switch', { name: 'Show me to people nearby' })
}

function nearbyList (page: Page): Locator {
  return page.getByRole('list', { name: 'People nearby' })
}

async function openAddContact (page: Page): Promise<void> {
  await nav(page).getByRole('link', { name: 'Add contact' }).click()
  await expect(page.getByRole('heading', { name: 'Nearby' })).toBeVisible()
}

async function optIn (page: Page): Promise<void> {
  await openAddContact(page)
  await expect(nearbySwitch(page)).not.toBeChecked()
  await expect(nearbySwitch(page)).toBeEnabled()
  await nearbySwitch(page).check()
  await expect(nearbySwitch(page)).toBeChecked()
}

test.describe('nearby', () => {
  test('two opted-in browsers see each other by name, one adds the other, who accepts; they chat. One that did not opt in is seen by no one', async ({ alice, bob, carol }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    await onboard(carol.page, 'Carol')
    // Carol is on the same relay and the same network, and leaves Nearby off (the default)
    await openAddContact(carol.page)
    await expect(nearbySwitch(carol.page)).not.toBeChecked()

    await optIn(alice.page)
    await expect(alice.page.getByText('No one nearby yet.')).toBeVisible()
    await optIn(bob.page)
    await expect(nearbyList(bob.page).getByRole('listitem')).toHaveText([/Alice/])
    await expect(nearbyList(alice.page).getByRole('listitem')).toHaveText([/Bob/])
    // Carol sees no list, and is in no one's
    await expect(nearbyList(carol.page)).toHaveCount(0)
    await expect(nearbyList(alice.page)).not.toContainText('Carol')
    await expect(nearbyList(bob.page)).not.toContainText('Carol')

    await alice.page.getByRole('button', { name: 'Add Bob' }).click()
    // nothing is sent before the card is confirmed
    await confirmAdd(alice.page, 'Bob')
    await expect(alice.page.getByText('Waiting for Bob to accept your contact request')).toBeVisible()
    await send(alice.page, 'Hi Bob, I found you nearby')

    // Bob gets an ordinary contact request and accepts it
    await nav(bob.page).getByRole('link', { name: 'Chats' }).click()
    const requests = bob.page.getByRole('list', { name: 'Contact requests' })
    await expect(requests).toContainText('Alice')
    await bob.page.getByRole('button', { name: 'Accept Alice' }).click()
    await expect(requests).toHaveCount(0)

    await expect(alice.page.getByText('Waiting for Bob to accept your contact request')).toBeHidden()
    await expect(message(alice.page, 'Hi Bob, I found you nearby')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 20_000 })
    await openChat(bob.page, 'Alice')
    await expect(message(bob.page, 'Hi Bob, I found you nearby')).toBeVisible()
    await send(bob.page, 'Hi Alice, welcome')
    await expect(message(alice.page, 'Hi Alice, welcome')).toBeVisible()
    await expect(message(bob.page, 'Hi Alice, welcome')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 20_000 })
  })

  test('turning Nearby off takes you off the others\' lists at once, and the choice is remembered on this device', async ({ alice, bob }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    await optIn(alice.page)
    await optIn(bob.page)
    await expect(nearbyList(alice.page).getByRole('listitem')).toHaveText([/Bob/])

    await nearbySwitch(bob.page).uncheck()
    await expect(nearbySwitch(bob.page)).not.toBeChecked()
    await expect(nearbyList(bob.page)).toHaveCount(0)
    await expect(alice.page.getByText('No one nearby yet.')).toBeVisible()

    // after a reload the switches are as they were left
    await bob.page.reload()
    await openAddContact(bob.page)
    await expect(nearbySwitch(bob.page)).toBeEnabled()
    await expect(nearbySwitch(bob.page)).not.toBeChecked()
    await alice.page.reload()
    await openAddContact(alice.page)
    await expect(nearbySwitch(alice.page)).toBeChecked()
  })
})
