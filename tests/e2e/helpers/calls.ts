import { expect } from '@playwright/test'
import { FAKE_MEDIA_ARGS } from '../../support/browsers.ts'
import { callCounters } from '../../support/peer-connections.ts'
import type { LaunchOptions, Locator, Page, PlaywrightWorkerArgs, PlaywrightWorkerOptions, WorkerFixture } from '@playwright/test'

/** Steps of a call (issue 25) shared by the calls specs, asserted through the call's view. */

/**
 * For `test.use(fakeMedia(…))`: the browsers of the file have a fake camera
 * and microphone (a test pattern and a tone; `cameras` fake cameras, default
 * one). Chromium gets its flags added to the project's launch options; with
 * `prompt: 'accept'` (the default) it also answers every request for them
 * with yes, while `'permissions'` leaves it to the context's permissions (a
 * context without 'camera' is refused the camera, NotAllowedError). Firefox
 * has fake devices and no prompt in every launch already
 * (tests/support/browsers.ts), so its options stay as they are. Launch
 * options are per browser, so a file using this gets browsers of its own.
 */
export function fakeMedia (prompt: 'accept' | 'permissions' = 'accept', cameras?: number): { launchOptions: [WorkerFixture<LaunchOptions, PlaywrightWorkerArgs & PlaywrightWorkerOptions>, { scope: 'worker' }] } {
  const [device, ui] = FAKE_MEDIA_ARGS
  const flags = [cameras === undefined ? device : `${device}=device-count=${cameras}`, ...(prompt === 'accept' ? [ui] : [])]
  return {
    launchOptions: [async ({ launchOptions, browserName }, use) => {
      const options: LaunchOptions = browserName === 'chromium' ? { ...launchOptions, args: [...(launchOptions.args ?? []), ...flags] } : launchOptions
      await use(options)
    }, { scope: 'worker' }]
  }
}

/** The call's view on `page` (absent while there is no call). */
export function callView (page: Page): Locator {
  return page.getByTestId('call')
}

/** The call view's line saying where the call stands. */
export function callStatus (page: Page): Locator {
  return callView(page).getByRole('status')
}

/**
 * `caller` calls `callee` (a voice or video call, from the chat header), the
 * callee's tab rings with the caller's name, the callee answers, and both
 * views say the call is up.
 */
export async function callAndAnswer (caller: Page, callee: Page, names: { caller: string, callee: string }, kind: 'voice' | 'video'): Promise<void> {
  await caller.getByRole('button', { name: `${kind === 'video' ? 'Video' : 'Voice'} call with ${names.callee}` }).click()
  await expect(callView(callee)).toHaveAttribute('data-phase', 'ringing', { timeout: 30_000 })
  await expect(callStatus(callee)).toHaveText(`${names.caller} is calling you${kind === 'video' ? ' (video)' : ''}`)
  await expect(callStatus(caller)).toHaveText(new RegExp(`^(Calling|Ringing at) ${names.callee}…$`))
  await callView(callee).getByRole('button', { name: 'Answer' }).click()
  for (const page of [caller, callee]) {
    await expect(callView(page)).toHaveAttribute('data-phase', 'active', { timeout: 30_000 })
    await expect(callStatus(page)).toContainText('In a call with')
  }
}

/** Audio packets (and, with `video`, decoded video frames) keep arriving at `page`: its getStats counters grow by more than 10. */
export async function expectMediaArriving (page: Page, video: boolean): Promise<void> {
  const first = await callCounters(page)
  await expect.poll(async () => (await callCounters(page)).audioIn, { timeout: 30_000 }).toBeGreaterThan(first.audioIn + 10)
  if (video) await expect.poll(async () => (await callCounters(page)).videoFramesIn, { timeout: 30_000 }).toBeGreaterThan(first.videoFramesIn + 10)
}

/** How the call ended, in words, on `page` (its `data-reason` is the code). */
export function callEnded (page: Page): Locator {
  return page.getByTestId('call-ended')
}

type Box = NonNullable<Awaited<ReturnType<Locator['boundingBox']>>>

/** Whether two boxes share any area (touching edges do not). */
function intersects (one: Box, other: Box): boolean {
  return one.x < other.x + other.width && other.x < one.x + one.width && one.y < other.y + other.height && other.y < one.y + one.height
}

/**
 * The call's view on `page` covers none of the chat's composer controls (the
 * message field, Send, the microphone, attach) nor the `more` locators given
 * (a log entry's button): their boxes do not intersect it, and each control
 * is whole inside the viewport (pushed out of sight is not "uncovered").
 */
export async function expectComposerClear (page: Page, more: Locator[] = []): Promise<void> {
  const panel = await callView(page).boundingBox()
  expect(panel, 'the call view is shown').not.toBeNull()
  const viewport = page.viewportSize()
  const controls = [
    page.getByRole('textbox', { name: 'Message', exact: true }),
    page.getByRole('button', { name: 'Send', exact: true }),
    page.getByRole('button', { name: 'Record a voice message' }),
    page.getByRole('button', { name: 'Attach files' }),
    ...more
  ]
  for (const control of controls) {
    const box = await control.boundingBox()
    expect(box, `${control.toString()} is shown`).not.toBeNull()
    if (box === null || panel === null || viewport === null) continue
    expect(intersects(panel, box), `the call view ${JSON.stringify(panel)} covers ${control.toString()} ${JSON.stringify(box)}`).toBe(false)
    expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height, `${control.toString()} ${JSON.stringify(box)} is inside the viewport`).toBe(true)
  }
}

/** On a phone-sized layout (360×780) the call on `page` has the whole screen; the size given back after. */
export async function expectFullScreenOnPhone (page: Page): Promise<void> {
  const desktop = page.viewportSize()
  await page.setViewportSize({ width: 360, height: 780 })
  await expect.poll(async () => callView(page).boundingBox()).toEqual({ x: 0, y: 0, width: 360, height: 780 })
  if (desktop !== null) await page.setViewportSize(desktop)
}
