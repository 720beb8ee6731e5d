import { expect, test } from './fixtures.ts'
import { befriend, expectOnline, expectPath, expectTabsShareChat, message, messages, openChat, readInvite, send } from './helpers/parley.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
// with the service worker (playwright.config.ts blocks it elsewhere): the everyday chat as an installed app runs it
test.use({ prepared: 'pair', serviceWorkers: 'allow' })

test.describe('two people chat through a local relay-node', () => {
  test.describe('from the welcome screen', () => {
    // this one befriends through the UI: across browsers too (@cross), no prepared people
    test.use({ prepared: undefined })

    test('exchange invites, chat both ways, both sides show delivered', { tag: ['@cross'] }, async ({ alice, bob }) => {
      await befriend(alice.page, bob.page)

      await send(bob.page, 'Hi Alice, it is Bob')
      await expect(message(alice.page, 'Hi Alice, it is Bob')).toBeVisible()
      await expect(message(bob.page, 'Hi Alice, it is Bob')).toHaveAttribute('data-state', /^(delivered|read)$/)

      await send(alice.page, 'Hello Bob!')
      await expect(message(bob.page, 'Hello Bob!')).toBeVisible()
      await expect(message(alice.page, 'Hello Bob!')).toHaveAttribute('data-state', /^(delivered|read)$/)
      await expect(message(alice.page, 'Hello Bob!')).toContainText(/delivered|read/)
    })
  })

  test('a 4,000-character message arrives whole but folded; Show more unfolds it, Show less folds it again', async ({ alice, bob }) => {
    const long = `${'Lorem ipsum dolor sit amet. '.repeat(142)}The end.`
    expect(long.length).toBeGreaterThan(3900)
    await send(alice.page, long)
    const bubble = message(bob.page, 'The end.')
    const body = bubble.locator('.body')
    // all of it is in the page (screen readers, find in page), twelve lines of it shown
    await expect(body).toHaveText(long)
    const folded = await body.evaluate(el => el.getBoundingClientRect().height)
    const lineHeight = await body.evaluate(el => parseFloat(getComputedStyle(el).lineHeight))
    expect(folded).toBeLessThanOrEqual(12 * lineHeight + 1)
    const more = bubble.getByRole('button', { name: 'Show more' })
    await expect(more).toHaveAttribute('aria-expanded', 'false')
    await more.click()
    const less = bubble.getByRole('button', { name: 'Show less' })
    await expect(less).toHaveAttribute('aria-expanded', 'true')
    expect(await body.evaluate(el => el.getBoundingClientRect().height)).toBeGreaterThan(folded * 2)
    await less.click()
    await expect(bubble.getByRole('button', { name: 'Show more' })).toBeVisible()
    // the sender's own copy is folded too
    await expect(message(alice.page, 'The end.').getByRole('button', { name: 'Show more' })).toBeVisible()
  })

  test('history and identity survive a reload of both pages', { tag: ['@firefox'] }, async ({ alice, bob, friends }) => {
    const before = friends
    await send(bob.page, 'remember me')
    await expect(message(bob.page, 'remember me')).toHaveAttribute('data-state', /^(delivered|read)$/)

    await alice.page.reload()
    await bob.page.reload()
    await expectOnline(alice.page)
    await expectOnline(bob.page)

    expect((await readInvite(alice.page)).peerId).toBe(before.alicePeerId)
    expect((await readInvite(bob.page)).peerId).toBe(before.bobPeerId)
    await openChat(alice.page, 'Bob')
    await expect(message(alice.page, 'remember me')).toBeVisible()
    await openChat(bob.page, 'Alice')
    await expect(message(bob.page, 'remember me')).toHaveAttribute('data-state', /^(delivered|read)$/)
    await expect(messages(bob.page)).toHaveCount(1)
  })

  test('a second tab of the same person shows messages live and can send', async ({ alice, bob }) => {
    const aliceTab2 = await alice.newTab()
    await expectOnline(aliceTab2)
    await openChat(aliceTab2, 'Bob')

    await expectTabsShareChat(alice.page, aliceTab2, bob.page)
  })

  test('messages to a contact who closed the page wait (on the relay) and arrive once, in order', async ({ alice, bob, app }) => {
    await send(bob.page, 'see you later')
    await expect(message(alice.page, 'see you later')).toBeVisible()

    await bob.page.close()
    // Bob's only page is gone, so his SharedWorker (and node) ends: Alice sees him go
    const texts = ['one', 'two', 'three']
    for (const text of texts) await send(alice.page, text)
    for (const text of texts) {
      await expect(message(alice.page, text)).toHaveAttribute('data-state', /queued|sent|stored/)
    }

    const bobAgain = await bob.context.newPage()
    await bobAgain.goto(app.url)
    await expectOnline(bobAgain)
    for (const text of texts) {
      await expect(message(alice.page, text)).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })
    }
    await openChat(bobAgain, 'Alice')
    await expect(messages(bobAgain)).toHaveText([/see you later/, /one/, /two/, /three/])
  })

  test('both re-reserve after the relay-node restarts and chat resumes', async ({ alice, bob, relay }) => {
    await send(alice.page, 'before the restart')
    await expect(message(bob.page, 'before the restart')).toBeVisible()

    await relay.restart()
    await expectOnline(alice.page)
    await expectOnline(bob.page)

    await send(bob.page, 'after the restart')
    await expect(message(alice.page, 'after the restart')).toBeVisible({ timeout: 45_000 })
    await expect(message(bob.page, 'after the restart')).toHaveAttribute('data-state', /^(delivered|read)$/)
  })
})

test.describe('two people chat when no direct connection can be made', () => {
  // Bob's browser gathers no loopback ICE candidates (tests/e2e/fixtures.ts), so every attempt to go direct fails
  test.use({ bobWebrtc: false })

  test('messages cross the relay both ways and are delivered; both chats say relayed', { tag: ['@cross'] }, async ({ alice, bob }) => {
    await send(alice.page, 'through the relay')
    await expect(message(bob.page, 'through the relay')).toBeVisible()
    await send(bob.page, 'and back through it')
    await expect(message(alice.page, 'and back through it')).toBeVisible()
    await expect(message(alice.page, 'through the relay')).toHaveAttribute('data-state', /^(delivered|read)$/)
    await expect(message(bob.page, 'and back through it')).toHaveAttribute('data-state', /^(delivered|read)$/)
    await expectPath(alice.page, 'relayed')
    await expectPath(bob.page, 'relayed')
  })
})
