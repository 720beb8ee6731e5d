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
