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
 *
 * Without the system's notifications (`alerts.useSystemBackend`) Firefox
 * shows each in an alert window of its own, which closes itself 20 s later
 * (toolkit's alert.js and alert.css); closing it closes the notification
 * (the service worker's `notificationclose`, gone from `getNotifications()`).
 * So a wait for a notification must end before that: one that polls longer
 * ends on an empty list whatever it waited for, and reads as "none shown".
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

/** Whether the contact `peerId` in `page`'s database (a person's app) gave a notification key (db/notify-keys.ts), which hints are sealed to. */
export async function holdsNotifyKey (page: Page, peerId: string): Promise<boolean> {
  return await page.evaluate(async (peerId) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => { const r = indexedDB.open('parley'); r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
    try {
      const row = await new Promise<unknown>((resolve, reject) => {
        const r = db.transaction('contacts', 'readonly').objectStore('contacts').index('peerId').get(peerId)
        r.onsuccess = () => { resolve(r.result) }
        r.onerror = () => { reject(r.error) }
      })
      const keys = (row as { notifyKeys?: Record<string, string> } | undefined)?.notifyKeys
      return keys !== undefined && Object.keys(keys).length > 0
    } finally {
      db.close()
    }
  }, peerId)
}
