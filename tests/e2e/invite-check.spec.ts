import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from './fixtures.ts'
import { workerClock } from './helpers/clock.ts'
import { addCard, message, nav, onboard, readInvite, send } from './helpers/parley.ts'
import { readRows } from '../support/page-db.ts'
import { NOT_FOUND_AFTER_MS } from '../../src/lib/db/not-found.ts'

/**
 * Issue 56, point 2: a mistyped invite must not make a ghost contact. A short
 * link with one character changed is refused at once (its check,
 * docs/protocols.md "The check"); a bare PeerID, which has no check, that no
 * one on the network has is said to be not found once the lookups give up
 * ("Nobody with this ID"), and no message stays queued as if it waited.
 */

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

test.describe('a mistyped invite', () => {
  test.describe('a short link with its check', () => {
    test.use({ prepared: 'pair' })

    test('one character of the PeerID changed: a clear error at once, and no one is added', { tag: ['@firefox'] }, async ({ alice }) => {
      const page = alice.page
      const { invite, peerId } = await readInvite(page)
      // the 30th character of the PeerID, as a person copying it by hand might misread it
      const at = invite.indexOf(peerId) + 30
      const was = invite.charAt(at)
      const typo = `${invite.slice(0, at)}${BASE58[(BASE58.indexOf(was) + 1) % BASE58.length] ?? '1'}${invite.slice(at + 1)}`
      const peers = async (): Promise<string[]> => (await readRows<{ peerId: string }>(page, 'contacts')).map(c => c.peerId)
      const before = await peers()

      await nav(page).getByRole('link', { name: 'Add contact' }).click()
      await page.getByRole('textbox', { name: 'Invite', exact: true }).fill(typo)
      await page.getByRole('button', { name: 'Add contact' }).click()
      await expect(page.getByRole('alert')).toHaveText(/does not match its check: a character in it was changed or mistyped/)
      await expect(page.getByTestId('add-card')).toHaveCount(0)
      expect(await peers()).toEqual(before)
    })
  })

  test.describe('with a clock in the node worker', () => {
    // the worker clock reaches nodes that start after it (helpers/clock.ts): Alice starts at the welcome screen
    test.use({ prepared: undefined })

    test('a bare PeerID no one has: once the lookup gives up, the chat says no one was found, shows the ID, offers to delete; nothing stays queued', async ({ browser, alice }) => {
      const clock = await workerClock(browser)
      try {
        const page = alice.page
        await onboard(page, 'Alice')
        const ghost = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
        const shown = `${ghost.slice(0, 6)}…${ghost.slice(-4)}`
        // no name and no check: the card shows the whole ID to compare, then the chat is named by the ID cut short
        await nav(page).getByRole('link', { name: 'Add contact' }).click()
        await page.getByRole('textbox', { name: 'Invite', exact: true }).fill(ghost)
        await page.getByRole('button', { name: 'Add contact' }).click()
        await expect(addCard(page).getByRole('heading')).toHaveText('Add this contact?')
        await expect(addCard(page).getByTestId('add-card-peer-id')).toHaveText(ghost)
        await expect(addCard(page).getByTestId('add-card-unchecked')).toContainText('This invite has no check')
        await addCard(page).getByRole('button', { name: 'Send request' }).click()
        await expect(page.getByRole('heading', { name: shown, exact: true })).toBeVisible()
        await send(page, 'Hi, is this you?')
        // at first it is only a request on its way
        await expect(page.getByTestId('request-note')).toBeVisible()
        await expect(page.getByTestId('not-found-notice')).toHaveCount(0)

        // the lookups have found no one for long enough, by the node's clock
        await clock.advance(NOT_FOUND_AFTER_MS + 10_000)
        const notice = page.getByTestId('not-found-notice')
        await expect(notice.getByRole('status')).toHaveText(`No one with this ID was found: check the invite with ${shown}.`, { timeout: 60_000 })
        await expect(page.getByTestId('request-note')).toHaveCount(0)
        await expect(message(page, 'Hi, is this you?').locator('.state')).toHaveText('not delivered: no one with this ID')
        const stored = await readRows<{ body: string, state: string, failure?: string }>(page, 'messages')
        expect(stored.map(m => [m.body, m.state, m.failure])).toEqual([['Hi, is this you?', 'failed', 'contactNotFound']])

        await notice.getByRole('button', { name: 'Check the invite' }).click()
        await expect(notice.getByTestId('not-found-peer-id')).toHaveText(ghost)

        await notice.getByRole('button', { name: 'Delete this contact' }).click()
        await notice.getByRole('button', { name: 'Delete', exact: true }).click()
        await expect(page.getByText('No chats yet')).toBeVisible()
        await expect.poll(async () => readRows(page, 'contacts')).toEqual([])
      } finally {
        await clock.close()
      }
    })
  })
})
