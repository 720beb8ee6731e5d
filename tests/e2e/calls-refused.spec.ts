import { expect, test } from './fixtures.ts'
import { liveMediaTracks, openCallConnections, recordPeerConnections } from '../support/peer-connections.ts'
import { callEnded, callStatus, callView, expectMediaArriving, fakeMedia } from './helpers/calls.ts'
import { expectOnline } from './helpers/parley.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * Calls (issue 25) when the browser refuses the camera: Chromium's fake
 * devices, but no automatic yes, so each context's permissions decide. Every
 * person has the microphone (loopback WebRTC needs it: docs/testing.md); only
 * Bob has the camera, so Alice's video calls get NotAllowedError.
 */

test.use(fakeMedia('permissions'))

const DENIED = 'Parley may not use the microphone or camera. To call, allow them for this site: click the icon at the left of the address bar (or open the browser\'s site settings), set Microphone and Camera to Allow, then try again.'

test('a refused camera: Alice\'s video call is not placed and she is told how to allow it; answering a video call without it says so and keeps it ringing until she allows it', async ({ alice, bob }) => {
  test.setTimeout(120_000)
  const [a, b] = [alice.page, bob.page]
  await bob.context.grantPermissions(['camera'])
  for (const page of [a, b]) await recordPeerConnections(page)
  for (const page of [a, b]) await page.reload()
  for (const page of [a, b]) await expectOnline(page)

  // Alice's video call: refused, in words; no connection made, no device left open
  await a.getByRole('button', { name: 'Video call with Bob' }).click()
  await expect(callView(a).getByRole('alert')).toHaveText(DENIED)
  await expect(callView(a)).toHaveAttribute('data-phase', 'none')
  expect(await openCallConnections(a)).toBe(0)
  expect(await liveMediaTracks(a)).toEqual([])
  await callView(a).getByRole('button', { name: 'Close' }).click()
  await expect(callView(a)).toHaveCount(0)

  // nothing reached Bob: the next call that rings him is her voice call (had the video invite gone
  // out, his tab would ring for it, or answer this one busy)
  await a.getByRole('button', { name: 'Voice call with Bob' }).click()
  await expect(callStatus(b)).toHaveText('Alice is calling you', { timeout: 30_000 })
  await callView(b).getByRole('button', { name: 'Decline' }).click()
  await expect(callEnded(a)).toHaveText('The call was declined.', { timeout: 15_000 })

  // Bob's video call to Alice: her answer is refused the camera, in words; the call still rings on both sides
  await b.getByRole('button', { name: 'Video call with Alice' }).click()
  await expect(callStatus(a)).toHaveText('Bob is calling you (video)', { timeout: 30_000 })
  await callView(a).getByRole('button', { name: 'Answer' }).click()
  await expect(callView(a).getByRole('alert')).toHaveText(DENIED)
  await expect(callView(a)).toHaveAttribute('data-phase', 'ringing')
  await expect(callStatus(b)).toHaveText('Ringing at Alice…')
  expect(await liveMediaTracks(a)).toEqual([])

  // she allows the camera, as the words say, and answers again: the call goes through
  await alice.context.grantPermissions(['camera'])
  await callView(a).getByRole('button', { name: 'Answer' }).click()
  await expect(callView(a).getByRole('alert')).toHaveCount(0)
  for (const page of [a, b]) await expect(callView(page)).toHaveAttribute('data-phase', 'active', { timeout: 30_000 })
  for (const page of [a, b]) await expectMediaArriving(page, true)
  await callView(a).getByRole('button', { name: 'Hang up' }).click()
  for (const page of [a, b]) await expect(callEnded(page)).toHaveText('Call ended.', { timeout: 15_000 })
})

test.describe('Bob without a microphone', () => {
  // his context has no media permission at all (his chats stay relayed: tests/support/person.ts)
  test.use({ bobWebrtc: false })

  test('a refused microphone: answering a voice call says so, and his decline still reaches Alice', async ({ alice, bob }) => {
    const [a, b] = [alice.page, bob.page]
    await a.getByRole('button', { name: 'Voice call with Bob' }).click()
    await expect(callStatus(b)).toHaveText('Alice is calling you', { timeout: 30_000 })
    await callView(b).getByRole('button', { name: 'Answer' }).click()
    await expect(callView(b).getByRole('alert')).toHaveText(DENIED)
    await expect(callView(b)).toHaveAttribute('data-phase', 'ringing')
    await callView(b).getByRole('button', { name: 'Decline' }).click()
    await expect(callEnded(a)).toHaveText('The call was declined.', { timeout: 15_000 })
  })
})
