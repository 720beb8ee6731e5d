import { expect, test } from './fixtures.ts'
import { openChat } from './helpers/parley.ts'
import type { Locator, Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

function safetyDigits (page: Page): Locator {
  return page.getByLabel('Safety number digits')
}

async function scan (page: Page, name: string, png: Buffer): Promise<void> {
  await page.getByLabel('Scan from image file').setInputFiles({ name, mimeType: 'image/png', buffer: png })
}

test.describe('verification with safety numbers', () => {
  test('both see the same digits; scanning the other\'s code verifies, one\'s own code does not', async ({ alice, bob }) => {
    await alice.page.getByRole('link', { name: 'Contact info for Bob' }).click()
    await openChat(bob.page, 'Alice')
    await bob.page.getByRole('link', { name: 'Contact info for Alice' }).click()

    await expect(safetyDigits(alice.page)).toHaveText(/^(\s*\d{5}\s*){12}$/, { timeout: 20_000 })
    await expect(safetyDigits(bob.page)).toHaveText(/^(\s*\d{5}\s*){12}$/, { timeout: 20_000 })
    const digits = async (page: Page): Promise<string> => (await safetyDigits(page).innerText()).replace(/\s+/g, '')
    expect(await digits(alice.page)).toBe(await digits(bob.page))
    await expect(alice.page.getByTestId('verified')).toHaveText('Not verified yet.')

    const aliceQr = await alice.page.getByRole('img', { name: 'Safety number QR code' }).screenshot()
    const bobQr = await bob.page.getByRole('img', { name: 'Safety number QR code' }).screenshot()
    // her own code shown back to her is not his
    await scan(alice.page, 'mine.png', aliceQr)
    await expect(alice.page.getByText('The safety numbers do NOT match')).toBeVisible()
    await expect(alice.page.getByTestId('verified')).toHaveText('Not verified yet.')

    await scan(alice.page, 'bob.png', bobQr)
    await expect(alice.page.getByText('The safety numbers match')).toBeVisible()
    await expect(alice.page.getByTestId('verified')).toHaveText('✓ You verified Bob.')
    await openChat(alice.page, 'Bob')
    await expect(alice.page.getByText('✓ verified')).toBeVisible()

    // Bob compares by eye and marks Alice verified himself
    await bob.page.getByRole('button', { name: 'Mark as verified' }).click()
    await expect(bob.page.getByTestId('verified')).toHaveText('✓ You verified Alice.')
  })
})
