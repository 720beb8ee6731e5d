import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from './fixtures.ts'
import { expectOnline, message, messages, openChat, send } from './helpers/parley.ts'
import { metric } from './helpers/relay-metrics.ts'
import { readRows, withPageDb } from '../support/page-db.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the test starts from there
test.use({ prepared: 'pair', relayMetrics: true })

/**
 * A relay that replays (issue 57, item 3): it keeps a copy of its mailboxes
 * (its data directory, copied while it is stopped) and, once Bob's
 * disappearing message is gone from his device, starts again from that copy,
 * handing the message over a second time. It stays gone (db/tombstones.ts).
 *
 * The message's time runs out by its row: its `expiresAt` is moved to the
 * past in Bob's database, which the node's expiry sweep (every 5 s) then acts
 * on as it would at the real time. (The worker clock of helpers/clock.ts is
 * Chromium's only, and reaches only nodes started after it.)
 */
test('a replayed disappearing message does not reappear', async ({ alice, bob, relay }) => {
  test.setTimeout(120_000)
  const copy = await mkdtemp(join(tmpdir(), 'parley-relay-copy-'))
  try {
    // Alice sets 5 minutes in Contact info
    await alice.page.getByRole('link', { name: 'Contact info for Bob' }).click()
    await alice.page.getByRole('group', { name: 'Disappearing messages' }).getByRole('radio', { name: '5 minutes' }).check()
    await alice.page.getByRole('link', { name: 'Open the chat' }).click()
    await expect(bob.page.getByTestId('timer-note')).toHaveText('Disappearing messages: 5 minutes, set by Alice')

    // Bob closes Parley; Alice's message waits for him on the relay
    await bob.page.close()
    await send(alice.page, 'vanishing, once')
    await expect(message(alice.page, 'vanishing, once')).toHaveAttribute('data-state', 'stored', { timeout: 30_000 })

    // the relay keeps a copy of what it holds
    await relay.stop()
    await cp(relay.dataDir, copy, { recursive: true })
    await relay.start()

    const back = await bob.newTab()
    await expectOnline(back)
    await openChat(back, 'Alice')
    await expect(message(back, 'vanishing, once').getByTitle('Disappearing message')).toBeAttached({ timeout: 30_000 })

    // its five minutes are up
    await back.evaluate(withPageDb(`
      const tx = db.transaction('messages', 'readwrite')
      const store = tx.objectStore('messages')
      for (const row of await req(store.getAll())) if (row.body === 'vanishing, once') await req(store.put({ ...row, expiresAt: Date.now() - 1 }))
    `))
    await expect(message(back, 'vanishing, once')).toHaveCount(0, { timeout: 15_000 })

    // the relay starts again from its copy: the message is handed over again, and stays gone
    await relay.stop()
    await rm(relay.dataDir, { recursive: true, force: true })
    await cp(copy, relay.dataDir, { recursive: true })
    await relay.start()
    await expect.poll(async () => await metric(relay, 'parley_mailbox_fetched_total') > 0 && await metric(relay, 'parley_mailbox_items') === 0, { timeout: 60_000 }).toBe(true)
    await expect(messages(back).filter({ hasText: 'vanishing, once' })).toHaveCount(0)
    const rows = await readRows<{ body: string }>(back, 'messages')
    expect(rows.filter(r => r.body === 'vanishing, once')).toEqual([])
    expect((await readRows(back, 'tombstones')).length).toBeGreaterThan(0)
  } finally {
    await rm(copy, { recursive: true, force: true })
  }
})
