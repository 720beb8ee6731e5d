/**
 * Files and photos as a messenger shows them (issue 56, points 6 to 8): a
 * pasted image is shown before it goes, with a caption, and Cancel (or
 * Escape) sends nothing; the photo arrives as a photo, its details and Save
 * in the viewer; the chats list says what the last message was, a deleted
 * one included, on both sides. Voice messages' previews: voice.spec.ts.
 */
import { expect, test } from './fixtures.ts'
import { fileCard, paste, png, sendFilesDialog } from './helpers/files.ts'
import { chatRow, message, messages, send } from './helpers/parley.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

test.describe('files and photos', () => {
  test('a pasted image: previewed, Cancel and Escape send nothing; Send sends it with its caption, which Bob sees on a photo', { tag: ['@firefox'] }, async ({ alice, bob }) => {
    const a = alice.page
    const b = bob.page
    const harbour = { name: 'harbour.png', mimeType: 'image/png', buffer: png(240, 160, (x, y) => [20 + (x % 200), 80, 120 + (y % 120)]) }
    const preview = sendFilesDialog(a)

    await paste(a, harbour)
    await expect(preview.getByRole('heading', { name: 'Send a file' })).toBeVisible()
    await expect(preview.getByRole('img', { name: 'harbour.png' })).toBeVisible()
    await preview.getByRole('button', { name: 'Cancel' }).click()
    await expect(preview).toBeHidden()

    // the caption has the focus (the page's own: a second browser window beside it may hold the system's)
    await paste(a, harbour)
    const caption = preview.getByRole('textbox', { name: 'Caption' })
    await expect.poll(async () => caption.evaluate((field) => field === document.activeElement)).toBe(true)
    await a.keyboard.press('Escape')
    await expect(preview).toBeHidden()

    // Enter in the caption sends
    await paste(a, harbour)
    await caption.fill('the harbour at dusk')
    await a.keyboard.press('Enter')
    await expect(preview).toBeHidden()

    // one photo on each side: the two cancelled never went
    const received = fileCard(b, 'harbour.png')
    await expect(received).toHaveAttribute('data-state', 'complete', { timeout: 30_000 })
    await expect(received).toContainText('the harbour at dusk')
    await expect(messages(b).getByTestId('file-card')).toHaveCount(1)
    await expect(messages(a).getByTestId('file-card')).toHaveCount(1)
    await expect(chatRow(b, 'Alice')).toContainText('📷 the harbour at dusk')

    // a photo, not a file: no name, size, "Received" or Save on the bubble; they are in the viewer
    await expect(received).toHaveAttribute('data-kind', 'photo')
    await expect(received.getByTestId('file-save')).toHaveCount(0)
    await expect(received.getByTestId('file-state')).toHaveCount(0)
    await received.getByTestId('file-thumb').click()
    const viewer = b.getByRole('dialog', { name: 'harbour.png' })
    await expect(viewer.getByTestId('viewer-details')).toContainText('harbour.png')
    await expect(viewer.getByRole('link', { name: 'Save harbour.png' })).toBeVisible()
    // the chat's only photo: nothing before or after it is offered
    await expect(viewer.getByRole('button', { name: 'Previous photo' })).toHaveCount(0)
    await expect(viewer.getByRole('button', { name: 'Next photo' })).toHaveCount(0)
    await b.keyboard.press('Escape')
    await expect(viewer).toBeHidden()
  })

  test('the chats list: a message deleted for everyone reads "You deleted a message" for its author, "This message was deleted" for the other', async ({ alice, bob }) => {
    await send(alice.page, 'a message sent by mistake')
    await expect(message(bob.page, 'a message sent by mistake')).toBeVisible()
    await expect(chatRow(bob.page, 'Alice')).toContainText('a message sent by mistake')

    await message(alice.page, 'a message sent by mistake').locator('.bubble').click({ button: 'right' })
    await alice.page.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem', { name: 'Delete', exact: true }).click()
    await alice.page.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete for everyone' }).click()

    await expect(chatRow(alice.page, 'Bob')).toContainText('You deleted a message')
    await expect(chatRow(alice.page, 'Bob')).not.toContainText('You:')
    await expect(chatRow(bob.page, 'Alice')).toContainText('This message was deleted')
  })
})
