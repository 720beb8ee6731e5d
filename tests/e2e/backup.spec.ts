import { expect, test } from './fixtures.ts'
import { downloadBackup } from './helpers/backup.ts'
import { befriend, expectOnline, message, openChat, readInvite, send } from './helpers/parley.ts'

const PASSPHRASE = 'correct horse battery staple'

test.describe('identity backup', () => {
  test('export A with a passphrase, import into a fresh context: same PeerID, contacts and history present, B can message the restored A', { tag: ['@firefox'] }, async ({ alice, bob, carol }, testInfo) => {
    const { alicePeerId } = await befriend(alice.page, bob.page)
    await send(bob.page, 'before the move')
    await expect(message(alice.page, 'before the move')).toBeVisible()

    // kept outside the context: its downloads go when it closes
    const file = testInfo.outputPath('alice.parley')
    await downloadBackup(alice.page, file, PASSPHRASE)
    // the old browser goes away: one identity should run in one place at a time
    await alice.context.close()

    // a fresh browser: the onboarding screen offers the restore
    const page = carol.page
    await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
    await page.getByLabel('Backup file').setInputFiles(file)
    await page.getByLabel('Backup passphrase').fill('not the passphrase')
    await page.getByRole('button', { name: 'Restore' }).click()
    await expect(page.getByRole('alert')).toContainText('The passphrase is wrong')
    await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()

    await page.getByLabel('Backup passphrase').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Restore' }).click()
    await expectOnline(page)
    expect((await readInvite(page)).peerId).toBe(alicePeerId)
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
