import { expect, test } from './fixtures.ts'
import { workerClock } from './helpers/clock.ts'
import { befriend, expectOnline, message, messages, openChat, openScreen, send } from './helpers/parley.ts'
import { readRows } from '../support/page-db.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * Typing indicators, read receipts and disappearing messages between two
 * browsers (issue 23 items 6, 7 and 9), through the real worker, relay and
 * IndexedDB.
 */

interface StoredMessage { id: string, body: string, state: string, direction: string, expiresAt?: number }
interface StoredEvent { kind: string, direction: string, targets: string[] }

async function storedMessages (page: Page): Promise<StoredMessage[]> {
  return readRows<StoredMessage>(page, 'messages')
}

function composer (page: Page): ReturnType<Page['getByRole']> {
  return page.getByRole('textbox', { name: 'Message', exact: true })
}

/** Sends and waits until the other side has it (the outgoing bubble says delivered or read). */
async function sendDelivered (from: Page, to: Page, text: string): Promise<void> {
  await send(from, text)
  await expect(message(to, text)).toBeVisible()
  await expect(message(from, text)).toHaveAttribute('data-state', /delivered|read/)
}

test('typing: shown to the contact while Alice types, gone once she sends, and again once she clears the text', async ({ alice, bob }) => {
  // a message each way first: the chat is connected both ways, and typing needs a live connection
  await sendDelivered(alice.page, bob.page, 'hello')
  await sendDelivered(bob.page, alice.page, 'hi')

  const typing = bob.page.getByTestId('typing')
  await expect(typing).toHaveAttribute('aria-live', 'polite')
  await expect(typing).toHaveText('')
  await composer(alice.page).pressSequentially('I am wri')
  await expect(typing).toHaveText('Alice is typing…')
  // Alice sees no line of her own
  await expect(alice.page.getByTestId('typing')).toHaveText('')
  await composer(alice.page).pressSequentially('ting')
  await alice.page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(message(bob.page, 'I am writing')).toBeVisible()
  await expect(typing).toHaveText('')

  await composer(alice.page).pressSequentially('never mind')
  await expect(typing).toHaveText('Alice is typing…')
  await composer(alice.page).fill('')
  await expect(typing).toHaveText('')
  await expect(message(bob.page, 'never mind')).toHaveCount(0)
})

test('read receipts: Alice sees "read" once Bob had the message on screen; after Bob turns them off, none is sent and his own view shows delivered', async ({ alice, bob }) => {
  // Bob is in the chat with Alice (befriend ends there), in a visible tab
  await send(alice.page, 'read me')
  await expect(message(bob.page, 'read me')).toBeVisible()
  await expect(message(alice.page, 'read me')).toHaveAttribute('data-state', 'read')
  await expect(message(alice.page, 'read me').locator('.state')).toHaveText('read')

  // Bob turns read receipts off
  await openScreen(bob.page, 'Settings')
  const receipts = bob.page.getByRole('switch', { name: 'Read receipts' })
  await expect(receipts).toBeChecked()
  await expect(bob.page.getByRole('switch', { name: 'Typing indicators' })).toBeChecked()
  await receipts.uncheck()
  await expect(receipts).not.toBeChecked()
  // the setting is stored (on this device), so it holds after a reload
  await bob.page.reload()
  await expectOnline(bob.page)
  await openScreen(bob.page, 'Settings')
  await expect(bob.page.getByRole('switch', { name: 'Read receipts' })).not.toBeChecked()

  // Alice sends while Bob is elsewhere; then he opens the chat and reads it
  await send(alice.page, 'read without a receipt')
  await expect(message(alice.page, 'read without a receipt')).toHaveAttribute('data-state', 'delivered')
  await openChat(bob.page, 'Alice')
  await expect(message(bob.page, 'read without a receipt')).toBeVisible()
  const id = await message(bob.page, 'read without a receipt').getAttribute('data-message-id')
  // Bob's copy is read (stored as a state), and no receipt for it was made to be sent
  await expect.poll(async () => (await storedMessages(bob.page)).find(m => m.id === id)?.state).toBe('read')
  const events = await readRows<StoredEvent>(bob.page, 'events')
  expect(events.filter(e => e.kind === 'read' && e.direction === 'out' && e.targets.includes(id ?? ''))).toEqual([])

  // a later message of Bob's reaches Alice after anything he sent before it: hers stays delivered
  await sendDelivered(bob.page, alice.page, 'anything since?')
  await expect(message(alice.page, 'read without a receipt')).toHaveAttribute('data-state', 'delivered')
  await expect(message(alice.page, 'read without a receipt').locator('.state')).toHaveText('delivered')

  // Alice (receipts on) reads Bob's message: his row becomes read, but Bob's screen keeps saying delivered
  const bobsId = await message(bob.page, 'anything since?').getAttribute('data-message-id')
  await expect.poll(async () => (await storedMessages(bob.page)).find(m => m.id === bobsId)?.state).toBe('read')
  await expect(message(bob.page, 'anything since?')).toHaveAttribute('data-state', 'delivered')
  await expect(message(bob.page, 'anything since?').locator('.state')).toHaveText('delivered')
})

test.describe('with a clock in the node worker', () => {
  // the worker clock reaches nodes that start after it (helpers/clock.ts): both start at the welcome screen
  test.use({ prepared: undefined })

  test('disappearing messages: a 5-minute timer set by Alice shows on both sides; with the clock moved on, its messages go from both, also from Bob, whose node was closed at the time', async ({ browser, alice, bob }) => {
    const clock = await workerClock(browser)
    try {
      await befriend(alice.page, bob.page)
      await sendDelivered(alice.page, bob.page, 'kept: sent before the timer')

      // Alice sets 5 minutes in Contact info
      await alice.page.getByRole('link', { name: 'Contact info for Bob' }).click()
      const choice = alice.page.getByRole('group', { name: 'Disappearing messages' })
      await expect(choice.getByRole('radio', { name: 'Off' })).toBeChecked()
      await choice.getByRole('radio', { name: '5 minutes' }).check()
      await expect(choice.getByRole('radio', { name: '5 minutes' })).toBeChecked()
      await alice.page.getByRole('link', { name: 'Open the chat' }).click()

      for (const [page, note] of [[alice.page, 'Disappearing messages: 5 minutes, set by you'], [bob.page, 'Disappearing messages: 5 minutes, set by Alice']] as const) {
        await expect(page.getByRole('img', { name: 'Disappearing messages: 5 minutes' })).toBeVisible()
        await expect(page.getByTestId('timer-note')).toHaveText(note)
      }

      await sendDelivered(alice.page, bob.page, 'vanishing from Alice')
      await sendDelivered(bob.page, alice.page, 'vanishing from Bob')
      for (const page of [alice.page, bob.page]) {
        await expect(message(page, 'vanishing from Alice').getByTitle('Disappearing message')).toBeAttached()
        await expect(message(page, 'vanishing from Bob').getByTitle('Disappearing message')).toBeAttached()
        await expect(message(page, 'kept: sent before the timer').getByTitle('Disappearing message')).toHaveCount(0)
      }
      const vanishing = (rows: StoredMessage[]): string[] => rows.filter(m => m.body.startsWith('vanishing')).map(m => m.body).sort()
      expect(vanishing(await storedMessages(bob.page))).toEqual(['vanishing from Alice', 'vanishing from Bob'])

      // Bob closes Parley: his node worker ends with his last page
      await bob.page.close()
      await expect.poll(async () => (await browser.newBrowserCDPSession().then(async (s) => {
        const { targetInfos } = await s.send('Target.getTargets')
        await s.detach()
        return targetInfos.filter(t => t.type === 'shared_worker').length
      }))).toBe(1)

      // five minutes and a bit later, by the node workers' clocks
      await clock.advance(5 * 60_000 + 10_000)
      await expect(message(alice.page, 'vanishing from Alice')).toHaveCount(0, { timeout: 15_000 })
      await expect(message(alice.page, 'vanishing from Bob')).toHaveCount(0)
      await expect(message(alice.page, 'kept: sent before the timer')).toBeVisible()
      expect(vanishing(await storedMessages(alice.page))).toEqual([])
      await openScreen(alice.page, 'Search')
      await alice.page.getByRole('searchbox', { name: 'Search in all chats' }).fill('vanishing')
      await expect(alice.page.getByRole('status').filter({ hasText: 'No messages found' })).toBeVisible()

      // Bob comes back: his node removes them as it starts, before it goes online
      const started = await clock.workers()
      const back = await bob.newTab()
      await expectOnline(back)
      expect(await clock.workers()).toBeGreaterThan(started)
      expect(vanishing(await storedMessages(back))).toEqual([])
      await openChat(back, 'Alice')
      await expect(message(back, 'kept: sent before the timer')).toBeVisible()
      await expect(messages(back).filter({ hasText: 'vanishing' })).toHaveCount(0)
      await expect(back.getByTestId('timer-note')).toHaveText('Disappearing messages: 5 minutes, set by Alice')
    } finally {
      await clock.close()
    }
  })
})
