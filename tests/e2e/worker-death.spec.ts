import { expect, test } from './fixtures.ts'
import { expectOnline, message, messages, openChat, send } from './helpers/parley.ts'
import { expectNewNodeWorker, killNodeWorker } from './helpers/node-worker.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * A browser may terminate the SharedWorker under open tabs (Chrome on Android
 * in the background, a crash anywhere). Here it is killed through the
 * browser's debugging protocol mid-conversation: the tab notices within
 * seconds (rpc/watched-port.ts), starts a new node worker and carries on. The
 * composer keeps its draft, and the next 20 messages each way arrive exactly
 * once.
 */

test('the node worker killed mid-conversation: the tab starts a new one, keeps the draft, and 20 messages each way arrive once', async ({ alice, bob }) => {
  await send(alice.page, 'before the crash')
  await expect(message(bob.page, 'before the crash')).toBeVisible()
  const composer = alice.page.getByRole('textbox', { name: 'Message', exact: true })
  await composer.fill('a draft that must survive')

  const killed = await killNodeWorker(alice)
  // the tab notices the silence, starts a new worker, and the node comes back online
  await expectNewNodeWorker(alice, killed)
  await expectOnline(alice.page)
  await expect(composer).toHaveValue('a draft that must survive')
  await composer.fill('')

  for (let i = 1; i <= 20; i++) {
    await send(alice.page, `alice ${i} after`)
    await send(bob.page, `bob ${i} after`)
  }
  for (let i = 1; i <= 20; i++) {
    await expect(message(bob.page, `alice ${i} after`)).toHaveCount(1)
    await expect(message(alice.page, `bob ${i} after`)).toHaveCount(1)
  }
  // nothing doubled on either side: each side shows the 41 texts of this chat once each
  await expect(messages(alice.page)).toHaveCount(41)
  await expect(messages(bob.page)).toHaveCount(41)
})

test('the dedicated-Worker fallback: the owner tab\'s node Worker dies, it starts a new one, and both tabs carry on with nothing lost or doubled', async ({ app, alice, bob }) => {
  // Alice's tabs run the node as a dedicated Worker of the tab that owns it (Bob keeps his SharedWorker)
  const url = `${app.url}?worker=dedicated`
  await alice.page.goto(url)
  await expectOnline(alice.page)
  await openChat(alice.page, 'Bob')
  const aliceTab2 = await alice.context.newPage()
  await aliceTab2.goto(url)
  await expectOnline(aliceTab2)
  await openChat(aliceTab2, 'Bob')
  await send(bob.page, 'before the crash')
  await expect(message(alice.page, 'before the crash')).toBeVisible()
  await expect(message(aliceTab2, 'before the crash')).toBeVisible()

  // the owner tab runs the node as its only Worker; it ends itself, as a crash would, without a word
  await expect.poll(() => alice.page.workers().length).toBe(1)
  const [dying] = alice.page.workers()
  const died = dying?.waitForEvent('close')
  await dying?.evaluate('close()')
  await died
  // the owner notices the silence and starts a new Worker; the other tab reconnects through it
  await expect.poll(() => alice.page.workers().filter(w => w !== dying).length, { timeout: 30_000 }).toBe(1)
  expect(aliceTab2.workers()).toHaveLength(0)
  await expectOnline(alice.page)
  await expectOnline(aliceTab2)

  for (let i = 1; i <= 10; i++) {
    await send(alice.page, `alice ${i} after`)
    await send(aliceTab2, `alice tab 2 ${i} after`)
    await send(bob.page, `bob ${i} after`)
  }
  for (let i = 1; i <= 10; i++) {
    for (const page of [alice.page, aliceTab2]) await expect(message(page, `bob ${i} after`)).toHaveCount(1)
    await expect(message(bob.page, `alice ${i} after`)).toHaveCount(1)
    await expect(message(bob.page, `alice tab 2 ${i} after`)).toHaveCount(1)
  }
  // 1 before + 30 after, once each, in all three views of the chat
  for (const page of [alice.page, aliceTab2, bob.page]) await expect(messages(page)).toHaveCount(31)
})
