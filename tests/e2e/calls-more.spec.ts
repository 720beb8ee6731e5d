import { expect, test } from './fixtures.ts'
import { liveMediaTracks, openCallConnections, recordPeerConnections } from '../support/peer-connections.ts'
import { callAndAnswer, callEnded, callView, expectComposerClear, expectFullScreenOnPhone, expectMediaArriving, fakeMedia } from './helpers/calls.ts'
import { expectOnline } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * Calls (issue 25) beyond calls.spec.ts: between Chromium and Firefox (and
 * two Firefoxes), and a tab that goes away in the middle of a call, closed
 * or crashed. Fake camera and microphone in every browser.
 */

test.use(fakeMedia())

/** Both (prepared) people's pages keep their peer connections and media streams (tests/support/peer-connections.ts) from a reload on. */
async function recordAndReload (a: Page, b: Page): Promise<void> {
  for (const page of [a, b]) await recordPeerConnections(page)
  for (const page of [a, b]) await page.reload()
  for (const page of [a, b]) await expectOnline(page)
}

/** The call on `page` is over and let its media go: no call connection open, no camera or microphone track live. */
async function expectMediaReleased (page: Page): Promise<void> {
  await expect.poll(async () => openCallConnections(page)).toBe(0)
  await expect.poll(async () => liveMediaTracks(page)).toEqual([])
}

test('a video call from Alice to Bob, and a voice call back, between two browsers: media both ways, hanging up ends both', { tag: ['@cross'] }, async ({ alice, bob }) => {
  test.setTimeout(150_000)
  const [a, b] = [alice.page, bob.page]
  await recordAndReload(a, b)

  // Alice offers (video), Bob answers
  await callAndAnswer(a, b, { caller: 'Alice', callee: 'Bob' }, 'video')
  for (const page of [a, b]) await expectMediaArriving(page, true)
  for (const page of [a, b]) await expect(page.getByTestId('remote-video')).toHaveJSProperty('paused', false)
  expect(await liveMediaTracks(b)).toEqual(['audio', 'video'])
  // in either browser the call has its own column on a desktop, and the whole screen on a phone
  for (const page of [a, b]) await expectComposerClear(page)
  await expectFullScreenOnPhone(b)
  await callView(b).getByRole('button', { name: 'Hang up' }).click()
  // (the ended cards need no Close: the next call takes their place)
  for (const page of [a, b]) {
    await expect(callEnded(page)).toHaveText('Call ended.', { timeout: 15_000 })
    await expectMediaReleased(page)
  }

  // Bob offers (voice), Alice answers
  await callAndAnswer(b, a, { caller: 'Bob', callee: 'Alice' }, 'voice')
  for (const page of [a, b]) await expectMediaArriving(page, false)
  expect(await liveMediaTracks(a)).toEqual(['audio'])
  await callView(a).getByRole('button', { name: 'Hang up' }).click()
  for (const page of [a, b]) {
    await expect(callEnded(page)).toHaveText('Call ended.', { timeout: 15_000 })
    await expectMediaReleased(page)
  }
})

test('Bob closes the tab that holds the call (his other tab stays): the call ends on both sides, Alice\'s camera and microphone are let go, and she can call him again', { tag: ['@cross'] }, async ({ alice, bob }) => {
  const [a, b] = [alice.page, bob.page]
  await recordAndReload(a, b)
  const b2 = await bob.newTab()
  await expectOnline(b2)
  await callAndAnswer(a, b, { caller: 'Alice', callee: 'Bob' }, 'video')
  await expectMediaArriving(a, true)

  // closing fires pagehide: his tab hangs up, and his node (kept by the other tab) tells Alice, even
  // when the closed tab hosted the connection to her (Firefox's WebRTC: docs/testing.md)
  await b.close()
  for (const page of [a, b2]) await expect(callEnded(page)).toHaveText('Call ended.', { timeout: 15_000 })
  await expect(callEnded(a)).toHaveAttribute('data-reason', 'hangup')
  await expectMediaReleased(a)

  await callAndAnswer(a, b2, { caller: 'Alice', callee: 'Bob' }, 'voice')
  await expectMediaArriving(a, false)
  await callView(a).getByRole('button', { name: 'Hang up' }).click()
  await expect(callEnded(b2)).toHaveText('Call ended.', { timeout: 15_000 })
})

test('Bob closes his only tab mid-call (his node goes with it): Alice\'s call still ends, in words, and lets her media go', { tag: ['@firefox'] }, async ({ alice, bob }) => {
  test.setTimeout(120_000)
  const [a, b] = [alice.page, bob.page]
  await recordAndReload(a, b)
  await callAndAnswer(a, b, { caller: 'Alice', callee: 'Bob' }, 'video')
  await expectMediaArriving(a, true)

  const closedAt = Date.now()
  await b.close()
  // his hang-up, when his node outlives the tab long enough to send it; else Alice's restart finds
  // nobody to take its offer and ends the call: either way it ends, and says how
  await expect(callEnded(a)).toHaveAttribute('data-reason', /^(hangup|failed)$/, { timeout: 60_000 })
  test.info().annotations.push({ type: 'call ended after the close', description: `${Date.now() - closedAt} ms, ${await callEnded(a).getAttribute('data-reason') ?? ''}` })
  await expect(callEnded(a)).toHaveText(/^(Call ended\.|The call was cut off: the connection to Bob was lost\.)$/)
  await expectMediaReleased(a)
})

test('Bob\'s tab crashes in the middle of a call (no pagehide): Alice restarts ICE, then her call ends as failed, in words, and lets her media go', async ({ alice, bob }) => {
  test.setTimeout(180_000)
  const [a, b] = [alice.page, bob.page]
  await recordAndReload(a, b)
  await callAndAnswer(a, b, { caller: 'Alice', callee: 'Bob' }, 'video')
  await expectMediaArriving(a, true)

  // the renderer dies at once (the DevTools protocol's Page.crash): nothing of Bob's page runs again
  const crashed = b.waitForEvent('crash')
  const devtools = await bob.context.newCDPSession(b)
  // the command has no reply: its target is gone
  void devtools.send('Page.crash').catch(() => {})
  await crashed
  const crashedAt = Date.now()

  // the path goes down; Alice, the caller, restarts ICE (RESTART_AFTER_MS, then every RECONNECT_WITHIN_MS up to MAX_RESTARTS) and gives up
  await expect(callEnded(a)).toHaveAttribute('data-reason', 'failed', { timeout: 120_000 })
  test.info().annotations.push({ type: 'call ended after the crash', description: `${Date.now() - crashedAt} ms` })
  // the media was up before: a connection lost, not one never made
  await expect(callEnded(a)).toHaveText('The call was cut off: the connection to Bob was lost.')
  await expectMediaReleased(a)
})
