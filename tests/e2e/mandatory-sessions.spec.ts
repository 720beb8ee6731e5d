import { expect, test } from './fixtures.ts'
import { expectOnline, message, openChat, send } from './helpers/parley.ts'
import { readRows } from '../support/page-db.ts'
import type { RelayFixture } from './fixtures.ts'

/**
 * Sessions are mandatory (issue 57, item 1; docs/protocols.md, "Sessions are
 * mandatory"). The relay here hides everyone's prekeys: it answers
 * `not-found` to every FETCH (relay-node's test-only `--test-hide-prekeys`)
 * and still keeps mailboxes. Alice and Bob are contacts without a session
 * yet. Bob goes away and Alice writes: on the old code her node took the
 * relay's answer as "Bob has no sessions" and left her message on the relay
 * under the static seal alone. Now it waits, and says so ("waiting for Bob's
 * keys"), and nothing is deposited; once Bob is back, his own bundle (asked
 * from him over the connection) starts a session and the message reaches him
 * in a box of it.
 */

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): no session between them yet
test.use({ prepared: 'pair', relayMetrics: true, relayArgs: ['--test-hide-prekeys', 'on'] })

const SECRET = 'the vault code is 4512'

/** Items deposited on the relay so far (none counted yet: 0). */
async function deposits (relay: RelayFixture): Promise<number> {
  const text = await (await fetch(`${relay.process.opsUrl ?? ''}/metrics`)).text()
  return text.split('\n').filter(l => l.startsWith('parley_mailbox_deposits_total{')).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)
}

test('a relay hiding Bob\'s prekeys: Alice\'s message waits for his keys, never goes unboxed, and reaches him in a box once he is back', { tag: ['@firefox'] }, async ({ alice, bob, app, relay, friends }) => {
  // the waits below are ceilings for a loaded machine: Bob's going away and coming back each take a while
  test.setTimeout(150_000)
  expect(await readRows(alice.page, 'sessions')).toEqual([])
  const before = await deposits(relay)
  await bob.page.close()

  await send(alice.page, SECRET)
  const ours = message(alice.page, SECRET)
  await expect(ours.getByTestId('waiting-keys')).toHaveText('waiting for Bob\'s keys', { timeout: 60_000 })
  await expect(ours).toHaveAttribute('data-state', /^(queued|sent)$/)
  // nothing went to the relay (on the old code: the message under the static seal, "stored on relay")
  expect(await deposits(relay)).toBe(before)

  // Bob is back
  const page = await bob.context.newPage()
  await page.goto(app.url)
  await expectOnline(page)
  await openChat(page, 'Alice')
  await expect(message(page, SECRET)).toBeVisible({ timeout: 45_000 })
  await expect(ours).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })
  await expect(ours.getByTestId('waiting-keys')).toHaveCount(0)
  // it came in a box: they have a session now, which Alice started from Bob's own bundle
  const sessions = await readRows<{ peer: string, initiator: boolean }>(alice.page, 'sessions')
  expect(sessions.filter(s => s.peer === friends.bobPeerId).map(s => s.initiator)).toContain(true)
  await expect.poll(async () => (await readRows<{ peer: string }>(page, 'sessions')).filter(s => s.peer === friends.alicePeerId).length).toBeGreaterThan(0)
})
