/**
 * The message actions (issue 23 items 2–5 and 10), two people in two
 * browsers: the menu on a bubble (mouse, keyboard), replies with quotes that
 * jump to the original (also one outside the loaded window), reactions,
 * edits, and deletes for everyone (text, file and search words) or for me.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import { attach, expectFileState, fileCard, randomPng } from './helpers/files.ts'
import { message, messages, openChat, openScreen, send } from './helpers/parley.ts'
import type { Locator, Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/** Opens the menu of the message holding `text` with a right click; returns the menu. */
async function openMenu (page: Page, text: string | Locator): Promise<Locator> {
  const bubble = typeof text === 'string' ? message(page, text) : text
  await bubble.locator('.bubble').click({ button: 'right' })
  const menu = page.getByRole('menu', { name: 'Message actions' })
  await expect(menu).toBeVisible()
  return menu
}

async function choose (page: Page, text: string | Locator, item: string): Promise<void> {
  await (await openMenu(page, text)).getByRole('menuitem', { name: item, exact: true }).click()
}

function chips (page: Page, text: string): Locator {
  return message(page, text).getByRole('group', { name: 'Reactions' }).getByRole('button')
}

/** Search in all chats for `query`: the results' texts ('' when none). */
async function searchFor (page: Page, query: string): Promise<string[]> {
  await openScreen(page, 'Search')
  await page.getByRole('searchbox', { name: 'Search in all chats' }).fill(query)
  const results = page.getByRole('list', { name: 'Search results' }).getByRole('link')
  const none = page.getByRole('status').filter({ hasText: 'No messages found' })
  await expect(results.first().or(none)).toBeVisible()
  return await results.allInnerTexts()
}

async function expectNoSeriousViolations (page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze()
  expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${where}: ${v.id} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)).toEqual([])
}

test.describe('message actions', () => {
  test('the menu: keyboard button, arrow keys, Escape gives focus back; items follow the message', async ({ alice, bob }) => {
    await send(alice.page, 'menu please')
    await expect(message(bob.page, 'menu please')).toBeVisible()

    const button = message(alice.page, 'menu please').getByRole('button', { name: 'Message actions' })
    await button.focus()
    await expect(button).toBeVisible()
    await alice.page.keyboard.press('Enter')
    const menu = alice.page.getByRole('menu', { name: 'Message actions' })
    await expect(menu.getByRole('menuitem')).toHaveText(['Reply', 'React', 'Copy', 'Edit', 'Delete', 'Info'])
    await expect(menu.getByRole('menuitem', { name: 'Reply' })).toBeFocused()
    await alice.page.keyboard.press('ArrowDown')
    await expect(menu.getByRole('menuitem', { name: 'React' })).toBeFocused()
    await alice.page.keyboard.press('ArrowUp')
    await alice.page.keyboard.press('ArrowUp')
    await expect(menu.getByRole('menuitem', { name: 'Info' })).toBeFocused()
    await expect(button).toHaveAttribute('aria-expanded', 'true')
    await expectNoSeriousViolations(alice.page, 'menu open')
    await alice.page.keyboard.press('Escape')
    await expect(menu).toBeHidden()
    await expect(button).toBeFocused()

    // Info, from the keyboard: a dialog with the times, closed with Escape
    await alice.page.keyboard.press('Enter')
    await alice.page.keyboard.press('End')
    await alice.page.keyboard.press('Enter')
    const info = alice.page.getByRole('dialog', { name: 'Message info' })
    await expect(info).toContainText('Sent')
    await expect(info).toContainText(/Delivered\s*yes/)
    await expectNoSeriousViolations(alice.page, 'info dialog')
    await alice.page.keyboard.press('Escape')
    await expect(info).toBeHidden()
    await expect(button).toBeFocused()

    // theirs: no Edit; Info says when it came
    const theirs = await openMenu(bob.page, 'menu please')
    await expect(theirs.getByRole('menuitem')).toHaveText(['Reply', 'React', 'Copy', 'Delete', 'Info'])
    await theirs.getByRole('menuitem', { name: 'Info' }).click()
    await expect(bob.page.getByRole('dialog', { name: 'Message info' })).toContainText('Received')
    await bob.page.getByRole('dialog', { name: 'Message info' }).getByRole('button', { name: 'Close' }).click()
    await expect(bob.page.getByRole('dialog')).toBeHidden()
  })

  test('reply: a quote bar, the quote on both sides, a jump to the original also outside the loaded window', async ({ alice, bob }) => {
    test.slow()
    await send(alice.page, 'the original question\nwith a second line')
    await attach(alice.page, { name: 'sunset.png', mimeType: 'image/png', buffer: randomPng(64, 48) })
    await expectFileState(bob.page, 'sunset.png', 'complete')

    // a reply to the image: the bar shows its name and a thumbnail; cancel takes it away
    await choose(bob.page, fileCard(bob.page, 'sunset.png').locator('xpath=ancestor::li[1]'), 'Reply')
    const bar = bob.page.getByRole('group', { name: 'Reply to Alice' })
    await expect(bar).toContainText('sunset.png')
    await expect(bar.locator('img')).toBeVisible()
    await expect(bob.page.getByRole('textbox', { name: 'Message', exact: true })).toBeFocused()
    await bar.getByRole('button', { name: 'Cancel reply' }).click()
    await expect(bar).toBeHidden()

    // a reply to the text, after 60 more messages
    for (let i = 0; i < 60; i++) {
      await bob.page.getByRole('textbox', { name: 'Message', exact: true }).fill(`filler ${i} `)
      await bob.page.getByRole('button', { name: 'Send', exact: true }).click()
    }
    await expect(message(bob.page, 'filler 59 ')).toBeVisible()
    await choose(bob.page, 'the original question', 'Reply')
    await expect(bob.page.getByRole('group', { name: 'Reply to Alice' })).toContainText('the original question')
    await send(bob.page, 'my answer to it')
    await expect(bob.page.getByRole('group', { name: 'Reply to Alice' })).toBeHidden()
    const quote = (page: Page): Locator => message(page, 'my answer to it').getByRole('button', { name: /Show the original message/ })
    await expect(quote(bob.page)).toContainText('Alice')
    await expect(quote(bob.page)).toContainText('the original question')
    await expect(quote(bob.page)).not.toContainText('second line')
    await expect(quote(alice.page)).toContainText('You')
    await expect(quote(alice.page)).toContainText('the original question')

    // in the window: the jump scrolls to it and marks it a moment
    const original = (page: Page): Locator => message(page, 'the original question').filter({ hasNotText: 'my answer to it' })
    await quote(alice.page).click()
    await expect(original(alice.page)).toBeInViewport()
    await expect(original(alice.page)).toHaveAttribute('data-highlight', '')
    await expect(original(alice.page)).not.toHaveAttribute('data-highlight')

    // outside the window (a chat opens on its newest 50): the chat opens around it
    await bob.page.reload()
    await openChat(bob.page, 'Alice')
    await expect(message(bob.page, 'my answer to it')).toBeVisible()
    await expect(original(bob.page)).toHaveCount(0)
    await quote(bob.page).click()
    await expect(original(bob.page)).toBeInViewport()
    await expect(original(bob.page)).toHaveAttribute('data-highlight', '')
  })

  test('react, change, take back: chips on both sides, ours pressed', async ({ alice, bob }) => {
    await send(alice.page, 'react to this')
    await expect(message(bob.page, 'react to this')).toBeVisible()

    await choose(bob.page, 'react to this', 'React')
    const picker = bob.page.getByRole('dialog', { name: 'React to the message' })
    await expectNoSeriousViolations(bob.page, 'reaction picker')
    await picker.getByRole('button', { name: '👍' }).click()
    await expect(picker).toBeHidden()
    await expect(chips(bob.page, 'react to this')).toHaveText(['👍 1'])
    await expect(chips(bob.page, 'react to this').first()).toHaveAttribute('aria-pressed', 'true')
    await expect(chips(alice.page, 'react to this')).toHaveText(['👍 1'])
    await expect(chips(alice.page, 'react to this').first()).toHaveAttribute('aria-pressed', 'false')

    // Alice adds the same: two; then Bob changes his to one typed in
    await chips(alice.page, 'react to this').first().click()
    await expect(chips(alice.page, 'react to this')).toHaveText(['👍 2'])
    await expect(chips(bob.page, 'react to this')).toHaveText(['👍 2'])
    await choose(bob.page, 'react to this', 'React')
    await expect(picker.getByRole('button', { name: '👍' })).toHaveAttribute('aria-pressed', 'true')
    await picker.getByRole('textbox', { name: 'Any emoji' }).fill('🦊')
    await picker.getByRole('button', { name: 'React', exact: true }).click()
    await expect(chips(bob.page, 'react to this')).toHaveText(['👍 1', '🦊 1'])
    await expect(chips(alice.page, 'react to this')).toHaveText(['👍 1', '🦊 1'])

    // not an emoji: said in words, nothing changes
    await choose(bob.page, 'react to this', 'React')
    await picker.getByRole('textbox', { name: 'Any emoji' }).fill('abc')
    await picker.getByRole('button', { name: 'React', exact: true }).click()
    await expect(bob.page.getByRole('alert')).toContainText(/emoji/i)
    await expect(chips(bob.page, 'react to this')).toHaveText(['👍 1', '🦊 1'])

    // taken back: Bob's chip, Alice's through the picker
    await chips(bob.page, 'react to this').filter({ hasText: '🦊' }).click()
    await expect(chips(bob.page, 'react to this')).toHaveText(['👍 1'])
    await expect(chips(alice.page, 'react to this')).toHaveText(['👍 1'])
    await choose(alice.page, 'react to this', 'React')
    await alice.page.getByRole('dialog', { name: 'React to the message' }).getByRole('button', { name: '👍' }).click()
    await expect(chips(alice.page, 'react to this')).toHaveCount(0)
    await expect(chips(bob.page, 'react to this')).toHaveCount(0)
  })

  test('edit: the text changes on both sides and says edited', async ({ alice, bob }) => {
    await send(alice.page, 'see you at 5')
    await expect(message(bob.page, 'see you at 5')).toBeVisible()

    await choose(alice.page, 'see you at 5', 'Edit')
    await expect(alice.page.getByRole('status').filter({ hasText: 'Editing message' })).toBeVisible()
    const field = alice.page.getByRole('textbox', { name: 'Message', exact: true })
    await expect(field).toHaveValue('see you at 5')
    await expect(field).toBeFocused()
    await field.fill('see you at 6')
    await alice.page.getByRole('button', { name: 'Save', exact: true }).click()
    await expect(field).toHaveValue('')
    await expect(alice.page.getByRole('button', { name: 'Send', exact: true })).toBeVisible()

    for (const page of [alice.page, bob.page]) {
      await expect(message(page, 'see you at 6')).toContainText('edited')
      await expect(message(page, 'see you at 5')).toHaveCount(0)
      await expect(messages(page)).toHaveCount(1)
    }
    // theirs cannot be edited
    const theirs = await openMenu(bob.page, 'see you at 6')
    await expect(theirs.getByRole('menuitem', { name: 'Edit' })).toHaveCount(0)
  })

  test('delete for everyone takes text, file and search words on both sides; delete for me only here', async ({ alice, bob }) => {
    await send(alice.page, 'the zebracode is 4711')
    await attach(alice.page, { name: 'quokkanotes.txt', mimeType: 'text/plain', buffer: Buffer.from('quokka notes\n') })
    await expectFileState(bob.page, 'quokkanotes.txt', 'complete')
    await send(alice.page, 'only Bob forgets this')
    await expect(message(bob.page, 'only Bob forgets this')).toBeVisible()
    for (const page of [alice.page, bob.page]) {
      expect(await searchFor(page, 'zebracode')).toHaveLength(1)
      expect(await searchFor(page, 'quokkanotes')).toHaveLength(1)
      await openChat(page, page === alice.page ? 'Bob' : 'Alice')
    }

    await choose(alice.page, 'the zebracode is 4711', 'Delete')
    const dialog = alice.page.getByRole('dialog', { name: 'Delete this message?' })
    await expectNoSeriousViolations(alice.page, 'delete dialog')
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click()
    await choose(alice.page, fileCard(alice.page, 'quokkanotes.txt').locator('xpath=ancestor::li[1]'), 'Delete')
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click()

    for (const page of [alice.page, bob.page]) {
      await expect(messages(page).filter({ hasText: 'This message was deleted' })).toHaveCount(2)
      await expect(message(page, 'zebracode')).toHaveCount(0)
      await expect(fileCard(page, 'quokkanotes.txt')).toHaveCount(0)
    }
    // a deleted message can only be deleted here or looked into
    await expect((await openMenu(bob.page, messages(bob.page).filter({ hasText: 'This message was deleted' }).first())).getByRole('menuitem')).toHaveText(['Delete', 'Info'])
    await bob.page.keyboard.press('Escape')
    // theirs: only for me
    await choose(bob.page, 'only Bob forgets this', 'Delete')
    const bobs = bob.page.getByRole('dialog', { name: 'Delete this message?' })
    await expect(bobs.getByRole('button', { name: 'Delete for everyone' })).toHaveCount(0)
    await bobs.getByRole('button', { name: 'Delete for me' }).click()
    await expect(message(bob.page, 'only Bob forgets this')).toHaveCount(0)
    await expect(messages(bob.page)).toHaveCount(2)
    await expect(message(alice.page, 'only Bob forgets this')).toBeVisible()

    for (const page of [alice.page, bob.page]) {
      expect(await searchFor(page, 'zebracode')).toEqual([])
      expect(await searchFor(page, 'quokkanotes')).toEqual([])
      expect(await searchFor(page, '4711')).toEqual([])
    }
  })
})
