/**
 * A chat opens where the reader is (issue 22, "Open where the reader is"):
 * at its first unread message, or else with its newest message fully in
 * view, and stays there while previews and file cards take their size;
 * nothing hides under the composer. The sender's card says when a file's
 * name had to change to be sent.
 *
 * Older history is written into Alice's IndexedDB through the app's own
 * ParleyDb (tests/bench/history-seed.ts); what the test is about (images,
 * files, the newest and the unread messages) goes between two real browsers
 * over a real relay-node.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'
import { message, openChat, openScreen, send } from './helpers/parley.ts'
import { attach, expectFileState, fileCard, randomPng } from './helpers/files.ts'
import { describePlace, fullyVisible, newestPlace, startWatchingNewest, stopWatchingNewest, watchedSoFar } from './helpers/view.ts'
import { installSeeder, seedChat } from '../bench/history.ts'
import { readRows } from '../support/page-db.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

const PHONE = { width: 360, height: 780 }
const DESKTOP = { width: 1280, height: 800 }
const MINUTE = 60_000
const HOUR = 60 * MINUTE
/** Frames recorded after the image decoded before the watch ends (about half a second). */
const FRAMES_AFTER_LOAD = 30

/** Opens the chat with `name` from the chat list, as a reader does. */
async function openFromList (page: Page, name: string): Promise<void> {
  await openScreen(page, 'Chats')
  await page.getByRole('main').getByRole('link', { name: new RegExp(`^${name}`) }).click()
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
}

/** The newest message is wholly inside the log's visible area and above the composer. */
async function expectNewestFullyVisible (page: Page): Promise<void> {
  await expect.poll(async () => {
    const place = await newestPlace(page)
    return place !== undefined && fullyVisible(place) ? 'fully visible' : describePlace(place)
  }).toBe('fully visible')
}

test.describe('a chat opens where the reader is', () => {
  test('ending with an image: the newest message is fully in view on a phone and a desktop, and stays there once the image is shown', { tag: ['@firefox'] }, async ({ alice, bob, friends }) => {
    test.setTimeout(180_000)
    const { bobPeerId } = friends
    await installSeeder(alice.page)
    // enough older history to fill the log many times over, all seen
    await seedChat(alice.page, { peerId: bobPeerId, count: 120, firstAt: Date.now() - 3 * HOUR, stepMs: MINUTE, prefix: 'history' })
    await send(bob.page, 'a photo of the garden')
    await attach(bob.page, { name: 'garden.png', mimeType: 'image/png', buffer: randomPng(800, 600) })
    await expectFileState(alice.page, 'garden.png', 'complete')
    await expect(fileCard(alice.page, 'garden.png').getByTestId('file-thumb')).toBeVisible()
    const imageId = await alice.page.getByRole('log', { name: 'Messages' }).getByRole('listitem').last().getAttribute('data-message-id')

    for (const [device, size] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await test.step(device, async () => {
        await alice.page.setViewportSize(size)
        for (let opening = 1; opening <= 3; opening++) {
          await openScreen(alice.page, 'Chats')
          await expect(alice.page.getByRole('main').getByRole('link', { name: /^Bob/ })).toBeVisible()
          await startWatchingNewest(alice.page)
          await alice.page.getByRole('main').getByRole('link', { name: /^Bob/ }).click()

          // the image is shown, decoded, and its message is wholly in view above the composer
          await expect.poll(async () => (await watchedSoFar(alice.page)).filter(s => s.imageLoaded).length, { message: `${device}, opening ${opening}: frames with the image shown` })
            .toBeGreaterThanOrEqual(FRAMES_AFTER_LOAD)
          const place = await newestPlace(alice.page)
          expect(place?.id).toBe(imageId)
          expect(place !== undefined && fullyVisible(place), `${device}, opening ${opening}: ${describePlace(place)}`).toBe(true)

          // and it was so in every painted frame since the image was shown: never pushed below the fold
          const samples = await stopWatchingNewest(alice.page)
          const shown = samples.filter(s => s.imageLoaded)
          const away = shown.filter(s => !fullyVisible(s))
          expect(away.map(describePlace), `${device}, opening ${opening}: frames where the newest message was not fully in view`).toEqual([])
          // the preview's frame had its final height from its first frame on: nothing grew as the image appeared
          const heights = new Set(samples.filter(s => s.id === imageId && s.frameHeight !== undefined).map(s => Math.round(s.frameHeight ?? 0)))
          expect([...heights], `${device}, opening ${opening}: heights of the preview's frame`).toHaveLength(1)
        }
      })
    }
  })

  test('with unread messages: opens at the first unread one, marked "New messages", even when it is older than the newest page', async ({ alice, bob, friends }) => {
    test.setTimeout(180_000)
    const { bobPeerId } = friends
    await send(bob.page, 'seen before the break')
    await expect(message(alice.page, 'seen before the break')).toBeVisible()
    // Alice leaves the chat; 80 messages come in (written straight into her database, just after
    // the one she saw), then a live one
    await openScreen(alice.page, 'Chats')
    const seen = (await readRows<{ body: string, sentAt: number }>(alice.page, 'messages')).find(m => m.body === 'seen before the break')
    expect(seen).toBeDefined()
    await installSeeder(alice.page)
    const seeded = await seedChat(alice.page, {
      peerId: bobPeerId, count: 80, firstAt: (seen?.sentAt ?? NaN) + 1, stepMs: 1, prefix: 'unread', special: { 1: 'the first unread message' }, unread: true
    })
    await send(bob.page, 'the newest message of all')
    const row = alice.page.getByRole('main').getByRole('link', { name: /^Bob/ })
    await expect(row).toContainText('the newest message of all')
    await expect(row.getByTestId('unread')).toHaveText('54')

    await alice.page.setViewportSize(PHONE)
    await row.click()
    const first = alice.page.locator(`[data-message-id="${seeded.specialIds[1]}"]`)
    await expect(first).toContainText('the first unread message')
    await expect(first.getByTestId('unread-line')).toHaveText('New messages')
    await expect(alice.page.getByTestId('unread-line')).toHaveCount(1)
    // the line reads well in both themes (axe: no serious or critical problem in the log)
    for (const colorScheme of ['light', 'dark'] as const) {
      await alice.page.emulateMedia({ colorScheme })
      const { violations } = await new AxeBuilder({ page: alice.page }).include('[role="log"]').analyze()
      expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${colorScheme}: ${v.id}`)).toEqual([])
    }
    // at the top of the log's visible area
    await expect.poll(async () => {
      const [box, log] = await Promise.all([first.boundingBox(), alice.page.getByRole('log', { name: 'Messages' }).boundingBox()])
      return box === null || log === null ? NaN : Math.round(box.y - log.y)
    }).toBeLessThanOrEqual(16)
    await expect(first).toBeInViewport()
    // the newest is further on: the window opened around the first unread one, not on the newest page
    await expect(message(alice.page, 'the newest message of all')).toHaveCount(0)
    await alice.page.getByRole('button', { name: 'Jump to latest' }).click()
    await expect(message(alice.page, 'the newest message of all')).toBeInViewport()
    await expectNewestFullyVisible(alice.page)

    // read now: the next opening is at the newest message
    await openFromList(alice.page, 'Bob')
    await expect(alice.page.getByTestId('unread-line')).toHaveCount(0)
    await expectNewestFullyVisible(alice.page)
    expect((await newestPlace(alice.page))?.id).toBe(await message(alice.page, 'the newest message of all').getAttribute('data-message-id'))

    // two new ones that fit below what was read: the first is marked, and the newest is in view too
    await openScreen(alice.page, 'Chats')
    await send(bob.page, 'one more thing')
    await send(bob.page, 'and the very last')
    await expect(row.getByTestId('unread')).toHaveText('2')
    await row.click()
    await expect(message(alice.page, 'one more thing').getByTestId('unread-line')).toBeVisible()
    await expectNewestFullyVisible(alice.page)
    // a message arriving now, while everything is in view, is followed
    await send(bob.page, 'arriving while reading')
    await expect(message(alice.page, 'arriving while reading')).toBeVisible()
    await expectNewestFullyVisible(alice.page)
  })

  test('several files sent at once: the last card stays fully above the composer', async ({ alice, bob, friends }) => {
    test.setTimeout(120_000)
    const { bobPeerId } = friends
    await installSeeder(alice.page)
    await seedChat(alice.page, { peerId: bobPeerId, count: 60, firstAt: Date.now() - 2 * HOUR, stepMs: MINUTE, prefix: 'history' })
    await alice.page.setViewportSize(PHONE)
    await openChat(alice.page, 'Bob')
    await expectNewestFullyVisible(alice.page)

    const names = ['one.png', 'two.bin', 'three.png', 'four.bin']
    await attach(alice.page, names.map((name, i) => name.endsWith('.png')
      ? { name, mimeType: 'image/png', buffer: randomPng(300 + 100 * i, 400) }
      : { name, mimeType: 'application/octet-stream', buffer: Buffer.alloc(20_000 + i, i) }))
    for (const name of names) await expectFileState(bob.page, name, 'complete')
    for (const name of names) await expectFileState(alice.page, name, 'complete')
    await expect(fileCard(alice.page, 'four.bin')).toBeVisible()
    await expectNewestFullyVisible(alice.page)
    const last = await newestPlace(alice.page)
    expect(last?.id).toBe(await alice.page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ has: alice.page.getByTestId('file-card').filter({ hasText: 'four.bin' }) }).getAttribute('data-message-id'))
  })

  test('the sender\'s card says the name a file was sent as when it had to change; the receiver sees that name', async ({ alice, bob }) => {
    await attach(alice.page, { name: 'notes: draft?.txt', mimeType: 'text/plain', buffer: Buffer.from('draft notes') })
    await attach(alice.page, { name: 'plain.txt', mimeType: 'text/plain', buffer: Buffer.from('plain') })
    const renamed = fileCard(alice.page, 'notes: draft?.txt')
    await expect(renamed.getByTestId('file-sent-as')).toHaveText('Sent as “notes_ draft_.txt”')
    await expect(fileCard(alice.page, 'plain.txt').getByTestId('file-sent-as')).toHaveCount(0)
    await expectFileState(bob.page, 'notes_ draft_.txt', 'complete')
    await expect(fileCard(bob.page, 'notes_ draft_.txt').getByTestId('file-sent-as')).toHaveCount(0)
    await expect(fileCard(bob.page, 'notes: draft?.txt')).toHaveCount(0)

    // in Russian too
    await alice.page.evaluate(() => { localStorage.setItem('parley.language', 'ru') })
    await alice.page.reload()
    await expect(alice.page.getByTestId('file-card').filter({ hasText: 'notes: draft?.txt' }).getByTestId('file-sent-as')).toHaveText('Отправлен под именем «notes_ draft_.txt»')
  })
})
