import { expect, test } from './fixtures.ts'
import { expectFileState, fileCard, png, saveFile } from './helpers/files.ts'
import { message, openChat } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
// the share target is the service worker's
test.use({ prepared: 'pair', serviceWorkers: 'allow' })

async function expectControlled (page: Page): Promise<void> {
  await expect.poll(async () => page.evaluate(async () => {
    await navigator.serviceWorker.ready
    return navigator.serviceWorker.controller?.state ?? 'none'
  }), { timeout: 30_000 }).toBe('activated')
}

/**
 * Posts what a phone's share sheet posts: a multipart form to the manifest's
 * share_target action, from a real <form> submitted in the page.
 */
async function shareThroughForm (page: Page, fields: Record<string, string>, file: { name: string, mimeType: string, buffer: Buffer }): Promise<void> {
  await page.evaluate((values) => {
    const form = document.createElement('form')
    form.method = 'post'
    form.enctype = 'multipart/form-data'
    form.action = '/share-target'
    for (const [name, value] of Object.entries(values)) {
      const input = document.createElement('input')
      input.type = 'hidden'
      input.name = name
      input.value = value
      form.append(input)
    }
    const files = document.createElement('input')
    files.type = 'file'
    files.name = 'files'
    files.multiple = true
    files.id = 'shared-files'
    form.append(files)
    form.id = 'share-form'
    document.body.append(form)
  }, fields)
  await page.locator('#shared-files').setInputFiles(file)
  await page.evaluate(() => { (document.getElementById('share-form') as HTMLFormElement).submit() })
}

test.describe('share target', () => {
  test('a file and text shared to Parley land in the chosen chat and reach the contact', async ({ alice, bob }) => {
    await expectControlled(alice.page)

    const picture = { name: 'shared-sunset.png', mimeType: 'image/png', buffer: png(320, 200, (x, y) => [200, x % 256, y % 256]) }
    await shareThroughForm(alice.page, { title: '', text: 'Look at this', url: 'https://example.org/sunset' }, picture)

    // the service worker answered the POST with a redirect to the share screen
    await expect(alice.page).toHaveURL(/#\/share$/)
    await expect(alice.page.getByRole('heading', { name: 'Share', level: 1 })).toBeVisible()
    await expect(alice.page.getByText('Look at this')).toBeVisible()
    await expect(alice.page.getByText('https://example.org/sunset')).toBeVisible()
    await expect(alice.page.getByText('shared-sunset.png')).toBeVisible()

    // sending without a choice says what is missing
    await alice.page.getByRole('button', { name: 'Send' }).click()
    await expect(alice.page.getByRole('alert')).toHaveText('Choose who to send it to.')

    // choose Bob with the keyboard
    await alice.page.getByRole('radio', { name: 'Bob' }).focus()
    await alice.page.keyboard.press('Space')
    await expect(alice.page.getByRole('radio', { name: 'Bob' })).toBeChecked()
    await alice.page.getByRole('button', { name: 'Send' }).click()

    // the chat with Bob opens with the text and the file
    await expect(alice.page.getByRole('heading', { name: 'Bob' })).toBeVisible()
    await expect(message(alice.page, 'Look at this')).toContainText('https://example.org/sunset')
    await expect(fileCard(alice.page, 'shared-sunset.png')).toBeVisible()

    // Bob receives both, the file whole and with its thumbnail
    await openChat(bob.page, 'Alice')
    await expect(message(bob.page, 'Look at this')).toBeVisible()
    await expect(fileCard(bob.page, 'shared-sunset.png').getByTestId('file-thumb')).toBeVisible()
    await expectFileState(bob.page, 'shared-sunset.png', 'complete')
    expect((await saveFile(bob.page, 'shared-sunset.png')).equals(picture.buffer)).toBe(true)

    // the pending share is gone: the share screen now says there is nothing
    await alice.page.goto(`${new URL(alice.page.url()).origin}/#/share`)
    await expect(alice.page.getByRole('alert')).toHaveText('Nothing was shared, or it was already sent.')
  })
})
