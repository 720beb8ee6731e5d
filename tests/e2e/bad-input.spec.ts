import { expect, test } from './fixtures.ts'
import { befriend, nav, onboard, readInvite } from './helpers/parley.ts'

test.describe('bad input is refused in words and changes nothing', () => {
  test('a malformed or truncated invite gives a clear error and adds nothing', async ({ alice, bob }) => {
    await onboard(alice.page, 'Alice')
    await onboard(bob.page, 'Bob')
    const { invite } = await readInvite(bob.page)
    const page = alice.page

    await nav(page).getByRole('link', { name: 'Add contact' }).click()
    const cases: Array<[string, RegExp]> = [
      [invite.slice(0, Math.floor(invite.length / 2)), /cut off|damaged|not a Parley invite/i],
      ['hello there', /not a Parley invite/i],
      ['12D3KooWnotapeerid@/ip4/127.0.0.1/tcp/1/ws', /not a valid PeerID/i]
    ]
    for (const [text, error] of cases) {
      await page.getByRole('textbox', { name: 'Invite', exact: true }).fill(text)
      await page.getByRole('button', { name: 'Add contact' }).click()
      await expect(page.getByRole('alert')).toHaveText(error)
      // the text stays so the person can fix it
      await expect(page.getByRole('textbox', { name: 'Invite', exact: true })).toHaveValue(text)
    }

    await nav(page).getByRole('link', { name: 'Chats' }).click()
    await expect(page.getByText('No chats yet')).toBeVisible()
  })

  test('an oversized message is refused with an error and not queued', async ({ alice, bob }) => {
    await befriend(alice.page, bob.page)
    const page = alice.page
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('x'.repeat(20_000))
    await page.getByRole('button', { name: 'Send' }).click()
    await expect(page.getByRole('alert')).toContainText('too long')
    await expect(page.getByRole('log', { name: 'Messages' }).getByRole('listitem')).toHaveCount(0)
  })
})
