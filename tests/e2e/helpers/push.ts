/**
 * Web Push in a real browser (tests/e2e/push.spec.ts): a Firefox whose push
 * client speaks to the tests' push service, the relay's VAPID key, and the
 * notifications the service worker shows, read from a page of the origin
 * that is not the app.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { firefoxLaunchOptions } from '../../support/browsers.ts'
import type { Browser, BrowserType, Page } from '@playwright/test'
import type { RelayFixture } from '../fixtures.ts'

/**
 * A Firefox whose push client connects to `serverUrl` (the tests' push
 * service, tests/support/autopush.ts) over plain ws: on loopback. The remote
 * agent turns push off by default (its recommended prefs); a user pref
 * wins. Notifications are allowed for every site, and the JSON viewer is off
 * so that /config.json is a plain page of the origin.
 */
export async function launchPushFirefox (firefox: BrowserType, serverUrl: string): Promise<Browser> {
  const base = firefoxLaunchOptions()
  return await firefox.launch({
    ...base,
    firefoxUserPrefs: {
      ...base.firefoxUserPrefs,
      'dom.push.enabled': true,
      'dom.push.connection.enabled': true,
      'dom.push.serverURL': serverUrl,
      'dom.push.testing.allowInsecureServerURL': true,
      'permissions.default.desktop-notification': 1,
      'devtools.jsonview.enabled': false,
      'alerts.useSystemBackend': false
    }
  })
}

/** The relay's VAPID public key (uncompressed P-256), as it keeps it in its data directory. */
export async function relayVapidKey (relay: RelayFixture): Promise<Uint8Array> {
  const stored = JSON.parse(await readFile(join(relay.dataDir, 'push-vapid.json'), 'utf8')) as { publicKey: string }
  return new Uint8Array(Buffer.from(stored.publicKey, 'base64url'))
}

export interface ShownNotification { title: string, body: string, tag: string, data: unknown }

/** The notifications the origin's service worker shows now, read from `page` (a page of the origin). */
export async function notificationsShown (page: Page): Promise<ShownNotification[]> {
  return await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration('/')
    const shown = await registration?.getNotifications() ?? []
    return shown.map(n => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown }))
  })
}
