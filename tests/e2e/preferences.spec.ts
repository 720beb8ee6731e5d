import { expect, test } from './fixtures.ts'
import { nav, onboard } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

/**
 * Settings → language and theme: Russian everywhere at once (the UI is
 * remounted), kept across a reload, and back; a dark theme on request, and
 * the system's choice followed otherwise.
 */

/** The page's background colour as the browser paints it. */
async function background (page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor)
}

async function openSettings (page: Page): Promise<void> {
  await nav(page).getByRole('link', { name: 'Settings' }).click()
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible()
}

test.describe('language and theme', () => {
  test('Русский in Settings turns the UI Russian, survives a reload, and English comes back', async ({ alice }) => {
    const page = alice.page
    await onboard(page, 'Alice')
    await openSettings(page)
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    await expect(page.getByRole('group', { name: 'Language' }).getByRole('radio', { name: 'Automatic (browser)' })).toBeChecked()

    // click, not check(): check() would confirm the state on the remounted UI, where this group is named 'Язык'
    await page.getByRole('group', { name: 'Language' }).getByRole('radio', { name: 'Русский' }).click()
    // still on Settings, now in Russian, with focus back on the choice just made
    await expect(page.getByRole('heading', { name: 'Настройки', level: 1 })).toBeVisible()
    await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
    expect(new URL(page.url()).hash).toBe('#/settings')
    const russian = page.getByRole('group', { name: 'Язык' }).getByRole('radio', { name: 'Русский' })
    await expect(russian).toBeChecked()
    await expect(russian).toBeFocused()
    const menu = page.getByRole('navigation', { name: 'Главное меню' })
    await expect(menu.getByRole('link', { name: 'Чаты' })).toBeVisible()
    await expect(menu.getByRole('link', { name: 'Настройки' })).toHaveAttribute('aria-current', 'page')
    await expect(page.getByRole('heading', { name: 'Резервная копия профиля' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Скачать резервную копию' })).toBeVisible()

    // a reload keeps the choice: Russian from the first paint
    await page.reload()
    await expect(page.getByRole('heading', { name: 'Настройки', level: 1 })).toBeVisible()
    await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
    await expect(page.getByRole('group', { name: 'Язык' }).getByRole('radio', { name: 'Русский' })).toBeChecked()

    // another screen is Russian too: the Network panel's headings (reached from Settings)
    await page.getByRole('main').getByRole('link', { name: 'Сеть', exact: true }).click()
    await expect(page.getByRole('heading', { name: 'Сеть', level: 1 })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Ретрансляторы' })).toBeVisible()
    await page.getByRole('navigation', { name: 'Главное меню' }).getByRole('link', { name: 'Настройки' }).click()

    await page.getByRole('group', { name: 'Язык' }).getByRole('radio', { name: 'English' }).click()
    await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible()
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    await expect(nav(page).getByRole('link', { name: 'Chats' })).toBeVisible()
    await expect(page.getByRole('group', { name: 'Language' }).getByRole('radio', { name: 'English' })).toBeFocused()
  })

  test('Dark sets the dark palette; System follows the system\'s colour scheme', async ({ alice }) => {
    const page = alice.page
    await page.emulateMedia({ colorScheme: 'light' })
    await onboard(page, 'Alice')
    await openSettings(page)
    const theme = page.getByRole('group', { name: 'Theme' })
    await expect(theme.getByRole('radio', { name: 'System' })).toBeChecked()
    await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./)
    const light = await background(page)

    await theme.getByRole('radio', { name: 'Dark' }).check()
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
    await expect.poll(async () => background(page)).not.toBe(light)
    const dark = await background(page)

    // kept across a reload
    await page.reload()
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
    await expect(page.getByRole('group', { name: 'Theme' }).getByRole('radio', { name: 'Dark' })).toBeChecked()
    expect(await background(page)).toBe(dark)

    // Light wins over a dark system
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.getByRole('group', { name: 'Theme' }).getByRole('radio', { name: 'Light' }).check()
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
    await expect.poll(async () => background(page)).toBe(light)

    // System: whatever the system says, as it changes
    await page.getByRole('group', { name: 'Theme' }).getByRole('radio', { name: 'System' }).check()
    await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./)
    await expect.poll(async () => background(page)).toBe(dark)
    await page.emulateMedia({ colorScheme: 'light' })
    await expect.poll(async () => background(page)).toBe(light)
    await page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(async () => background(page)).toBe(dark)
  })
})
