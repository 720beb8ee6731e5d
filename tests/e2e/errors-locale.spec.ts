import { expect, test } from './fixtures.ts'
import { onboard } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

/**
 * Errors come from the node, in its SharedWorker, as codes; the tab words them
 * in the language the user chose. The worker's own browser language is English
 * here, so a Russian invite error can only come from the tab's words. English
 * comes back when the language is switched back.
 */

/** Submits `text` on the Add contact screen (reached through the main menu); the alert must say `error`. */
async function refused (page: Page, labels: { menu: string, add: string, invite: string }, text: string, error: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: labels.menu }).getByRole('link', { name: labels.add }).click()
  await page.getByRole('textbox', { name: labels.invite, exact: true }).fill(text)
  await page.getByRole('main').getByRole('button', { name: labels.add }).click()
  await expect(page.getByRole('alert')).toHaveText(error)
}

const EN = { menu: 'Main', add: 'Add contact', invite: 'Invite' }
const RU = { menu: 'Главное меню', add: 'Добавить контакт', invite: 'Приглашение' }

/** Picks a language in Settings (click, not check: the UI is remounted under the pointer). */
async function chooseLanguage (page: Page, labels: { menu: string, settings: string, group: string, choice: string }): Promise<void> {
  await page.getByRole('navigation', { name: labels.menu }).getByRole('link', { name: labels.settings }).click()
  await page.getByRole('group', { name: labels.group }).getByRole('radio', { name: labels.choice }).click()
}

test('a bad invite is explained in the language the user chose, by the node in its worker', async ({ alice }) => {
  const page = alice.page
  await onboard(page, 'Alice')

  await refused(page, EN, 'https://example.org/page', 'This is not a Parley invite: it looks like a link to the web site "example.org".')

  await chooseLanguage(page, { menu: 'Main', settings: 'Settings', group: 'Language', choice: 'Русский' })
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
  await refused(page, RU, 'https://example.org/page', 'Это не приглашение Parley: похоже на ссылку на сайт «example.org».')
  await refused(page, RU, 'alice@example.org', 'Это не приглашение Parley: похоже на адрес электронной почты.')

  // a reload connects afresh: the language is sent again before anything else
  await page.reload()
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
  await refused(page, RU, '12D3KooWnotapeerid@/ip4/127.0.0.1/tcp/1/ws', /^«12D3KooWnotapeerid» — недопустимый PeerID: /)

  await chooseLanguage(page, { menu: 'Главное меню', settings: 'Настройки', group: 'Язык', choice: 'English' })
  await expect(page.locator('html')).toHaveAttribute('lang', 'en')
  await refused(page, EN, 'alice@example.org', 'This is not a Parley invite: it looks like an e-mail address.')
})
