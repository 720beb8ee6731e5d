import { expect, test } from './fixtures.ts'
import { chatRow, message, messages, nav, openChat, openScreen, send } from './helpers/parley.ts'
import { installSeeder, seedChat } from '../bench/history.ts'
import { readRows } from '../support/page-db.ts'
import type { Page } from '@playwright/test'

/**
 * Linked devices (issue 58), the acceptance's story in three browser
 * contexts: Alice's laptop (prepared: onboarded, Bob a contact, 100 messages
 * of history with him), Bob, and a fresh browser at 360×780 that becomes
 * Alice's phone. The laptop links the phone by the QR code the phone shows,
 * read from a screenshot by the laptop's own scanner; the phone then holds
 * her chats and history under her account. Bob writes: both of Alice's
 * devices show it; the phone answers, Bob sees it from Alice and the laptop
 * shows it as hers; reading on the phone clears the laptop's unread count.
 * The phone is closed while Bob writes three messages: reopened, it has them
 * (from its own mailbox) in order, once. The laptop removes the phone: Bob's
 * next message reaches the laptop only, and the phone says it was removed.
 * (Groups as accounts and calls ringing on both devices are not here:
 * groups are being built; calls need a fake-media browser of their own,
 * tests/integration/calls-devices.test.ts has them.)
 */
test.use({ prepared: 'pair' })

const HISTORY = 100

/** The rows of `page`'s messages table whose body is `body` (the phone's or Bob's IndexedDB). */
interface Row { body: string, direction: string, state: string, storedDevices?: string[] }

async function rowsOf (page: Page, body: string): Promise<Row[]> {
  return (await readRows<Row>(page, 'messages')).filter(row => row.body === body)
}

test('Alice links her phone by its QR code and uses both: Bob\'s messages reach both, the phone answers as Alice, reads sync, a closed phone catches up from its mailbox, and once removed it gets nothing more and says so', async ({ alice, bob, carol, friends, app }) => {
  test.setTimeout(300_000)
  const laptop = alice.page
  let phone = carol.page
  await phone.setViewportSize({ width: 360, height: 780 })
  await send(laptop, 'written before the link')
  await installSeeder(laptop)
  await seedChat(laptop, { peerId: friends.bobPeerId, count: HISTORY, firstAt: Date.now() - 86_400_000, stepMs: 60_000, prefix: 'history' })

  await phone.getByRole('button', { name: 'Link to an existing Parley' }).click()
  const qr = phone.getByRole('img', { name: 'QR code to link this device' })
  await expect(qr).toBeVisible({ timeout: 60_000 })
  await expect(phone.getByText('Waiting for your other device…')).toBeVisible()
  // and, under it, the short code to type where there is no camera (its offer on the relay)
  await expect(phone.getByRole('status', { name: /Or type this code on the other device/ })).toHaveText(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
  const png = await qr.screenshot()

  await openScreen(laptop, 'Settings')
  await laptop.getByRole('button', { name: 'Link a device' }).click()
  await laptop.getByLabel('Scan from image file').setInputFiles({ name: 'link.png', mimeType: 'image/png', buffer: png })

  const laptopCode = laptop.getByRole('status', { name: 'Confirmation code' })
  const phoneCode = phone.getByRole('status', { name: 'Confirmation code' })
  await expect(laptopCode).toBeVisible({ timeout: 60_000 })
  await expect(phoneCode).toBeVisible({ timeout: 30_000 })
  const code = await laptop.getByTestId('link-code').getAttribute('data-code')
  expect(code).toMatch(/^\d{6}$/)
  await expect(phone.getByTestId('link-code')).toHaveAttribute('data-code', code ?? '')
  await expect(phone.getByText('Linking to Alice’s Parley')).toBeVisible()
  // nothing moves before the person says the codes are the same
  await expect(phone.getByRole('progressbar')).toHaveCount(0)
  await laptop.getByRole('button', { name: 'Same code' }).click()

  await expect(laptop.getByText('The new device is linked: it is in the list of your devices.')).toBeVisible({ timeout: 60_000 })
  // the phone goes into the app by itself once its node runs on the stored profile
  await expect(nav(phone)).toBeVisible({ timeout: 60_000 })
  await openChat(phone, 'Bob')
  await expect(message(phone, 'written before the link')).toBeVisible()
  // the whole history came over
  expect((await readRows<{ body: string }>(phone, 'messages')).filter(row => row.body.startsWith('history '))).toHaveLength(HISTORY)

  // the phone is one of Alice's devices: her account, not a new identity
  await openScreen(phone, 'Settings')
  await expect(phone.getByRole('list', { name: 'Your devices' }).getByRole('listitem')).toHaveCount(2)
  await laptop.reload()
  await openScreen(laptop, 'Settings')
  const laptopDevices = laptop.getByRole('list', { name: 'Your devices' }).getByRole('listitem')
  await expect(laptopDevices).toHaveCount(2)
  await expect(nav(laptop)).toBeVisible()

  // Bob writes while neither of Alice's devices has his chat open: both show it, unread
  await openScreen(laptop, 'Chats')
  await openScreen(phone, 'Chats')
  await send(bob.page, 'hello to both of you')
  const laptopUnread = chatRow(laptop, 'Bob').getByTestId('unread')
  await expect(laptopUnread).toHaveText('1', { timeout: 30_000 })
  await expect(chatRow(phone, 'Bob').getByTestId('unread')).toHaveText('1', { timeout: 30_000 })

  // Alice reads it on the phone and answers from there: Bob has it from Alice, and the laptop shows it as hers
  await openChat(phone, 'Bob')
  await expect(message(phone, 'hello to both of you')).toHaveAttribute('data-direction', 'in')
  await expect.poll(async () => (await rowsOf(phone, 'hello to both of you'))[0]?.state).toBe('read')
  await send(phone, 'answered from my phone')
  await expect(message(bob.page, 'answered from my phone')).toHaveAttribute('data-direction', 'in', { timeout: 30_000 })
  await expect(bob.page.getByRole('heading', { name: 'Alice' })).toBeVisible()
  await expect.poll(async () => (await rowsOf(laptop, 'answered from my phone'))[0]?.direction, { timeout: 60_000 }).toBe('out')
  // reading on the phone cleared the laptop's count (its row read, then the list)
  await expect.poll(async () => (await rowsOf(laptop, 'hello to both of you'))[0]?.state, { timeout: 60_000 }).toBe('read')
  await expect(laptopUnread).toHaveCount(0)
  await openChat(laptop, 'Bob')
  await expect(message(laptop, 'hello to both of you')).toHaveAttribute('data-direction', 'in')
  await expect(message(laptop, 'answered from my phone')).toHaveAttribute('data-direction', 'out')
  await expect(message(phone, 'answered from my phone')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })

  // the phone closed (its node ends with its only page) while Bob writes three: they wait in its own mailbox
  await phone.close()
  const away = ['while the phone is away 1', 'while the phone is away 2', 'while the phone is away 3']
  for (const text of away) await send(bob.page, text)
  for (const text of away) await expect(message(laptop, text)).toBeVisible({ timeout: 30_000 })
  await expect.poll(async () => (await Promise.all(away.map(async text => (await rowsOf(bob.page, text))[0]?.storedDevices?.length ?? 0))).every(n => n === 1), { timeout: 60_000 }).toBe(true)
  phone = await carol.context.newPage()
  await phone.goto(app.url)
  await expect(nav(phone)).toBeVisible({ timeout: 60_000 })
  await openChat(phone, 'Bob')
  await expect(messages(phone).filter({ hasText: /while the phone is away/ })).toHaveText(away.map(text => new RegExp(text)), { timeout: 60_000 })
  for (const text of away) expect(await rowsOf(phone, text)).toHaveLength(1)

  // the laptop removes the phone: the phone says so, and Bob's next message reaches the laptop only
  await openScreen(laptop, 'Settings')
  const phoneItem = laptopDevices.filter({ hasNotText: 'This device' })
  await phoneItem.getByRole('button', { name: 'Remove' }).click()
  await laptop.getByRole('group', { name: 'Remove a device' }).getByRole('button', { name: 'Remove device' }).click()
  await expect(laptop.getByText('Removed. Your contacts get the new list of your devices when they next connect.')).toBeVisible({ timeout: 30_000 })
  await expect(laptopDevices).toHaveCount(1)
  await expect(phone.getByText('This device was removed from Alice\'s Parley.')).toBeVisible({ timeout: 60_000 })
  await expect(phone.getByRole('button', { name: 'Erase this device' })).toBeVisible()
  // Bob holds the list without the phone (it came over the session), so nothing goes to the phone: not live, not to its mailbox
  await expect.poll(async () => (await readRows<{ peerId: string, devicePeers?: string[] }>(bob.page, 'contacts')).find(c => c.peerId === friends.alicePeerId)?.devicePeers?.length, { timeout: 60_000 }).toBe(1)
  await send(bob.page, 'after the removal')
  await openChat(laptop, 'Bob')
  await expect(message(laptop, 'after the removal')).toBeVisible({ timeout: 30_000 })
  await expect(message(bob.page, 'after the removal')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })
  const sent = (await rowsOf(bob.page, 'after the removal'))[0]
  expect(sent?.storedDevices ?? []).toEqual([])
  expect(await rowsOf(phone, 'after the removal')).toEqual([])
})
