import { randomBytes } from 'node:crypto'
import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import { attach, expectFileState, saveFile, sha256Hex, transferRecord } from './helpers/files.ts'
import { expectNewNodeWorker, killNodeWorker } from './helpers/node-worker.ts'
import { expectOnline, expectPath, message, messages, openChat, send } from './helpers/parley.ts'
import { metric } from './helpers/relay-metrics.ts'
import { readRows, withPageDb } from '../support/page-db.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * Secure sessions between two browsers (docs/security.md; docs/protocols.md,
 * "Sessions"): each publishes its prekeys on the relay, the first message
 * starts a session from the other's bundle, and every chat message after
 * travels in a box of it, relayed, direct and through the mailbox; a file
 * offered in a box carries its key, and moves sealed with it. When one
 * side's session state is deleted, the next box does not open there; the
 * sessions start again by themselves, the other side's chat says "Secure
 * session reset", and no message is lost or doubled.
 */

/** The rows of `page`'s sessions with `peer`, as stored (db/session-types.ts). */
interface StoredSession { id: string, peer: string, current: boolean, usedAt: number, initiator: boolean }

async function sessionsWith (page: Page, peer: string): Promise<StoredSession[]> {
  return readRows<StoredSession>(page, 'sessions', { index: 'peer', range: JSON.stringify(peer) })
}

/** The items (message and event ids) `page` keeps boxes for, to `peer`: not delivered yet. */
async function keptBoxes (page: Page, peer: string): Promise<string[]> {
  return (await readRows<{ peer: string, item: string }>(page, 'boxes')).filter(row => row.peer === peer).map(row => row.item)
}

/** Deletes every session `page`'s browser keeps (its prekeys stay: others can still start new ones with it). */
async function deleteSessions (page: Page): Promise<void> {
  await page.evaluate(withPageDb(`
    const tx = db.transaction(['sessions', 'boxes'], 'readwrite')
    await Promise.all([req(tx.objectStore('sessions').clear()), req(tx.objectStore('boxes').clear())])
  `))
}

function notices (page: Page): ReturnType<Page['getByTestId']> {
  return page.getByTestId('notice-entry')
}

/** Both have exactly one current session with the other, used since `since` (ms, the page's clock is ours). */
async function expectOneSessionEach (alice: Page, bob: Page, peers: { alicePeerId: string, bobPeerId: string }, since: number): Promise<void> {
  await expect.poll(async () => {
    const [ours, theirs] = await Promise.all([sessionsWith(alice, peers.bobPeerId), sessionsWith(bob, peers.alicePeerId)])
    const current = (rows: StoredSession[]): StoredSession[] => rows.filter(r => r.current && r.usedAt >= since)
    return [current(ours).length, current(theirs).length, current(ours)[0]?.id !== undefined && current(ours)[0]?.initiator !== current(theirs)[0]?.initiator]
  }, { timeout: 15_000 }).toEqual([1, 1, true])
}

test.describe('secure sessions', () => {
  test.use({ relayMetrics: true })

  test.describe('relayed only', () => {
    // Bob's browser gathers no loopback ICE candidates: the chat stays relayed (fixtures.ts)
    test.use({ bobWebrtc: false })

    test('relayed: the first message starts a session from a prekey bundle on the relay; every message after goes in its boxes', async ({ alice, bob, relay, friends }) => {
      const peers = friends
      // both published their prekeys on the relay
      await expect.poll(async () => metric(relay, 'parley_prekeys_owners')).toBe(2)
      const started = Date.now()
      await send(alice.page, 'the first one, in a box')
      await expect(message(bob.page, 'the first one, in a box')).toBeVisible()
      await send(bob.page, 'answered in the same session')
      await expect(message(alice.page, 'answered in the same session')).toBeVisible()
      await expectPath(alice.page, 'relayed')
      expect(await metric(relay, 'parley_prekeys_fetched_total{pq="one-time"}') + await metric(relay, 'parley_prekeys_fetched_total{pq="last-resort"}')).toBeGreaterThanOrEqual(1)
      await expectOneSessionEach(alice.page, bob.page, peers, started)
      // delivered boxes are let go
      await expect(message(alice.page, 'the first one, in a box')).toHaveAttribute('data-state', /^(delivered|read)$/)
      await expect.poll(async () => keptBoxes(alice.page, peers.bobPeerId)).toEqual([])
      await expect(notices(alice.page)).toHaveCount(0)
      await expect(notices(bob.page)).toHaveCount(0)

      // a file offered in the session carries its key in the box, and its chunks cross the relay sealed with it
      const file = { name: 'sealed.bin', mimeType: 'application/octet-stream', buffer: randomBytes(200_000) }
      await attach(alice.page, file)
      await expectFileState(bob.page, 'sealed.bin', 'complete')
      expect(sha256Hex(await saveFile(bob.page, 'sealed.bin'))).toBe(sha256Hex(file.buffer))
      expect(await transferRecord(bob.page, 'sealed.bin')).toMatchObject({ path: 'relayed', keyBytes: 32 })
      expect(await transferRecord(alice.page, 'sealed.bin')).toMatchObject({ path: 'relayed', keyBytes: 32 })
    })
  })

  test('direct: messages over the direct connection go in the session too', async ({ alice, bob, friends }) => {
    const peers = friends
    await send(bob.page, 'over the relay first')
    await expect(message(alice.page, 'over the relay first')).toBeVisible()
    await expectPath(alice.page, 'direct')
    await expectPath(bob.page, 'direct')

    const direct = Date.now()
    await send(alice.page, 'straight across, sealed')
    await send(bob.page, 'and back, sealed')
    await expect(message(bob.page, 'straight across, sealed')).toBeVisible()
    await expect(message(alice.page, 'and back, sealed')).toBeVisible()
    // the sessions carried them: both were used for these two, and there is still one each
    await expectOneSessionEach(alice.page, bob.page, peers, direct)
    await expect(notices(alice.page)).toHaveCount(0)
  })

  test('Bob\'s session state deleted mid-conversation: a new session starts by itself, Alice\'s chat says so, nothing is lost', async ({ alice, bob, friends }) => {
    const peers = friends
    await send(alice.page, 'before')
    await expect(message(bob.page, 'before')).toBeVisible()
    await send(bob.page, 'before, back')
    // both chats are open: each side's read receipt is the last box before the loss (none is on its way)
    await expect(message(alice.page, 'before').first()).toHaveAttribute('data-state', 'read')
    await expect(message(bob.page, 'before, back')).toHaveAttribute('data-state', 'read')

    // Bob's sessions go, and his node with them (its memory held them too); his tab starts a new one.
    // Deleted again once the node is gone: it may have kept a session's new state in the background
    // (after opening Alice's read receipt) just after the first deletion (CI of 01b98e3)
    await deleteSessions(bob.page)
    const killed = await killNodeWorker(bob)
    await deleteSessions(bob.page)
    await expectNewNodeWorker(bob, killed)
    await expectOnline(bob.page)
    expect(await sessionsWith(bob.page, peers.alicePeerId)).toEqual([])

    // Alice's next box is on the session Bob lost: he refuses it, she starts a new one and sends
    // again; or Bob's node boxes something first (a read receipt) in a new session, which Alice opens
    await send(alice.page, 'after the loss')
    await expect(message(bob.page, 'after the loss')).toBeVisible({ timeout: 30_000 })
    await expect(message(alice.page, 'after the loss')).toHaveAttribute('data-state', /^(delivered|read)$/)
    await expect(notices(alice.page)).toHaveCount(1)
    await expect(notices(alice.page)).toContainText('Secure session reset')
    await expect(notices(alice.page)).toContainText('Messages with Bob go on in a new end-to-end encrypted session')
    await expect(notices(alice.page)).toHaveAttribute('data-state', 'read')

    // and the conversation goes on both ways, on one new session each
    const after = Date.now()
    await send(bob.page, 'after, back')
    await send(alice.page, 'after, again')
    await expect(message(alice.page, 'after, back')).toBeVisible()
    await expect(message(bob.page, 'after, again')).toBeVisible()
    await expectOneSessionEach(alice.page, bob.page, peers, after)
    const before = /:\s+before\s/
    await expect(messages(bob.page)).toHaveText([before, /before, back/, /after the loss/, /after, back/, /after, again/])
    await expect(messages(alice.page).filter({ hasNotText: 'Secure session reset' })).toHaveText([before, /before, back/, /after the loss/, /after, back/, /after, again/])
    // Bob lost his state and knows nothing to compare: no notice on his side
    await expect(notices(bob.page)).toHaveCount(0)

    // the notice is accessible, and its menu only deletes it here
    const { violations } = await new AxeBuilder({ page: alice.page }).include('[data-testid="notice-entry"]').analyze()
    expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical')).toEqual([])
    await notices(alice.page).getByRole('button', { name: 'Message actions' }).click()
    const menu = alice.page.getByRole('menu')
    await expect(menu.getByRole('menuitem')).toHaveText([/Delete/])
  })

  test('Bob\'s session state deleted while he is away: the boxes in his mailbox do not open, and every message still arrives once, in order', async ({ alice, bob, app, friends }) => {
    const peers = friends
    await send(alice.page, 'see you')
    await expect(message(bob.page, 'see you')).toBeVisible()
    await send(bob.page, 'see you later')
    await expect(message(alice.page, 'see you later')).toHaveAttribute('data-state', /^(delivered|read)$/)

    // Bob's sessions go; then he closes his only page, and his node ends with it
    await deleteSessions(bob.page)
    await bob.page.close()
    const texts = ['one', 'two', 'three']
    for (const text of texts) await send(alice.page, text)
    for (const text of texts) await expect(message(alice.page, text)).toHaveAttribute('data-state', 'stored', { timeout: 30_000 })
    // what went to his mailbox are the kept boxes, on the session he no longer has
    const ids = await Promise.all(texts.map(async text => message(alice.page, text).getAttribute('data-message-id')))
    expect(await keptBoxes(alice.page, peers.bobPeerId)).toEqual(expect.arrayContaining(ids))

    const bobAgain = await bob.context.newPage()
    await bobAgain.goto(app.url)
    await expectOnline(bobAgain)
    for (const text of texts) await expect(message(alice.page, text)).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 45_000 })
    await expect(notices(alice.page)).toHaveCount(1)
    await openChat(bobAgain, 'Alice')
    await expect(messages(bobAgain)).toHaveText([/see you/, /see you later/, /one/, /two/, /three/])
    await expect.poll(async () => keptBoxes(alice.page, peers.bobPeerId)).toEqual([])
  })
})
