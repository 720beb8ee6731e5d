/**
 * Parley's service worker (vite-plugin-pwa `injectManifest`: the build fills
 * workbox's manifest placeholder, below, with the app shell; named once in
 * this file, comments included, or a build that keeps them, `--minify false`,
 * fails).
 *
 * - Precaches the app shell (html, js, css, icons, the QR reader's wasm) so
 *   the installed app opens with no network; every navigation falls back to
 *   index.html. `/config.json` is never cached: it is asked of the server every
 *   time, so an edited config takes effect at once.
 * - Installs only a version it verified (issue 61, lib/pwa/release-guard.ts):
 *   the release's manifest signed by the pinned release key (or a key it
 *   endorsed) and listing this worker's files, each file fetched with its
 *   SHA-256. A version refused is not installed: the running one stays, and
 *   every open page is told why (RELEASE_REFUSED_MESSAGE, and the `refused`
 *   record of lib/pwa/release-store.ts).
 * - Updates wait: a new version activates only when a tab asks
 *   ({ type: 'SKIP_WAITING' }, the "A new version is ready" banner's Reload).
 * - Share target: the share sheet's POST to /share-target is stored as the one
 *   pending share (lib/pwa/pending-share.ts) and answered with a 303 to #/share.
 * - Web Push from a relay (issue 59): one notification, "3 new messages", or
 *   with "Show names in notifications" the names of the chats the push's
 *   hints say (opened with this device's notification key, read from
 *   IndexedDB, never written: lib/pwa/push-names.ts), unless a Parley page
 *   is on screen (lib/pwa/push-notice.ts).
 * - Notification clicks focus a Parley tab and open the notification's chat
 *   there (or open a new tab; a push's notification opens its one chat, or
 *   the chats list); the page's node then drains the mailbox.
 */
/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import { PrecacheController, PrecacheRoute, cleanupOutdatedCaches } from 'workbox-precaching'
import type { PrecacheEntry } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { readShareForm, savePendingShare } from './lib/pwa/pending-share.ts'
import { APP_DB_NAME, openNoticeBook } from './lib/pwa/push-names.ts'
import { showPushNotice } from './lib/pwa/push-notice.ts'
import { readLocaleForWorker } from './lib/pwa/sw-locale.ts'
import { NAVIGATE_MESSAGE, RELEASE_REFUSED_MESSAGE, SHARE_TARGET_ACTION, SKIP_WAITING_MESSAGE, isNotificationData } from './lib/pwa/protocol.ts'
import { fetchOffer, fileMismatch, judgeOffer, precacheHashMap } from './lib/pwa/release-guard.ts'
import type { Refusal } from './lib/pwa/release-guard.ts'
import { cacheReleaseStore } from './lib/pwa/release-store.ts'

declare let self: ServiceWorkerGlobalScope

/** The screen a share lands on. */
const SHARE_SCREEN = '/#/share'

/** How long the release's manifest and signature, or a file fetched again, may take to come. */
const FETCH_TIMEOUT_MS = 30_000

/** The build's precache list, each file with its SHA-256 (scripts/lib/precache-hashes.ts). */
const ENTRIES = self.__WB_MANIFEST as Array<PrecacheEntry | string>
const HASHES = precacheHashMap(ENTRIES as Array<string | { url: string, sha256?: unknown }>)
const releases = cacheReleaseStore(self.caches, self.location.origin)

/** A fetched file that is not this version's: the install fails and says which. */
class FileMismatch extends Error {
  constructor (readonly path: string, message: string) {
    super(message)
  }
}

const precache = new PrecacheController({
  plugins: [{
    // every file the precache fetches (installing, or a cache miss later) is checked against its hash
    fetchDidSucceed: async ({ request, response }) => {
      if (!response.ok) return response
      const path = new URL(request.url).pathname.replace(/^\//, '')
      if (await fileMismatch(path, await response.clone().arrayBuffer(), HASHES) === undefined) return response
      // the browser's HTTP cache may hold a file a server changed earlier (files with hashed names
      // are cached for a year, and workbox asks for them through that cache): ask the server itself
      const fresh = await fetch(request.url, { cache: 'reload', credentials: 'same-origin', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
      const mismatch = fresh.ok ? await fileMismatch(path, await fresh.clone().arrayBuffer(), HASHES) : `${path}: HTTP ${fresh.status}`
      if (mismatch !== undefined) throw new FileMismatch(path, mismatch)
      return fresh
    }
  }]
})
// workbox's own entries, without the hashes it does not know
precache.addToCacheList(ENTRIES.map(e => typeof e === 'string' ? e : { url: e.url, revision: e.revision ?? null }))
registerRoute(new PrecacheRoute(precache))
cleanupOutdatedCaches()

/** Remembers why a version was not installed and tells every open page. */
async function refuse (refusal: Omit<Refusal, 'at'>): Promise<void> {
  const record: Refusal = { ...refusal, at: Date.now() }
  console.error('parley sw: this version was not installed:', record.detail)
  await releases.put('refused', record)
  for (const page of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
    page.postMessage({ type: RELEASE_REFUSED_MESSAGE, refusal: record })
  }
}

/** Verifies this version (lib/pwa/release-guard.ts), precaches its files, then records it and its key. */
async function installVerified (event: ExtendableEvent): Promise<void> {
  const pin = await releases.get('pin')
  const offer = await fetchOffer(async (name, signal) => fetch(new URL(name, self.registration.scope), { cache: 'no-store', signal }), AbortSignal.timeout(FETCH_TIMEOUT_MS))
  const judgement = judgeOffer(offer, pin?.key, HASHES)
  if (!judgement.ok) {
    await refuse(judgement.refusal)
    throw new Error(judgement.refusal.detail)
  }
  const { release } = judgement
  try {
    await precache.install(event)
  } catch (err) {
    if (err instanceof FileMismatch) await refuse({ reason: 'file', detail: err.message, file: err.path, ...(release.signed ? { version: release.version } : {}) })
    throw err
  }
  if (release.signed) await releases.put('pin', { key: release.key, fingerprint: release.fingerprint })
  await releases.put('waiting', release)
  await releases.delete('refused')
}

self.addEventListener('install', (event) => {
  event.waitUntil(installVerified(event))
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    await precache.activate(event)
    const waiting = await releases.get('waiting')
    if (waiting !== undefined) await releases.put('active', waiting)
  })())
})

// the first install takes the open tabs at once (so one online visit is enough to work offline);
// later versions wait for the page's SKIP_WAITING, then take the tabs when they activate
clientsClaim()

self.addEventListener('message', (event) => {
  const data: unknown = event.data
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === SKIP_WAITING_MESSAGE) {
    void self.skipWaiting()
  }
})

// /config.json has no route: the page's own fetch always asks the server (nothing is stored, so an
// edited config takes effect at once), and offline it fails in the page, which falls back to the
// config it kept. (A NetworkOnly route here made every offline load a rejected respondWith(),
// which Firefox logs as an error.)

registerRoute(new NavigationRoute(precache.createHandlerBoundToURL('index.html'), {
  denylist: [/^\/config\.json$/, /^\/share-target/]
}))

/** Stores the shared form as the pending share, then sends the tab to the share screen. */
async function handleShare (request: Request): Promise<Response> {
  let stored = false
  try {
    const { meta, files } = readShareForm(await request.formData())
    await savePendingShare(self.caches, meta, files)
    stored = true
  } catch (err) {
    console.error('parley sw: could not store a share', err)
  }
  if (!stored) {
    // the screen then says so: a share whose form could not be read
    await savePendingShare(self.caches, { at: Date.now(), title: '', text: '', url: '', files: [], problem: 'unreadable' }, [])
      .catch((err: unknown) => { console.error('parley sw: could not store a share', err) })
  }
  return Response.redirect(new URL(SHARE_SCREEN, self.location.origin).href, 303)
}

registerRoute(
  ({ url, request }) => url.origin === self.location.origin && url.pathname === SHARE_TARGET_ACTION && request.method === 'POST',
  async ({ request }) => handleShare(request),
  'POST'
)

self.addEventListener('push', (event) => {
  const plaintext = event.data === null ? undefined : new Uint8Array(event.data.arrayBuffer())
  const badge = self.navigator.setAppBadge
  event.waitUntil(showPushNotice({
    windows: async () => self.clients.matchAll({ type: 'window', includeUncontrolled: true }),
    registration: self.registration,
    origin: self.location.origin,
    locale: async () => readLocaleForWorker(self.caches, self.navigator.languages),
    book: async () => openNoticeBook(self.indexedDB, APP_DB_NAME),
    ...(typeof badge === 'function' ? { setBadge: async (count: number) => { await badge.call(self.navigator, count) } } : {})
  }, plaintext).catch((err: unknown) => { console.error('parley sw: could not show a push', err) }))
})

/** Focuses a Parley tab (the focused or most recently used one) and shows `href` there, else opens one. */
async function openChat (href: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  const inScope = windows.filter(c => new URL(c.url).origin === self.location.origin)
  // matchAll lists the most recently focused first
  const target = inScope.find(c => c.focused) ?? inScope[0]
  const url = new URL(`/${href}`, self.location.origin).href
  if (target === undefined) {
    await self.clients.openWindow(url)
    return
  }
  const focused = await target.focus()
  focused.postMessage({ type: NAVIGATE_MESSAGE, href })
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const data: unknown = event.notification.data
  const href = isNotificationData(data) ? data.href : '#/'
  event.waitUntil(openChat(href))
})
