import { expect, test } from './fixtures.ts'
import { createGroup, invitation, joinGroup, openGroup } from './helpers/groups.ts'
import { message } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'trio' })

/**
 * A group's typing line ends with the typer's message, as a contact's does
 * (issue 56, point 4): "Bob and Carol are typing…" lost Bob only after
 * TYPING_SHOWN_MS (5 s) once his message had arrived. What the line said is
 * read at the moment each message first shows in Alice's log (a
 * MutationObserver, so it does not depend on how quickly anything runs).
 */

interface Watch { typingAtArrival: Record<string, string> }

/** From now on, notes what the typing line says the moment a message containing each of `texts` first shows. */
async function watchArrivals (page: Page, texts: readonly string[]): Promise<void> {
  await page.evaluate((texts) => {
    const seen: Record<string, string> = {}
    ;(window as unknown as Watch).typingAtArrival = seen
    const check = (): void => {
      const items = [...document.querySelectorAll('[role="log"] li')]
      for (const text of texts) {
        if (text in seen || !items.some(item => item.textContent.includes(text))) continue
        seen[text] = document.querySelector('[data-testid="typing"]')?.textContent ?? ''
      }
    }
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true })
  }, texts)
}

async function typingAtArrival (page: Page, text: string): Promise<string | undefined> {
  return page.evaluate(text => (window as unknown as Watch).typingAtArrival[text], text)
}

test('in a group, each member\'s message ends their typing line before it shows', async ({ alice, bob, carol }) => {
  test.setTimeout(120_000)
  const [a, b, c] = [alice.page, bob.page, carol.page]
  const GROUP = 'Typing club'
  await createGroup(a, GROUP, ['Bob', 'Carol'])
  for (const page of [b, c]) {
    await expect(invitation(page, GROUP)).toBeVisible({ timeout: 30_000 })
    await joinGroup(page, GROUP)
    await openGroup(page, GROUP)
  }
  // typing goes to the members connected now
  await expect(a.getByTestId('online-members')).toContainText('Bob', { timeout: 30_000 })
  await expect(a.getByTestId('online-members')).toContainText('Carol', { timeout: 30_000 })
  await watchArrivals(a, ['On my way', 'Me too'])

  const bobsField = b.getByRole('textbox', { name: 'Message', exact: true })
  const carolsField = c.getByRole('textbox', { name: 'Message', exact: true })
  await Promise.all([bobsField.pressSequentially('On my way'), carolsField.pressSequentially('Me too')])
  await expect(a.getByTestId('typing')).toHaveText(/^(Bob and Carol|Carol and Bob) are typing…$/)

  // each is shown for TYPING_SHOWN_MS after their last keystroke: each types on right before sending,
  // so that the line names them as their message leaves, however long the steps before took
  await bobsField.pressSequentially('!')
  await expect(a.getByTestId('typing')).toContainText('Bob')
  await bobsField.press('Enter')
  await expect(message(a, 'On my way')).toBeVisible({ timeout: 30_000 })
  expect(await typingAtArrival(a, 'On my way')).not.toContain('Bob')

  await carolsField.pressSequentially('!')
  await expect(a.getByTestId('typing')).toHaveText('Carol is typing…')
  await carolsField.press('Enter')
  await expect(message(a, 'Me too')).toBeVisible({ timeout: 30_000 })
  expect(await typingAtArrival(a, 'Me too')).toBe('')
})
