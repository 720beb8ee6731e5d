/**
 * Web Push in a real browser (tests/e2e/push.spec.ts): a Firefox whose push
 * client speaks to the tests' push service, the relay's VAPID key, a page's
 * subscription handed to its node, and the notifications its service worker
 * shows, read from a page of the origin that is not the app.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { firefoxLaunchOptions } from '../../support/browsers.ts'
import type { Browser, BrowserType, Page } from '@playwright/test'
import type { RelayFixture } from '../fixtures.ts'

const DIST_ASSETS = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'dist', 'assets')

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

/** The built node worker's URL path: the page connects to the running SharedWorker by it (and its name). */
async function nodeWorkerPath (): Promise<string> {
  const file = (await readdir(DIST_ASSETS)).find(f => /^node\.worker-[\w-]+\.js$/.test(f))
  if (file === undefined) throw new Error(`no node worker in ${DIST_ASSETS}: build the app first`)
  return `/assets/${file}`
}

export interface PageSubscription { endpoint: string, p256dh: number[], auth: number[] }

/** `PushManager.subscribe` in `page`, with `key` as the applicationServerKey. */
export async function subscribe (page: Page, key: Uint8Array): Promise<PageSubscription> {
  return await page.evaluate(async (applicationServerKey) => {
    const registration = await navigator.serviceWorker.ready
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: new Uint8Array(applicationServerKey) })
    const bytes = (name: PushEncryptionKeyName): number[] => [...new Uint8Array(subscription.getKey(name) ?? new ArrayBuffer(0))]
    return { endpoint: subscription.endpoint, p256dh: bytes('p256dh'), auth: bytes('auth') }
  }, [...key])
}

/**
 * Hands the page's node the subscription (the contract's `setPushSubscription`),
 * as the tab does: over a port of the running node worker, in the tab's RPC
 * (lib/rpc/protocol.ts). Resolves the node's push status.
 */
export async function setPushSubscription (page: Page, subscription: PageSubscription, key: Uint8Array): Promise<{ relays: Array<{ state: string }> }> {
  const workerPath = await nodeWorkerPath()
  return await page.evaluate(async ({ workerPath, subscription, key }) => {
    const port = new SharedWorker(workerPath, { type: 'module', name: 'parley-node' }).port
    const params = { endpoint: subscription.endpoint, p256dh: new Uint8Array(subscription.p256dh), auth: new Uint8Array(subscription.auth), applicationServerKey: new Uint8Array(key) }
    try {
      return await new Promise<{ relays: Array<{ state: string }> }>((resolve, reject) => {
        port.onmessage = (event: MessageEvent<{ type?: string, id?: number, ok?: boolean, result?: { relays: Array<{ state: string }> }, error?: { message?: string } }>) => {
          const reply = event.data
          if (reply.type !== 'result' || reply.id !== 1) return
          if (reply.ok === true && reply.result !== undefined) resolve(reply.result)
          else reject(new Error(reply.error?.message ?? 'setPushSubscription failed'))
        }
        port.start()
        port.postMessage({ type: 'arrive' })
        port.postMessage({ type: 'call', id: 1, method: 'setPushSubscription', params })
      })
    } finally {
      port.postMessage({ type: 'leave' })
      port.close()
    }
  }, { workerPath, subscription, key: [...key] })
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
