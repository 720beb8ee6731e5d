import config from '../../../playwright.config.ts'
import type { LaunchOptions } from '@playwright/test'

/**
 * The project's Chromium with fake media devices, asked for without a
 * prompt: a microphone (a tone), `cameras` cameras (a test pattern each,
 * labelled fake_device_0, fake_device_1, …) and three sound outputs
 * ("Fake Default Audio Output", "Fake Audio Output 1", "Fake Audio Output 2").
 * For `test.use({ launchOptions: fakeMediaLaunchOptions() })` in call specs.
 */
export function fakeMediaLaunchOptions (options: { cameras?: number } = {}): LaunchOptions {
  const project = config.projects?.[0]?.use?.launchOptions
  const devices = options.cameras === undefined ? '' : `=device-count=${options.cameras}`
  return { ...project, args: [...(project?.args ?? []), `--use-fake-device-for-media-stream${devices}`, '--use-fake-ui-for-media-stream'] }
}
