import { parseInvite } from '../../src/lib/p2p/identity/invite.ts'
import { expect, test } from './fixtures.ts'
import { addContact, expectOnline, message, messages, onboard, openChat, readFullInvite, send } from './helpers/parley.ts'
import type { Person } from './fixtures.ts'
import type { Page } from '@playwright/test'

const TEXTS = ['one', 'two', 'three', 'four', 'five']

/**
 * Bob closes his only page (his node ends with it); Alice writes five
 * messages, which her node seals and leaves on Bob's relays: she sees
 * "stored on relay" under each.
 */
async function writeWhileAway (alice: Person, bob: Person, relayIds: string[]): Promise<void> {
  await onboard(alice.page, 'Alice')
  await onboard(bob.page, 'Bob')
  // each holds a reservation on every relay before they swap invites, so that each knows all of the other's relays
  const invites: string[] = []
  for (const page of [alice.page, bob.page]) {
    // the full invites: they name the relays (a short link names none)
    await expect.poll(async () => {
      const invite = await readFullInvite(page)
      const { addresses } = parseInvite(invite)
      return relayIds.every(id => addresses.some(a => a.includes(`/p2p/${id}/p2p-circuit`))) ? invite : ''
    }, { timeout: 30_000 }).not.toBe('')
    invites.push(await readFullInvite(page))
  }
  await addContact(alice.page, invites[1] ?? '', 'Bob')
  await addContact(bob.page, invites[0] ?? '', 'Alice')
  await send(bob.page, 'see you later')
  await expect(message(alice.page, 'see you later')).toBeVisible()
  await bob.page.close()
  for (const text of TEXTS) await send(alice.page, text)
  for (const text of TEXTS) {
    await expect(message(alice.page, text)).toHaveAttribute('data-state', 'stored', { timeout: 30_000 })
    await expect(message(alice.page, text).locator('.state')).toHaveText('stored on relay')
  }
}

/** Bob opens Parley again: each message is there once, in order, and Alice's turn delivered. */
async function comeBack (alice: Person, bob: Person, url: string): Promise<Page> {
  const page = await bob.context.newPage()
  await page.goto(url)
  await expectOnline(page)
  await openChat(page, 'Alice')
  await expect(messages(page)).toHaveText([/see you later/, ...TEXTS.map(t => new RegExp(t))], { timeout: 30_000 })
  for (const text of TEXTS) {
    await expect(message(alice.page, text)).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 45_000 })
  }
  return page
}

test.describe('offline delivery through the relay-node mailbox', () => {
  test('Bob away, the relay-node restarted: his five messages wait on it and arrive once, in order', async ({ alice, bob, relay, app }) => {
    await writeWhileAway(alice, bob, [relay.process.peerId])
    await relay.restart()
    const page = await comeBack(alice, bob, app.url)
    // nothing arrives twice
    await expect(messages(page)).toHaveCount(1 + TEXTS.length)
  })

  test.describe('with two relay-nodes', () => {
    test.use({ relayCount: 2 })

    test('one of them is down when Bob comes back: the other hands him everything', async ({ alice, bob, relays, app }) => {
      await writeWhileAway(alice, bob, relays.map(r => r.process.peerId))
      const down = relays[0]
      await down?.stop()
      // it drained and went; neither its exit code nor its 'stopped' line is asserted: a SIGABRT from
      // the native WebRTC library may come while it stops its transports, with browsers redialling
      // it (relay-node/README.md, "Stopping"; its stores are closed before)
      expect(down?.process.output()).toContain('"msg":"drained"')
      const page = await comeBack(alice, bob, app.url)
      await expect(messages(page)).toHaveCount(1 + TEXTS.length)
    })
  })
})
