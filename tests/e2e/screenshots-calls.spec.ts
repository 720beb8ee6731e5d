import { expect, test } from './fixtures.ts'
import { callCounters, recordPeerConnections } from '../support/peer-connections.ts'
import { fakeMedia } from './helpers/calls.ts'
import { befriend } from './helpers/parley.ts'
import { GALLERY_VIEWPORT, shot } from './helpers/shots.ts'

/**
 * Screenshots of calls (the feature gallery's size, light; see
 * helpers/shots.ts for where they go): Bob in a video call with Alice (the
 * call's view, full screen at this width), and Alice's chat afterwards with
 * the calls kept in it.
 */

test.use(fakeMedia())

test('calls: a video call, and the calls kept in the chat', async ({ alice, bob }) => {
  test.setTimeout(150_000)
  const [a, b] = [alice.page, bob.page]
  for (const person of [alice, bob]) await person.context.grantPermissions(['microphone', 'camera'])
  for (const page of [a, b]) await recordPeerConnections(page)
  for (const page of [a, b]) {
    await page.setViewportSize(GALLERY_VIEWPORT)
    await page.reload()
  }
  await befriend(a, b)

  await a.getByRole('button', { name: 'Video call with Bob' }).click()
  await b.getByRole('button', { name: 'Answer' }).click({ timeout: 30_000 })
  await expect(b.getByTestId('call').getByRole('status')).toContainText('In a call with Alice', { timeout: 30_000 })
  // her picture is there, and the quality line has its first reading
  await expect.poll(async () => (await callCounters(b)).videoFramesIn, { timeout: 30_000 }).toBeGreaterThan(30)
  await expect(b.getByTestId('call-quality')).toBeVisible({ timeout: 15_000 })
  await shot(b, 'call')

  await b.getByRole('button', { name: 'Hang up' }).click()
  await expect(a.getByTestId('call-ended')).toHaveText('Call ended.', { timeout: 15_000 })
  await a.getByRole('button', { name: 'Close' }).click()
  await a.getByRole('button', { name: 'Voice call with Bob' }).click()
  await b.getByRole('button', { name: 'Decline' }).click({ timeout: 30_000 })
  await expect(a.getByTestId('call-ended')).toHaveText('The call was declined.', { timeout: 15_000 })
  await a.getByRole('button', { name: 'Close' }).click()
  await expect(a.getByTestId('call-entry')).toContainText([/Outgoing video call, lasted/, 'Voice call declined'])
  await shot(a, 'call-log')
})
