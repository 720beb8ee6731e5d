import { expect, test } from './fixtures.ts'
import { addCard, expectPath, message, messages, nav, onboard, openChat, readInvite, send } from './helpers/parley.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

test.describe('direct WebRTC between the two browsers', () => {
  test.describe('from the welcome screen', () => {
    // about adding a contact by its text form: both start at the welcome screen
    test.use({ prepared: undefined })

    test('a contact added by the text form peerid@address goes direct once accepted, without a reload', { tag: ['@firefox'] }, async ({ alice, bob }) => {
      // one side adds, the other accepts later: the relayed connection opened before they were contacts
      await onboard(alice.page, 'Alice')
      await onboard(bob.page, 'Bob')
      await readInvite(bob.page)
      const text = await bob.page.getByTestId('invite-text-form').innerText()
      await nav(alice.page).getByRole('link', { name: 'Add contact' }).click()
      await alice.page.getByRole('textbox', { name: 'Invite', exact: true }).fill(text)
      await alice.page.getByRole('button', { name: 'Add contact' }).click()
      // the text form has no name: the card asks about "this contact"
      await expect(addCard(alice.page).getByRole('heading')).toHaveText('Add this contact?')
      await addCard(alice.page).getByRole('button', { name: 'Send request' }).click()
      await expect(alice.page.getByText(/waiting for .* to accept your contact request/i)).toBeVisible()

      await nav(bob.page).getByRole('link', { name: 'Chats' }).click()
      await bob.page.getByRole('button', { name: 'Accept Alice' }).click()
      await openChat(bob.page, 'Alice')
      await expect(alice.page.getByRole('heading', { name: 'Bob' })).toBeVisible()

      await expectPath(alice.page, 'direct')
      await expectPath(bob.page, 'direct')
      await send(bob.page, 'straight across, first time')
      await expect(message(alice.page, 'straight across, first time')).toBeVisible()
    })
  })

  test('the chat upgrades to a direct connection and messages use it', { tag: ['@firefox', '@cross'] }, async ({ alice, bob }) => {
    await send(bob.page, 'over the relay first')
    await expect(message(alice.page, 'over the relay first')).toBeVisible()

    await expectPath(alice.page, 'direct')
    await expectPath(bob.page, 'direct')
    await send(alice.page, 'straight across')
    await expect(message(bob.page, 'straight across')).toBeVisible()
    await expect(message(alice.page, 'straight across')).toHaveAttribute('data-state', /^(delivered|read)$/)
  })

  test('once direct, chat keeps working both ways with the relay-node stopped, its first message too', async ({ alice, bob, relay }) => {
    await expectPath(alice.page, 'direct')
    await expectPath(bob.page, 'direct')

    // no session yet, and the relay that holds Bob's prekeys gone: Alice gets his bundle from him
    await relay.process.stop('SIGTERM')
    await expect(alice.page.getByRole('status', { name: 'Connection status' })).toHaveText('offline')

    await send(alice.page, 'no relay needed')
    await expect(message(bob.page, 'no relay needed')).toBeVisible()
    await send(bob.page, 'indeed')
    await expect(message(alice.page, 'indeed')).toBeVisible()
    await expect(message(bob.page, 'indeed')).toHaveAttribute('data-state', /^(delivered|read)$/)
    await expectPath(alice.page, 'direct')
  })

  test('closing the tab that hosts WebRTC: the other tab takes over, nothing lost or doubled', async ({ alice, bob }) => {
    await send(bob.page, 'before the switch')
    await expectPath(alice.page, 'direct')

    // the direct connection was made while alice.page was A's only tab, so that tab hosts it
    const second = await alice.newTab()
    await openChat(second, 'Bob')
    await alice.page.close()

    const texts = ['around 1', 'around 2', 'around 3']
    for (const text of texts) await send(bob.page, text)
    await expectPath(second, 'direct')
    await send(second, 'after the switch')
    await expect(message(bob.page, 'after the switch')).toBeVisible({ timeout: 10_000 })
    for (const text of texts) {
      await expect(message(bob.page, text)).toHaveAttribute('data-state', /^(delivered|read)$/)
    }
    await expect(messages(second)).toHaveText([/before the switch/, /around 1/, /around 2/, /around 3/, /after the switch/])
  })
})
