import { launch, newContext, print } from './lib.ts'
import type { Browser } from '@playwright/test'

/**
 * Names people choose, from short to the longest a name may be: the short
 * link carries as much of the name as keeps it within 120 characters.
 */
const NAMES = ['Alice', 'Александра Петровна', 'W'.repeat(64), '👩‍👩‍👧‍👦🏳️‍🌈 family']

/**
 * `invite_link_chars`: the longest short invite link My invite shows (the
 * app's origin, `#/c/`, the PeerID and the name) over NAMES;
 * `invite_link_chars_alice` the one for "Alice"; and
 * `invite_qr_modules`: the side of its QR code in modules, quiet zone
 * included (the fewer, the bigger each module at the same size on screen).
 * Each name is a new person in a context of its own; nothing is averaged:
 * the figures are the worst case.
 */
async function measure (browser: Browser, url: string): Promise<{ chars: number, shortName: number, modules: number }> {
  let chars = 0
  let shortName = 0
  let modules = 0
  for (const name of NAMES) {
    const context = await newContext(browser)
    try {
      const page = await context.newPage()
      await page.goto(url)
      await page.getByLabel('Your name').fill(name)
      await page.getByRole('button', { name: 'Continue' }).click()
      // My invite is reached from Add contact (the four tabs hold no more)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Add contact' }).click()
      await page.getByRole('main').getByRole('link', { name: 'My invite', exact: true }).last().click()
      const field = page.getByLabel('Your invite', { exact: true })
      await page.waitForFunction(() => (document.querySelector<HTMLTextAreaElement>('#my-invite')?.value ?? '') !== '', null, { timeout: 60_000 })
      const link = await field.inputValue()
      if (!link.includes('/#/c/')) throw new Error(`My invite shows no short link: ${link}`)
      chars = Math.max(chars, link.length)
      if (name === NAMES[0]) shortName = link.length
      const viewBox = await page.getByRole('img', { name: 'Invite QR code' }).getAttribute('viewBox')
      modules = Math.max(modules, Number(viewBox?.split(' ')[2] ?? NaN))
    } finally {
      await context.close()
    }
  }
  return { chars, shortName, modules }
}

export async function benchInvite (url: string): Promise<void> {
  const browser = await launch()
  try {
    const { chars, shortName, modules } = await measure(browser, url)
    print('invite_link_chars', chars, 'chars')
    print('invite_link_chars_alice', shortName, 'chars')
    print('invite_qr_modules', modules, 'modules')
  } finally {
    await browser.close()
  }
}
