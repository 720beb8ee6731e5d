import { expect, test } from './fixtures.ts'
import { expectOnline, message, nav, openChat, send } from './helpers/parley.ts'
import { setHidden, shownNotifications } from './helpers/notify.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
// notifications are shown by the service worker
test.use({ prepared: 'pair', serviceWorkers: 'allow' })

test.describe('notifications and unread counts', () => {
  test('a message arriving while the page is hidden shows a notification and counts as unread', async ({ alice, bob }) => {
    await alice.context.grantPermissions(['notifications'])
    await expect.poll(async () => alice.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state), { timeout: 30_000 }).toBe('activated')

    // the offer appears once there is an accepted contact, never before
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(alice.page.getByRole('heading', { name: 'Get notified of new messages' })).toBeVisible()
    await alice.page.getByRole('button', { name: 'Turn on' }).click()
    await expect(alice.page.getByRole('heading', { name: 'Get notified of new messages' })).toBeHidden()
    await expect(alice.page).toHaveTitle('Parley')

    await setHidden(alice.page, true)
    await send(bob.page, 'are you there?')
    await send(bob.page, 'second one')

    // one notification for the chat (same tag: the newer replaces the older), titled with Bob's name
    await expect.poll(async () => shownNotifications(alice.page)).toEqual([
      { title: 'Bob', body: 'second one', tag: expect.stringMatching(/^chat-\d+$/) as unknown as string, href: expect.stringMatching(/^#\/chat\/\d+$/) }
    ])
    await expect(alice.page).toHaveTitle('(2) Parley')

    // back on screen, opening the chat reads it
    await setHidden(alice.page, false)
    await openChat(alice.page, 'Bob')
    await expect(message(alice.page, 'second one')).toBeVisible()
    await expect(alice.page).toHaveTitle('Parley')
  })

  test('messages that waited in the mailbox, drained while the page is hidden: one notification for the chat, with the newest', async ({ alice, bob, app }) => {
    await bob.context.grantPermissions(['notifications'])
    await expect.poll(async () => bob.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state), { timeout: 30_000 }).toBe('activated')
    await nav(bob.page).getByRole('link', { name: 'Chats' }).click()
    await bob.page.getByRole('button', { name: 'Turn on' }).click()
    await expect(bob.page.getByRole('heading', { name: 'Get notified of new messages' })).toBeHidden()

    // Bob goes away (his node ends with his page); Alice's messages wait sealed on the relay
    await bob.page.close()
    for (const text of ['first while away', 'second while away', 'third while away']) await send(alice.page, text)
    await expect(message(alice.page, 'third while away')).toHaveAttribute('data-state', 'stored', { timeout: 30_000 })
    // Alice goes too, so that her outbox cannot hand them over directly: only the mailbox can
    await alice.page.close()

    // he comes back with the page in the background from its first moment: the drain stores all three in one go
    const page = await bob.context.newPage()
    await page.addInitScript(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
    })
    await page.goto(app.url)
    await expectOnline(page)
    await expect.poll(async () => shownNotifications(page), { timeout: 30_000 }).toEqual([
      { title: 'Alice', body: 'third while away', tag: expect.stringMatching(/^chat-\d+$/) as unknown as string, href: expect.stringMatching(/^#\/chat\/\d+$/) }
    ])
    await expect(page).toHaveTitle('(3) Parley')
  })
})
