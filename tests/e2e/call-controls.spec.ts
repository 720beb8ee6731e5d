import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import { callCounters, recordPeerConnections, sentCamera } from '../support/peer-connections.ts'
import { fakeMedia } from './helpers/calls.ts'
import { expectOnline } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

/**
 * The controls of a call in progress (issue 25, "In call") with Chromium's
 * fake devices, three cameras each (so the camera is chosen from a menu; two
 * would make it a "Switch camera" button, which cycles: unit tests, since
 * Chromium's second fake camera is a Y16 depth camera whose frames WebRTC
 * does not encode): another camera's track goes on the video sender (the
 * old one ends) while the other side keeps decoding frames; the sound output
 * select sets the remote element's sink and is remembered for the next call;
 * picture-in-picture of their video, left when the call ends; the screen
 * shared instead of the camera (Chromium's fake screen) and the camera back.
 * One camera (nothing to switch): calls.spec.ts.
 */

// three cameras (fake_device_0, 1, 2), a microphone and three sound outputs, asked without a prompt
test.use(fakeMedia('accept', 3))

/** The label of the camera track our preview shows. */
async function previewCamera (page: Page): Promise<string | undefined> {
  return page.getByTestId('local-video').evaluate((video: HTMLVideoElement) => (video.srcObject as MediaStream | null)?.getVideoTracks()[0]?.label)
}

/** Which element is in picture-in-picture (its test id), or null. */
async function inPictureInPicture (page: Page): Promise<string | null> {
  return page.evaluate(() => document.pictureInPictureElement?.getAttribute('data-testid') ?? null)
}

test('in a video call: choose the camera, share the screen, the sound output (remembered), picture-in-picture', async ({ alice, bob }) => {
  test.setTimeout(150_000)
  const [a, b] = [alice.page, bob.page]
  for (const person of [alice, bob]) await person.context.grantPermissions(['microphone', 'camera'])
  for (const page of [a, b]) await recordPeerConnections(page)
  for (const page of [a, b]) await page.reload()
  for (const page of [a, b]) await expectOnline(page)

  await a.getByRole('button', { name: 'Video call with Bob' }).click()
  await expect(b.getByTestId('call')).toHaveAttribute('data-phase', 'ringing', { timeout: 30_000 })
  await b.getByRole('button', { name: 'Answer' }).click()
  for (const page of [a, b]) await expect(page.getByTestId('call')).toHaveAttribute('data-phase', 'active', { timeout: 30_000 })
  const framesAtBob = await callCounters(b)
  await expect.poll(async () => (await callCounters(b)).videoFramesIn, { timeout: 30_000 }).toBeGreaterThan(framesAtBob.videoFramesIn + 10)

  // Alice chooses another camera: the sender carries it, the first one ends, her preview follows, Bob still decodes frames
  expect(await sentCamera(a)).toEqual({ label: 'fake_device_0', readyState: 'live' })
  await a.evaluate(() => {
    const made = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
    const sender = made.filter(pc => pc.connectionState !== 'closed' && pc.getTransceivers().length > 0).at(-1)?.getSenders().find(s => s.track?.kind === 'video')
    Object.assign(window, { __firstCamera: sender?.track })
  })
  const camera = a.getByRole('combobox', { name: 'Camera' })
  await expect(camera.getByRole('option')).toHaveText(['fake_device_0', 'fake_device_1', 'fake_device_2'])
  await camera.selectOption({ label: 'fake_device_2' })
  await expect.poll(async () => sentCamera(a)).toEqual({ label: 'fake_device_2', readyState: 'live' })
  expect(await a.evaluate(() => (window as unknown as { __firstCamera: MediaStreamTrack }).__firstCamera.readyState)).toBe('ended')
  await expect.poll(async () => previewCamera(a)).toBe('fake_device_2')
  const afterSwitch = await callCounters(b)
  await expect.poll(async () => (await callCounters(b)).videoFramesIn, { timeout: 30_000 }).toBeGreaterThan(afterSwitch.videoFramesIn + 10)
  await expect(a.getByRole('button', { name: 'Switch camera' })).toHaveCount(0)

  // Alice shares her screen (Chromium's fake one, 16:9): Bob's picture of her becomes it, her preview shows it as it is;
  // she stops, and her camera (4:3) comes back
  const bobSees = async (): Promise<number> => b.getByTestId('remote-video').evaluate((v: HTMLVideoElement) => v.videoHeight === 0 ? 0 : v.videoWidth / v.videoHeight)
  await expect.poll(bobSees, { timeout: 30_000 }).toBeCloseTo(4 / 3, 1)
  await a.getByRole('button', { name: 'Share screen' }).click()
  await expect(a.getByRole('button', { name: 'Stop sharing' })).toHaveAttribute('aria-pressed', 'true')
  await expect.poll(bobSees, { timeout: 30_000 }).toBeCloseTo(16 / 9, 1)
  await expect(a.getByTestId('local-video')).toHaveAttribute('aria-label', 'Your shared screen')
  await expect(a.getByTestId('local-video')).not.toHaveClass(/mirrored/)
  await a.getByRole('button', { name: 'Stop sharing' }).click()
  await expect(a.getByRole('button', { name: 'Share screen' })).toHaveAttribute('aria-pressed', 'false')
  await expect.poll(bobSees, { timeout: 30_000 }).toBeCloseTo(4 / 3, 1)
  await expect.poll(async () => sentCamera(a)).toEqual({ label: 'fake_device_2', readyState: 'live' })

  // Bob chooses where Alice's voice plays: the remote video's sink follows
  const output = b.getByRole('combobox', { name: 'Sound output' })
  await expect(output.getByRole('option')).toHaveText(['Fake Default Audio Output', 'Fake Audio Output 1', 'Fake Audio Output 2'])
  await expect(output).toHaveValue('default')
  await output.selectOption({ label: 'Fake Audio Output 2' })
  await expect(output).not.toHaveValue('default')
  const chosen = await output.inputValue()
  await expect(b.getByTestId('remote-video')).toHaveJSProperty('sinkId', chosen)

  // Bob puts Alice's video in picture-in-picture, and takes it back
  await b.getByRole('button', { name: 'Picture in picture' }).click()
  await expect(b.getByRole('button', { name: 'Leave picture in picture' })).toHaveAttribute('aria-pressed', 'true')
  expect(await inPictureInPicture(b)).toBe('remote-video')
  await b.getByRole('button', { name: 'Leave picture in picture' }).click()
  await expect(b.getByRole('button', { name: 'Picture in picture' })).toHaveAttribute('aria-pressed', 'false')
  expect(await inPictureInPicture(b)).toBeNull()

  // the controls are reached by keyboard, in order, and axe finds nothing serious
  await b.getByRole('button', { name: 'Turn camera off' }).focus()
  for (const next of [b.getByRole('button', { name: 'Share screen' }), b.getByRole('combobox', { name: 'Camera' }), b.getByRole('button', { name: 'Picture in picture' }), output, b.getByRole('button', { name: 'Hang up' })]) {
    await b.keyboard.press('Tab')
    await expect(next).toBeFocused()
  }
  const { violations } = await new AxeBuilder({ page: b }).include('[data-testid="call"]').analyze()
  expect(violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)).toEqual([])

  // in picture-in-picture when Alice hangs up: Bob's leaves it with the call
  await b.getByRole('button', { name: 'Picture in picture' }).click()
  await expect.poll(async () => inPictureInPicture(b)).toBe('remote-video')
  await a.getByRole('button', { name: 'Hang up' }).click()
  await expect(b.getByTestId('call-ended')).toHaveText('Call ended.', { timeout: 15_000 })
  await expect.poll(async () => inPictureInPicture(b)).toBeNull()

  // the next call (voice): Bob's output is the one he chose; no camera to switch, no video for picture-in-picture
  await a.getByRole('button', { name: 'Voice call with Bob' }).click()
  await expect(b.getByTestId('call')).toHaveAttribute('data-phase', 'ringing', { timeout: 30_000 })
  await b.getByRole('button', { name: 'Answer' }).click()
  await expect(b.getByTestId('call')).toHaveAttribute('data-phase', 'active', { timeout: 30_000 })
  await expect(b.getByRole('combobox', { name: 'Sound output' })).toHaveValue(chosen)
  await expect(b.getByTestId('remote-audio')).toHaveJSProperty('sinkId', chosen)
  await expect(b.getByRole('combobox', { name: 'Camera' })).toHaveCount(0)
  await expect(b.getByRole('button', { name: 'Picture in picture' })).toHaveCount(0)
  await b.getByRole('button', { name: 'Hang up' }).click()
  await expect(a.getByTestId('call-ended')).toHaveText('Call ended.', { timeout: 15_000 })
})
