/**
 * The browser's Web Push as the tab uses it (Settings → Notifications → "When
 * Parley is closed"), behind a small interface so state managers can be
 * tested without a browser. Whether push works here is decided by what the
 * browser has (PushManager, a service worker, notifications), never by its
 * name: iOS Safari has PushManager only in a web app added to the Home
 * Screen, and this says no elsewhere.
 */

/** What a browser subscription holds that the node needs (lib/contract `setPushSubscription`). */
export interface BrowserPushSubscription {
  endpoint: string
  /** the subscription's P-256 public key, uncompressed (65 bytes) */
  p256dh: Uint8Array
  /** its authentication secret (16 bytes) */
  auth: Uint8Array
  /** the applicationServerKey it was made with, where the browser says */
  applicationServerKey: Uint8Array | null
}

export interface PushBrowser {
  /** PushManager, service workers and notifications exist here */
  readonly supported: boolean
  permission(): NotificationPermission
  /** asks the person (call from a click) */
  requestPermission(): Promise<NotificationPermission>
  /** the subscription the service worker's registration holds: null when none, undefined when there is no registration to ask */
  current(): Promise<BrowserPushSubscription | null | undefined>
  /** subscribes the service worker's registration (`userVisibleOnly`, with `applicationServerKey`) */
  subscribe(applicationServerKey: Uint8Array): Promise<BrowserPushSubscription>
  /** unsubscribes the registration's subscription, if it holds one */
  unsubscribe(): Promise<void>
}

/** The page has no service worker to subscribe (a development build, or one not registered yet). */
export class NoServiceWorkerError extends Error {
  override name = 'NoServiceWorkerError'
}

const bytes = (buffer: ArrayBuffer | null): Uint8Array => buffer === null ? new Uint8Array() : new Uint8Array(buffer)

function fromSubscription (subscription: PushSubscription): BrowserPushSubscription {
  const key = subscription.options.applicationServerKey
  return {
    endpoint: subscription.endpoint,
    p256dh: bytes(subscription.getKey('p256dh')),
    auth: bytes(subscription.getKey('auth')),
    applicationServerKey: key === null ? null : new Uint8Array(key)
  }
}

async function registration (): Promise<ServiceWorkerRegistration> {
  const found = await navigator.serviceWorker.getRegistration()
  if (found === undefined) throw new NoServiceWorkerError('this page has no service worker')
  // subscribing needs an active worker: a registration still installing becomes one
  return found.active === null ? navigator.serviceWorker.ready : found
}

/** This browser's Web Push. */
export function browserPush (): PushBrowser {
  const supported = typeof window !== 'undefined' && 'PushManager' in window &&
    typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof Notification !== 'undefined'
  return {
    supported,
    permission: () => supported ? Notification.permission : 'denied',
    requestPermission: async () => Notification.requestPermission(),
    current: async () => {
      const found = await navigator.serviceWorker.getRegistration()
      if (found === undefined) return undefined
      const subscription = await found.pushManager.getSubscription()
      return subscription === null ? null : fromSubscription(subscription)
    },
    subscribe: async (applicationServerKey) => {
      const { pushManager } = await registration()
      const key = new Uint8Array(applicationServerKey)
      return fromSubscription(await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }))
    },
    unsubscribe: async () => {
      const found = await navigator.serviceWorker.getRegistration()
      await (await found?.pushManager.getSubscription())?.unsubscribe()
    }
  }
}
