import { expect, test } from './fixtures.ts'
import { addContact, message, nav, onboard, openChat, readInvite, send } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

function requests (page: Page): ReturnType<Page['getByRole']> {
  return page.getByRole('list', { name: 'Contact requests' })
}

test.describe('contact requests', () => {
  test('A adds B by pasting B\'s link; B sees a pending request, accepts; they chat', async ({ alice, bob }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    const { invite } = await readInvite(bob.page)
    expect(invite).toContain('/#/add/')
    await addContact(alice.page, invite, 'Bob')
    await expect(alice.page.getByText('Waiting for Bob to accept your contact request')).toBeVisible()
    // Alice may write before Bob accepts: it waits for him
    await send(alice.page, 'Hi Bob, it is Alice')

    await nav(bob.page).getByRole('link', { name: 'Chats' }).click()
    await expect(requests(bob.page).getByRole('listitem')).toHaveCount(1)
    await expect(requests(bob.page)).toContainText('Alice')
    // nothing from Alice shows up as a chat before Bob accepts
    await expect(bob.page.getByRole('list', { name: 'Chats' })).toHaveCount(0)
    await bob.page.getByRole('button', { name: 'Accept Alice' }).click()
    await expect(requests(bob.page)).toHaveCount(0)

    await expect(alice.page.getByText('Waiting for Bob to accept your contact request')).toBeHidden()
    await expect(message(alice.page, 'Hi Bob, it is Alice')).toHaveAttribute('data-state', 'delivered', { timeout: 20_000 })
    await openChat(bob.page, 'Alice')
    await expect(message(bob.page, 'Hi Bob, it is Alice')).toBeVisible()
    await send(bob.page, 'Welcome, Alice')
    await expect(message(alice.page, 'Welcome, Alice')).toBeVisible()
  })

  test('a declined request leaves no chat, and the sender keeps waiting with nothing delivered', async ({ alice, bob }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    await addContact(alice.page, (await readInvite(bob.page)).invite, 'Bob')
    await send(alice.page, 'please answer')

    await nav(bob.page).getByRole('link', { name: 'Chats' }).click()
    await bob.page.getByRole('button', { name: 'Decline Alice' }).click()
    await expect(requests(bob.page)).toHaveCount(0)
    await expect(bob.page.getByRole('list', { name: 'Chats' })).toHaveCount(0)
    await expect(bob.page.getByText('No chats yet')).toBeVisible()

    await expect(alice.page.getByText('Waiting for Bob to accept your contact request')).toBeVisible()
    // Alice's node tried (the message left her outbox) and Bob refused it: still not delivered
    await expect(message(alice.page, 'please answer')).toHaveAttribute('data-state', 'sent', { timeout: 20_000 })
    await expect(bob.page.getByRole('list', { name: 'Chats' })).toHaveCount(0)
  })
})
