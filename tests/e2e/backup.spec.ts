import { expect, test } from './fixtures.ts'
import { downloadBackup } from './helpers/backup.ts'
import { expectOnline, message, nav, openChat, readInvite, send } from './helpers/parley.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): Carol starts fresh, at the welcome screen
test.use({ prepared: 'pair' })

const PASSPHRASE = 'correct horse battery staple'

test.describe('identity backup', () => {
  test('a backup made with the generated recovery passphrase (Argon2id): refused with a wrong one in a fresh browser, restored with it, same PeerID, contacts and history; Bob reaches the restored Alice', { tag: ['@firefox'] }, async ({ alice, bob, carol, friends }, testInfo) => {
    await send(bob.page, 'before the move')
    await expect(message(alice.page, 'before the move')).toBeVisible()

    await nav(alice.page).getByRole('link', { name: 'Settings' }).click()
    // the section says in words that the file is the identity
    await expect(alice.page.getByText('This file is your identity. Whoever has the file and its passphrase can be you')).toBeVisible()
    // one's own passphrase: the strength check loads on demand and holds it to its floor
    await alice.page.getByRole('button', { name: 'Choose my own passphrase' }).click()
    await alice.page.getByLabel('Passphrase', { exact: true }).fill('password123456')
    await expect(alice.page.getByText('Too easy to guess for a file that is your identity')).toBeVisible()
    await alice.page.getByRole('button', { name: 'Use random words instead' }).click()

    // kept outside the context: its downloads go when it closes
    const file = testInfo.outputPath('alice.parley')
    const words = await downloadBackup(alice.page, file)
    // the old browser goes away: one identity should run in one place at a time
    await alice.context.close()

    // a fresh browser: the onboarding screen offers the restore
    const page = carol.page
    await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
    await page.getByLabel('Backup file').setInputFiles(file)
    // one word of the seven changed
    await page.getByLabel('Backup passphrase').fill(words.replace(/^[a-z]+/, (first) => first === 'zoo' ? 'abandon' : 'zoo'))
    await page.getByRole('button', { name: 'Restore' }).click()
    await expect(page.getByRole('alert')).toContainText('The passphrase is wrong')
    await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()

    await page.getByLabel('Backup passphrase').fill(words)
    await page.getByRole('button', { name: 'Restore' }).click()
    await expectOnline(page)
    expect((await readInvite(page)).peerId).toBe(friends.alicePeerId)
    await openChat(page, 'Bob')
    await expect(message(page, 'before the move')).toBeVisible()

    await send(bob.page, 'after the move')
    await expect(message(page, 'after the move')).toBeVisible({ timeout: 30_000 })
    await expect(message(bob.page, 'after the move')).toHaveAttribute('data-state', /^(delivered|read)$/)
  })

  test('a file that is not a backup gives a clear error and changes nothing', async ({ carol }) => {
    const page = carol.page
    await page.getByLabel('Backup file').setInputFiles({ name: 'holiday.parley', mimeType: 'application/octet-stream', buffer: Buffer.from('{"hello":"world"}') })
    await page.getByLabel('Backup passphrase').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Restore' }).click()
    await expect(page.getByRole('alert')).toContainText(/not a Parley backup/i)
    await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
  })
})
