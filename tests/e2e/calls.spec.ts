import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import { callCounters, openCallConnections, recordPeerConnections } from '../support/peer-connections.ts'
import { ENDED_CARD_MS } from '../../src/lib/ui/call-view.ts'
import { callAndAnswer, callView, expectComposerClear, expectFullScreenOnPhone, expectMediaArriving, fakeMedia } from './helpers/calls.ts'
import { befriendNew } from './helpers/groups.ts'
import { setHidden, shownNotifications } from './helpers/notify.ts'
import { chatRow, expectOnline, nav } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * 1:1 calls (issue 25) in two Chromium contexts with Chromium's fake camera
 * and microphone: Alice calls Bob, his tab rings, he answers, both receive
 * audio and video (the RTP counters of `getStats` grow), muting stops the
 * audio packets, hanging up ends it on both sides. Then decline, cancel (a
 * missed call), busy, and an answer in one of two tabs.
 */

test.use(fakeMedia())

/** How many audio packets `page` received over half a second (a measurement window, not a wait). */
async function audioPacketsOverHalfASecond (page: Page): Promise<number> {
  return (await callCounters(page, 500)).audioIn
}

test('Alice calls Bob with video; he answers; audio and video flow both ways; mute stops her audio; hanging up ends it on both sides; the call never covers the composer, and its ended card leaves by itself', async ({ alice, bob }) => {
  const [a, b] = [alice.page, bob.page]
  for (const person of [alice, bob]) await person.context.grantPermissions(['microphone', 'camera'])
  for (const page of [a, b]) await recordPeerConnections(page)
  // Alice's tab runs on a clock of the test's (time flows until it is paused), for the ended card's timer
  await a.clock.install()
  for (const page of [a, b]) await page.reload()
  for (const page of [a, b]) await expectOnline(page)

  await callAndAnswer(a, b, { caller: 'Alice', callee: 'Bob' }, 'video')
  // frames and packets arrive on both sides, and keep arriving
  for (const page of [a, b]) await expectMediaArriving(page, true)
  await expect(a.getByTestId('remote-video')).toHaveJSProperty('paused', false)
  // the quality line, from getStats: on loopback a good, direct connection with a round-trip time
  await expect(a.getByTestId('call-quality')).toHaveAttribute('data-level', 'good', { timeout: 15_000 })
  await expect(a.getByTestId('call-quality')).toHaveText(/^Good connection · direct · \d+ ms there and back, [\d.]+% of sound lost$/)
  // the call's view: no serious or critical axe finding, and its buttons are reached by keyboard
  const { violations } = await new AxeBuilder({ page: b }).include('[data-testid="call"]').analyze()
  expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)).toEqual([])
  await b.getByRole('button', { name: 'Mute' }).focus()
  await b.keyboard.press('Tab')
  await expect(b.getByRole('button', { name: 'Turn camera off' })).toBeFocused()
  // the call has its own column beside the chat on a desktop: the composer's controls stay uncovered, on both sides
  for (const page of [a, b]) await expectComposerClear(page)
  // her picture is a framed tile over a corner of his, mirrored (a front camera), and moves to another corner
  const self = a.getByTestId('self-view')
  await expect(self).toHaveAttribute('data-corner', 'bottom-right')
  await expect(self.getByTestId('local-video')).toHaveCSS('transform', 'matrix(-1, 0, 0, 1, 0, 0)')
  await self.getByRole('button', { name: 'Move your picture to another corner' }).click()
  await expect(self).toHaveAttribute('data-corner', 'bottom-left')
  // on a phone-sized layout the call has the whole screen
  await expectFullScreenOnPhone(a)
  // one camera: nothing to switch to (more: call-controls.spec.ts)
  await expect(b.getByRole('button', { name: 'Switch camera' })).toHaveCount(0)
  await expect(b.getByRole('combobox', { name: 'Camera' })).toHaveCount(0)

  // Alice mutes: Bob receives no more audio packets; unmuted, they come again
  await a.getByRole('button', { name: 'Mute' }).click()
  await expect(a.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true')
  await expect.poll(async () => audioPacketsOverHalfASecond(b), { timeout: 15_000 }).toBe(0)
  await a.getByRole('button', { name: 'Unmute' }).click()
  await expect.poll(async () => audioPacketsOverHalfASecond(b), { timeout: 15_000 }).toBeGreaterThan(0)

  // Alice's clock stands still from here, so her ended card stays until the test moves it on
  await a.clock.pauseAt(await a.evaluate(() => Date.now() + 1000))
  await a.getByRole('button', { name: 'Hang up' }).click()
  await expect(a.getByTestId('call-ended')).toHaveText('Call ended.')
  await expect(b.getByTestId('call-ended')).toHaveText('Call ended.', { timeout: 15_000 })
  await expect(b.getByTestId('call-ended')).toHaveAttribute('data-reason', 'hangup')
  // the media went with it
  await expect.poll(async () => openCallConnections(b)).toBe(0)
  await b.getByRole('button', { name: 'Close' }).click()
  await expect(b.getByTestId('call')).toHaveCount(0)
  // Alice's chat keeps the call, with how long it lasted (was in screenshots-calls.spec.ts); the card
  // saying it ended covers neither the composer nor the entry's Call again, and leaves by itself
  await expectComposerClear(a)
  // (the log takes the new entry in on timers of the tab's: its clock moves on in small steps until it shows, well within the card's time)
  const entry = a.getByTestId('call-entry')
  let moved = 0
  await expect.poll(async () => {
    await a.clock.runFor(50)
    moved += 50
    return entry.filter({ hasText: /Outgoing video call, lasted/ }).count()
  }).toBe(1)
  expect(moved).toBeLessThan(ENDED_CARD_MS / 2)
  await expectComposerClear(a, [entry.getByRole('button', { name: 'Call again' })])
  await a.clock.runFor(ENDED_CARD_MS - moved - 1)
  await expect(callView(a)).toBeVisible()
  await a.clock.runFor(1)
  await expect(callView(a)).toHaveCount(0)
  await a.clock.resume()
})

test('Bob with two tabs: both ring; a decline, a cancel (a missed call), an answer in one tab that the other shows, and Carol meanwhile hears busy', async ({ alice, bob, carol }) => {
  test.setTimeout(180_000)
  const [a, b, c] = [alice.page, bob.page, carol.page]
  for (const person of [alice, bob, carol]) await person.context.grantPermissions(['microphone', 'camera'])
  await befriendNew(b, 'Bob', c, 'Carol')
  const b2 = await bob.newTab()
  await expectOnline(b2)
  const status = (page: Page): ReturnType<Page['getByTestId']> => page.getByTestId('call').getByRole('status')

  // a voice call rings in both of Bob's tabs; he declines in the second
  await a.getByRole('button', { name: 'Voice call with Bob' }).click()
  for (const page of [b, b2]) await expect(status(page)).toHaveText('Alice is calling you', { timeout: 30_000 })
  await b2.getByRole('button', { name: 'Decline' }).click()
  await expect(a.getByTestId('call-ended')).toHaveText('The call was declined.', { timeout: 15_000 })
  for (const page of [b, b2]) await expect(page.getByTestId('call-ended')).toHaveAttribute('data-reason', 'declined')

  // Alice calls and gives up before an answer: a missed call for Bob
  await a.getByRole('button', { name: 'Voice call with Bob' }).click()
  await expect(status(b)).toHaveText('Alice is calling you', { timeout: 30_000 })
  await a.getByRole('button', { name: 'Cancel' }).click()
  for (const page of [b, b2]) await expect(page.getByTestId('call-ended')).toHaveText('Missed call from Alice.', { timeout: 15_000 })

  // again; Bob answers in his first tab, the second says the call goes on elsewhere
  await a.getByRole('button', { name: 'Voice call with Bob' }).click()
  await expect(status(b)).toHaveText('Alice is calling you', { timeout: 30_000 })
  await b.getByRole('button', { name: 'Answer' }).click()
  await expect(b.getByTestId('call')).toHaveAttribute('data-here', '')
  await expect(status(b2)).toHaveText('In a call with Alice in another tab', { timeout: 15_000 })
  await expect(b2.getByTestId('call')).not.toHaveAttribute('data-here')
  await expect(status(a)).toContainText('In a call with Bob', { timeout: 30_000 })

  // Carol calls Bob now: busy
  await c.getByRole('button', { name: 'Voice call with Bob' }).click()
  await expect(c.getByTestId('call-ended')).toHaveText('Bob is in another call.', { timeout: 30_000 })
  await expect(status(b)).toContainText('In a call with Alice')

  await b2.getByRole('button', { name: 'Hang up' }).click()
  for (const page of [a, b]) await expect(page.getByTestId('call-ended')).toHaveText('Call ended.', { timeout: 15_000 })
  // each call is kept in the chat, as this side saw it
  await expect(a.getByTestId('call-entry')).toContainText(['Voice call declined', 'Cancelled voice call', /Outgoing voice call, lasted \d+:\d{2}/])
  await expect(c.getByTestId('call-entry')).toContainText(['Voice call: the line was busy'])
})

test.describe('with the service worker', () => {
  // notifications are shown by the service worker
  test.use({ serviceWorkers: 'allow' })

  test('while Bob\'s page is hidden, Alice\'s call shows a notification that rings, and becomes a missed call when she gives up', async ({ alice, bob }) => {
    await bob.context.grantPermissions(['notifications', 'microphone', 'camera'])
    await alice.context.grantPermissions(['microphone', 'camera'])
    const [a, b] = [alice.page, bob.page]
    await expect.poll(async () => b.evaluate(async () => (await navigator.serviceWorker.ready).active?.state), { timeout: 30_000 }).toBe('activated')
    await nav(b).getByRole('link', { name: 'Chats' }).click()
    await b.getByRole('button', { name: 'Turn on' }).click()
    await setHidden(b, true)

    await a.getByRole('button', { name: 'Video call with Bob' }).click()
    await expect.poll(async () => (await shownNotifications(b)).map(n => [n.title, n.body]), { timeout: 30_000 }).toEqual([['Alice', 'Alice is calling you (video)']])
    const [ringing] = await shownNotifications(b)
    expect(ringing?.tag).toMatch(/^call-[0-9a-f]{32}$/)
    expect(ringing?.href).toMatch(/^#\/chat\/\d+$/)
    await a.getByRole('button', { name: 'Cancel' }).click()
    await expect.poll(async () => (await shownNotifications(b)).map(n => [n.title, n.body, n.tag]), { timeout: 15_000 }).toEqual([['Alice', 'Missed call from Alice.', ringing?.tag]])
  })
})

test.describe('with a short ring', () => {
  // the worker's ring timer, which no page clock reaches, runs on a test's ring time from /config.json
  // (testRingTimeoutMs, kept on loopback only) rather than the real 45 s: the ring time itself, the
  // real one included, is tested on a fake clock (tests/unit/p2p/calls/ring-every-device.test.ts)
  test.use({ ringTimeoutMs: 10_000 })

  test('no answer: the call ends after the ring time and both chats keep it; Bob\'s missed call is unread until he sees it, and he calls back from it', async ({ alice, bob }) => {
    test.setTimeout(180_000)
    const [a, b] = [alice.page, bob.page]
    for (const person of [alice, bob]) await person.context.grantPermissions(['microphone', 'camera'])
    await nav(b).getByRole('link', { name: 'Chats' }).click()
    await expect(chatRow(b, 'Alice')).toBeVisible()

    await a.getByRole('button', { name: 'Video call with Bob' }).click()
    await expect(b.getByTestId('call').getByRole('status')).toHaveText('Alice is calling you (video)', { timeout: 30_000 })
    await expect(a.getByTestId('call-ended')).toHaveText('No answer.', { timeout: 90_000 })
    await expect(b.getByTestId('call-ended')).toHaveText('Missed call from Alice.', { timeout: 15_000 })

    // in Alice's chat: her call, not answered, to call again
    await expect(a.getByTestId('call-entry')).toContainText(['Video call not answered'])
    await expect(a.getByTestId('call-entry').getByRole('button', { name: 'Call again' })).toBeVisible()
    // Bob, on the chats list: one unread, the missed call as its preview
    await expect(chatRow(b, 'Alice').getByTestId('unread')).toHaveText('1')
    await expect(chatRow(b, 'Alice')).toContainText('Missed video call')
    await chatRow(b, 'Alice').click()
    const missed = b.getByTestId('call-entry')
    await expect(missed).toHaveAttribute('data-outcome', 'missed')
    await expect(missed).toContainText('Missed video call')
    // seen, it is read
    await expect(missed).toHaveAttribute('data-state', 'read')
    const { violations } = await new AxeBuilder({ page: b }).include('[data-testid="call-entry"]').analyze()
    expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)).toEqual([])
    await nav(b).getByRole('link', { name: 'Chats' }).click()
    await expect(chatRow(b, 'Alice').getByTestId('unread')).toHaveCount(0)

    // he calls back from it, with video as she called; she declines
    await chatRow(b, 'Alice').click()
    await missed.getByRole('button', { name: 'Call back' }).click()
    await expect(a.getByTestId('call').getByRole('status')).toHaveText('Bob is calling you (video)', { timeout: 30_000 })
    await a.getByRole('button', { name: 'Decline' }).click()
    await expect(b.getByTestId('call-ended')).toHaveText('The call was declined.', { timeout: 15_000 })
    await expect(b.getByTestId('call-entry')).toContainText(['Missed video call', 'Video call declined'])
    await expect(a.getByTestId('call-entry')).toContainText(['Video call not answered', 'You declined a video call'])

    // its menu only deletes it here
    const first = a.getByTestId('call-entry').first()
    await first.hover()
    await first.getByRole('button', { name: 'Message actions' }).click()
    await expect(a.getByRole('menu').getByRole('menuitem')).toHaveText(['Delete'])
    await a.getByRole('menuitem', { name: 'Delete' }).click()
    const dialog = a.getByRole('dialog', { name: 'Delete this message?' })
    await expect(dialog.getByRole('button', { name: 'Delete for everyone' })).toHaveCount(0)
    await dialog.getByRole('button', { name: 'Delete for me' }).click()
    await expect(a.getByTestId('call-entry')).toContainText(['You declined a video call'])
    await expect(b.getByTestId('call-entry')).toHaveCount(2)
  })
})
