import { expect, test } from './fixtures.ts'
import { addCard, addContact, message, messages, nav, onboard, openChat, readFullInvite, readInvite, send } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

function requests (page: Page): ReturnType<Page['getByRole']> {
  return page.getByRole('list', { name: 'Contact requests' })
}

test.describe('contact requests', () => {
  test.describe('from the welcome screen', () => {
    // about requests: both start at the welcome screen
    test.use({ prepared: undefined })

    test('A adds B by pasting B\'s full invite; B sees a pending request, accepts; they chat', { tag: ['@firefox'] }, async ({ alice, bob }) => {
      await onboard(alice.page, 'Alice')
      await onboard(bob.page, 'Bob')
      const invite = await readFullInvite(bob.page)
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
      await expect(message(alice.page, 'Hi Bob, it is Alice')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 20_000 })
      await openChat(bob.page, 'Alice')
      await expect(message(bob.page, 'Hi Bob, it is Alice')).toBeVisible()
      await send(bob.page, 'Welcome, Alice')
      await expect(message(alice.page, 'Welcome, Alice')).toBeVisible()
    })

    test('a request cannot be missed: the Chats link and the title count it wherever Alice is; no "No chats yet" under it', async ({ alice, bob }) => {
      await onboard(alice.page, 'Alice')
      await onboard(bob.page, 'Bob')
      // Alice stays on My invite while Bob adds her
      const { invite } = await readInvite(alice.page)
      await expect(alice.page).toHaveTitle('Parley')
      await expect(alice.page.getByTestId('chats-waiting')).toHaveCount(0)
      await addContact(bob.page, invite, 'Alice')

      await expect(alice.page.getByTestId('chats-waiting')).toHaveText('1', { timeout: 20_000 })
      await expect(nav(alice.page).getByRole('link', { name: 'Chats, 1 new' })).toBeVisible()
      await expect(alice.page).toHaveTitle('(1) Parley')
      await expect(alice.page.getByRole('heading', { name: 'My invite' })).toBeVisible()

      await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
      await expect(requests(alice.page).getByRole('listitem')).toHaveCount(1)
      await expect(alice.page.getByText('No chats yet')).toHaveCount(0)
      await alice.page.getByRole('button', { name: 'Accept Bob' }).click()
      await expect(alice.page.getByTestId('chats-waiting')).toHaveCount(0)
      await expect(alice.page).toHaveTitle('Parley')
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

  test('A blocks B: what B sends during the block never shows on A, also after the unblock; B sees it not delivered; what B sends after flows', async ({ alice, bob }) => {
    await send(bob.page, 'before the block')
    await expect(message(alice.page, 'before the block')).toBeVisible()

    await alice.page.getByRole('link', { name: 'Contact info for Bob' }).click()
    const block = alice.page.getByRole('button', { name: 'Block Bob' })
    // the words and the name are one run of text: a space between them, as rendered
    await expect(block).toHaveJSProperty('innerText', 'Block Bob')
    await block.click()
    await expect(alice.page.getByRole('button', { name: 'Unblock Bob' })).toHaveJSProperty('innerText', 'Unblock Bob')
    await expect(alice.page.getByRole('button', { name: 'Delete Bob' })).toHaveJSProperty('innerText', 'Delete Bob')
    // Bob is cut off: his chat header turns offline, and what he sends stays his
    await expect(bob.page.getByText('Last seen')).toBeVisible({ timeout: 15_000 })
    await send(bob.page, 'while blocked')
    await expect(message(bob.page, 'while blocked')).not.toHaveAttribute('data-state', /^(delivered|read)$/)
    await openChat(alice.page, 'Bob')
    await expect(alice.page.getByText('You blocked Bob')).toBeVisible()
    await expect(messages(alice.page)).toHaveCount(1)

    await alice.page.getByRole('link', { name: 'Contact info for Bob' }).click()
    await alice.page.getByRole('button', { name: 'Unblock Bob' }).click()
    await openChat(alice.page, 'Bob')
    // Bob's node offers it again once they are connected, and Alice's refuses it for good (docs/protocols.md, "Blocking")
    await expect(message(bob.page, 'while blocked')).toHaveAttribute('data-state', 'failed', { timeout: 30_000 })
    await send(bob.page, 'after the unblock')
    await expect(message(alice.page, 'after the unblock')).toBeVisible({ timeout: 30_000 })
    await expect(message(bob.page, 'after the unblock')).toHaveAttribute('data-state', /^(delivered|read)$/)
    await expect(message(alice.page, 'while blocked')).toHaveCount(0)
    await expect(messages(alice.page)).toHaveCount(2)
    // nor is it kept anywhere on Alice's side, also after a reload
    await alice.page.reload()
    await expect(message(alice.page, 'after the unblock')).toBeVisible()
    await expect(message(alice.page, 'while blocked')).toHaveCount(0)
  })

  test('B closes its page: A shows B offline with last seen within 10 s; B comes back: online', async ({ alice, bob }) => {
    await expect(alice.page.getByText('Connected', { exact: true })).toBeVisible({ timeout: 15_000 })
    await bob.page.close()
    await expect(alice.page.getByText(/^Last seen /)).toBeVisible({ timeout: 10_000 })
    const again = await bob.newTab()
    await expect(again.getByRole('status', { name: 'Connection status' })).toHaveText('online', { timeout: 30_000 })
    await expect(alice.page.getByText('Connected', { exact: true })).toBeVisible({ timeout: 30_000 })
  })

  test('a nickname and notes are kept and the nickname replaces the name', async ({ alice }) => {
    await alice.page.getByRole('link', { name: 'Contact info for Bob' }).click()
    await alice.page.getByRole('textbox', { name: 'Nickname' }).fill('Bobby')
    await alice.page.getByRole('textbox', { name: 'Notes' }).fill('met at the conference')
    await alice.page.getByRole('button', { name: 'Save' }).click()
    await expect(alice.page.getByRole('heading', { name: 'Bobby' })).toBeVisible()
    await alice.page.reload()
    await expect(alice.page.getByRole('textbox', { name: 'Notes' })).toHaveValue('met at the conference')
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(alice.page.getByRole('list', { name: 'Chats' })).toContainText('Bobby')
  })

  test('search finds a chat by name or PeerID prefix; deleting a contact with its history removes the chat', async ({ alice, friends }) => {
    const { bobPeerId } = friends
    await send(alice.page, 'soon gone')
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    const search = alice.page.getByRole('searchbox', { name: 'Search chats' })
    const chats = alice.page.getByRole('list', { name: 'Chats' })
    await search.fill('bO')
    await expect(chats).toContainText('Bob')
    await search.fill('nobody here')
    await expect(alice.page.getByText('No chat matches')).toBeVisible()
    await search.fill(bobPeerId.slice(0, 16))
    await expect(chats).toContainText('Bob')

    await openChat(alice.page, 'Bob')
    await alice.page.getByRole('link', { name: 'Contact info for Bob' }).click()
    await alice.page.getByRole('checkbox', { name: 'Also delete the chat history' }).check()
    await alice.page.getByRole('button', { name: 'Delete Bob' }).click()
    await expect(alice.page.getByRole('alert')).toContainText('every message with them')
    await alice.page.getByRole('button', { name: 'Yes, delete' }).click()
    await expect(alice.page.getByText('No chats yet')).toBeVisible()
  })

  test('a request under the name of an existing contact, from another identity, is flagged loudly', async ({ alice, carol }) => {
    const { invite } = await readInvite(alice.page)
    await onboard(carol.page, 'Bob')
    await addContact(carol.page, invite, 'Alice')
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(requests(alice.page).getByRole('alert')).toContainText('you already have a contact called Bob with a different identity')
  })

  test.describe('from the welcome screen: the text form', () => {
    // about adding a contact: both start at the welcome screen
    test.use({ prepared: undefined })

    test('the text form peerid@address shown on My invite adds the contact too', async ({ alice, carol }) => {
      await onboard(alice.page, 'Alice')
      await onboard(carol.page, 'Carol')
      const { peerId } = await readInvite(alice.page)
      const text = await alice.page.getByTestId('invite-text-form').innerText()
      expect(text.startsWith(`${peerId}@/`)).toBe(true)
      // the text form has no name: the contact is shown by a short PeerID until their request says more
      await nav(carol.page).getByRole('link', { name: 'Add contact' }).click()
      await carol.page.getByRole('textbox', { name: 'Invite', exact: true }).fill(text)
      await carol.page.getByRole('button', { name: 'Add contact' }).click()
      await expect(addCard(carol.page).getByRole('heading')).toHaveText('Add this contact?')
      await addCard(carol.page).getByRole('button', { name: 'Send request' }).click()
      await expect(carol.page.getByText(/waiting for .* to accept your contact request/i)).toBeVisible()
      await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
      await expect(alice.page.getByRole('button', { name: 'Accept Carol' })).toBeVisible()
    })
  })
})
