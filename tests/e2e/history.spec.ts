/**
 * History at scale (issue 9): a chat of a few thousand messages opens on its
 * newest page, pages older messages in while scrolling up (keeping the view
 * in place), and search across all chats pages its results in as the list
 * scrolls and jumps to a message in another chat.
 *
 * The bulk history is written in Alice's page through the app's own ParleyDb
 * (tests/bench/history-seed.ts, bundled and evaluated by `installSeeder`);
 * the newest messages are a real exchange between Alice and Bob.
 */
import { expect, test } from './fixtures.ts'
import { message, messages, openChat, send } from './helpers/parley.ts'
import { installSeeder, seedChat } from '../bench/history.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

const HISTORY = 3_000
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

test.describe('history at scale', () => {
  test('a long chat opens at its newest messages, loads older ones on scrolling up, and search jumps to a message', async ({ alice, bob, friends }) => {
    test.setTimeout(180_000)
    const { bobPeerId } = friends
    await send(bob.page, 'live hello from Bob')
    await expect(message(alice.page, 'live hello from Bob')).toBeVisible()
    await send(alice.page, 'live reply from Alice')
    await expect(message(alice.page, 'live reply from Alice')).toHaveAttribute('data-state', /^(delivered|read)$/)

    await installSeeder(alice.page)
    const now = Date.now()
    // older history with Bob, one message a minute, ending two days ago; and a chat with Carol
    await seedChat(alice.page, { peerId: bobPeerId, count: HISTORY, firstAt: now - 2 * DAY - HISTORY * MINUTE, stepMs: MINUTE, prefix: 'history' })
    const carol = await seedChat(alice.page, {
      name: 'Carol', count: 600, firstAt: now - 10 * DAY, stepMs: MINUTE, prefix: 'carol', special: { 150: 'the secret pineapple recipe' }
    })
    const target = carol.specialIds[150]
    expect(target).toBeDefined()

    // open the chat afresh: the newest messages are in view, only a bounded window is in the DOM
    await alice.page.reload()
    await openChat(alice.page, 'Bob')
    await expect(message(alice.page, 'live reply from Alice')).toBeInViewport()
    await expect(message(alice.page, 'history 2999 ')).toBeVisible()
    await expect(alice.page.getByRole('log', { name: 'Messages' }).getByRole('heading', { name: 'Today' })).toBeVisible()
    const firstShown = messages(alice.page).first()
    await expect(firstShown).toContainText(/history 29\d\d /)
    const shownBefore = await messages(alice.page).count()
    expect(shownBefore).toBeLessThanOrEqual(60)
    const firstText = (await firstShown.locator('.body').textContent()) ?? ''
    const firstNumber = Number(/history (\d+) /.exec(firstText)?.[1])
    expect(firstNumber).toBeGreaterThan(HISTORY - 60)

    // scroll to the top: the page before loads above, and the message that was first stays where it was.
    // Where it was is read in the same task as the scroll. The page the scroll brings is put in by a
    // later task, and the keeper puts the view back at the next frame's resize observation, before
    // painting; a read of its own (a CDP call) can land between the two and see the message a page
    // lower (the flaky 3800 px under load: the anchor was in place on every frame)
    const anchor = message(alice.page, `history ${firstNumber} `)
    const log = alice.page.getByRole('log', { name: 'Messages' })
    const anchorHandle = await anchor.elementHandle()
    const yBefore = await log.evaluate((element, item) => {
      element.scrollTop = 0
      return item?.getBoundingClientRect().top ?? NaN
    }, anchorHandle)
    await anchorHandle?.dispose()
    await expect(message(alice.page, `history ${firstNumber - 1} `)).toBeAttached()
    await expect(message(alice.page, `history ${firstNumber - 40} `)).toBeAttached()
    await expect.poll(async () => Math.abs(((await anchor.boundingBox())?.y ?? NaN) - yBefore)).toBeLessThan(8)
    await expect(anchor).toBeInViewport()
    expect(await messages(alice.page).count()).toBeLessThanOrEqual(250)

    // search across all chats finds the message in Carol's chat; the result opens it, highlighted and in view
    await alice.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click()
    const box = alice.page.getByRole('searchbox', { name: 'Search in all chats' })
    await box.fill('no such wordzzz')
    await expect(alice.page.getByRole('status').filter({ hasText: 'No messages found' })).toBeVisible()
    // a word of 600 messages: the newest 50 first, the next 50 once the end of the list scrolls into view
    await box.fill('carol')
    const listed = alice.page.getByRole('list', { name: 'Search results' }).getByRole('listitem')
    await expect(listed).toHaveCount(50)
    await expect(listed.first()).toContainText('carol 599 ')
    await expect(alice.page.getByRole('status').filter({ hasText: 'The newest 50 messages found; scroll for older ones' })).toBeVisible()
    await listed.last().scrollIntoViewIfNeeded()
    await expect(listed).toHaveCount(100)
    await expect(listed.last()).toContainText('carol 500 ')
    await box.fill('secret pineap')
    const results = alice.page.getByRole('list', { name: 'Search results' }).getByRole('link')
    await expect(results).toHaveCount(1)
    await expect(results.first()).toContainText('Carol')
    await expect(results.first().locator('mark')).toHaveText(['secret', 'pineapple'])
    await results.first().click()

    await expect(alice.page).toHaveURL(new RegExp(`#/chat/${carol.contactId}/${target}$`))
    await expect(alice.page.getByRole('heading', { level: 1, name: 'Carol' })).toBeVisible()
    const found = alice.page.locator(`[data-message-id="${target}"]`)
    await expect(found).toContainText('the secret pineapple recipe')
    await expect(found).toBeInViewport()
    await expect(found).toHaveAttribute('data-highlight', '')
    await expect(found).toBeFocused()
    // opened in the middle of the chat: the way back to the newest messages is offered
    await alice.page.getByRole('button', { name: 'Jump to latest' }).click()
    await expect(message(alice.page, 'carol 599 ')).toBeInViewport()
  })
})
