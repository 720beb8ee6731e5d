/**
 * Web Push figures of `npm run bench` (issue 59; relay-node/README.md, "Web Push"):
 *
 *   push_deposit_to_notification_ms   Bob's Firefox ESR subscribed for real (Settings → Notifications →
 *                            "When Parley is closed") at the tests' push service, which speaks
 *                            Firefox's push protocol (tests/support/autopush.ts); his Parley closed,
 *                            a page of the origin that is not the app open. A Node client DEPOSITs
 *                            one item for him on his relay-node: the relay's acknowledgement (sent
 *                            once it has stored the item) → the notification his service worker
 *                            shows, as that page's `registration.getNotifications()` sees it
 *                            (counted every NOTICE_POLL_MS, in the page, on the same clock).
 *                            The relay's default coalescing window (2 s: a push waits that long for
 *                            more items) is part of it. Median of NOTICE_SAMPLES
 *   push_sent_per_item_ratio  a burst of BURST_ITEMS items DEPOSITed at once for Bob: pushes the relay
 *                            sent ÷ items, from its /metrics once every item is accounted for (each one
 *                            either started a push or joined one, `parley_push_coalesced_total`);
 *                            median of BURSTS bursts
 *   relay_rss_mb_per_1000_push_subscriptions  a relay-node process of its own: (its RSS with
 *                            RSS_SUBSCRIPTIONS registered − its RSS before) ÷ RSS_SUBSCRIPTIONS × 1000.
 *                            Each registration is what a device sends: a signed REGISTER from its own
 *                            PeerID over its own connection, an endpoint of a real push service's
 *                            length, then the device goes. Before the "before" reading, as many
 *                            devices connect, ask KEY and go, so that what connecting costs the
 *                            relay is in both readings and the difference is the subscriptions'.
 *                            All from 127.0.0.1: `--connection-rate-per-ip` is lifted
 *
 * The first two run against a relay with `--push-per-minute 60` (the most it takes; the default 6 would
 * hold back the later samples: it is a limit, not a delay) and `--push-allow-insecure-loopback on` (the
 * push service is on 127.0.0.1); every other push setting is the default.
 */
import { createECDH, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { firefox } from '@playwright/test'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { encodePushRequest } from '@parley/protocol/push/codec'
import { pushKeyRequest, pushRequest } from '@parley/protocol/push/client'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { nav, onboard, readInvite } from '../e2e/helpers/parley.ts'
import { launchPushFirefox, relayVapidKey } from '../e2e/helpers/push.ts'
import { TestPushService } from '../support/push-service.ts'
import { startRelayFixture } from '../support/relay.ts'
import { median, print } from './lib.ts'
import { REQUEST_TIMEOUT_MS, mailboxClient, metric, withTimeout } from './mailbox-lib.ts'
import type { MailboxClient } from './mailbox-lib.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { Page } from '@playwright/test'

const NOTICE_SAMPLES = 10
const NOTICE_POLL_MS = 5
const NOTICE_TIMEOUT_MS = 30_000
const BURSTS = 3
const BURST_ITEMS = 20
const RSS_SUBSCRIPTIONS = 1500
/** Devices registering at once (each its own libp2p node and connection). */
const RSS_CONCURRENCY = 16
/** After the last device went, before RSS is read: the relay's timers and the connections' ends settle. */
const RSS_SETTLE_MS = 5_000
const ACCOUNTED_TIMEOUT_MS = 30_000
const POLL_MS = 50
const PUSH_ARGS = ['--metrics-port', '0', '--push-allow-insecure-loopback', 'on', '--push-per-minute', '60']

const detail = (text: string): void => { console.error(`push: ${text}`) }
const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Waits in `page` (a page of the origin) until its service worker shows a notification; resolves Date.now() then, with the titles. */
async function whenShown (page: Page): Promise<{ at: number, titles: string[] }> {
  const shown = await page.evaluate(async ({ pollMs, timeoutMs }) => {
    const registration = await navigator.serviceWorker.getRegistration('/')
    if (registration === undefined) return null
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const notifications = await registration.getNotifications()
      if (notifications.length > 0) return { at: Date.now(), titles: notifications.map(n => n.title) }
      if (Date.now() > deadline) return null
      await new Promise(resolve => setTimeout(resolve, pollMs))
    }
  }, { pollMs: NOTICE_POLL_MS, timeoutMs: NOTICE_TIMEOUT_MS })
  if (shown === null) throw new Error(`no notification within ${NOTICE_TIMEOUT_MS} ms (or no service worker)`)
  return shown
}

/** Closes every notification the origin's service worker shows, as reading them would. */
async function closeAll (page: Page): Promise<void> {
  const left = await page.evaluate(async ({ pollMs, timeoutMs }) => {
    const registration = await navigator.serviceWorker.getRegistration('/')
    for (const n of await registration?.getNotifications() ?? []) n.close()
    // close() takes effect a moment later
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const left = (await registration?.getNotifications() ?? []).length
      if (left === 0 || Date.now() > deadline) return left
      await new Promise(resolve => setTimeout(resolve, pollMs))
    }
  }, { pollMs: NOTICE_POLL_MS, timeoutMs: NOTICE_TIMEOUT_MS })
  if (left !== 0) throw new Error(`${left} notifications still shown ${NOTICE_TIMEOUT_MS} ms after closing them`)
}

/** One item for `recipient` (a multihash), DEPOSITed; resolves Date.now() at the relay's acknowledgement. */
async function deposit (client: MailboxClient, recipient: Uint8Array): Promise<number> {
  await mailboxRequest(client.connection, { op: 'deposit', id: randomBytes(16), recipient, item: randomBytes(600) }, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  return Date.now()
}

/** Polls `check` until it is true; throws after `timeoutMs`. */
async function until (check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(POLL_MS) // a polling interval, not a wait for a condition
  }
}

/** push_deposit_to_notification_ms and push_sent_per_item_ratio: Firefox, the real push protocol, the tests' push service. */
export async function benchPushNotification (): Promise<void> {
  const service = await TestPushService.start()
  const relay = await startRelayFixture({ webrtcDirectPort: 'off', extraArgs: PUSH_ARGS, dataDirPrefix: 'parley-bench-push-' })
  const app = await startStaticServer({ config: { relays: relay.wsMultiaddrs, iceServers: [] } })
  const browser = await launchPushFirefox(firefox, service.serverUrl)
  let client: MailboxClient | undefined
  try {
    service.expectVapidKey(await relayVapidKey(relay))
    const opsUrl = relay.process.opsUrl ?? ''
    const context = await browser.newContext({ colorScheme: null })
    const page = await context.newPage()
    await page.goto(app.url)
    await onboard(page, 'Bob')
    const { peerId } = await readInvite(page)
    await nav(page).getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('checkbox', { name: 'When Parley is closed' }).click()
    await page.locator('#closed-push-status').filter({ hasText: 'On: your relay wakes this browser (1 of 1).' }).waitFor({ timeout: 30_000 })

    // Parley closed (its node goes with the page); a page of the origin that is not the app stays
    const watcher = await context.newPage()
    await watcher.goto(new URL('/config.json', app.url).href)
    await page.close()
    await until(async () => (await metric(opsUrl, 'parley_relay_connections')) === 0, 'Bob\'s node to leave the relay', NOTICE_TIMEOUT_MS)

    const recipient = peerIdFromString(peerId).toMultihash().bytes
    client = await mailboxClient(relay.wsMultiaddrs[0] ?? '')
    const samples: number[] = []
    for (let i = 0; i < NOTICE_SAMPLES; i++) {
      const shown = whenShown(watcher)
      const stored = await deposit(client, recipient)
      const { at, titles } = await shown
      if (titles.join() !== '1 new message') throw new Error(`the notification says ${titles.join(' | ')}`)
      samples.push(at - stored)
      await closeAll(watcher)
    }
    const posts = service.received.length
    const acks = service.browsers.deliveries.filter(d => d.code === 100).length
    if (posts !== NOTICE_SAMPLES || acks !== NOTICE_SAMPLES) throw new Error(`${posts} pushes POSTed and ${acks} delivered for ${NOTICE_SAMPLES} items`)
    detail(`deposit → notification ${samples.map(s => s.toFixed(0)).join(', ')} ms`)
    print('push_deposit_to_notification_ms', median(samples), 'ms')

    const ratios: number[] = []
    for (let b = 0; b < BURSTS; b++) {
      const sent0 = await metric(opsUrl, 'parley_push_sent_total')
      const coalesced0 = await metric(opsUrl, 'parley_push_coalesced_total')
      const shown = whenShown(watcher)
      await Promise.all(Array.from({ length: BURST_ITEMS }, async () => deposit(client as MailboxClient, recipient)))
      const { titles } = await shown
      let sent = 0
      await until(async () => {
        sent = (await metric(opsUrl, 'parley_push_sent_total')) - sent0
        return sent + (await metric(opsUrl, 'parley_push_coalesced_total')) - coalesced0 >= BURST_ITEMS
      }, `every item of burst ${b + 1} in a push`, ACCOUNTED_TIMEOUT_MS)
      detail(`burst ${b + 1}: ${sent} pushes for ${BURST_ITEMS} items; the notification says ${titles.join(' | ')}`)
      ratios.push(sent / BURST_ITEMS)
      await closeAll(watcher)
    }
    print('push_sent_per_item_ratio', median(ratios), '', 3)
    await context.close()
  } finally {
    await client?.stop()
    await browser.close()
    await app.close()
    await relay.close()
    await service.close()
  }
}

function rssMb (pid: number): number {
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for process ${pid}`)
  return kib / 1024
}

/** `count` devices, RSS_CONCURRENCY at once, each connecting with a key of its own, doing `work`, and going. */
async function devices (relayAddr: string, count: number, work: (client: MailboxClient, key: Ed25519PrivateKey) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: RSS_CONCURRENCY }, async () => {
    while (next < count) {
      next++
      const key = await generateKeyPair('Ed25519')
      const client = await mailboxClient(relayAddr, key)
      try {
        await withTimeout(work(client, key), REQUEST_TIMEOUT_MS, 'a device\'s push request')
      } finally {
        await client.stop()
      }
    }
  }))
}

/** An endpoint as long as a real push service's (FCM's are 188 characters), on a name the relay admits. */
const endpoint = (): string => `https://fcm.googleapis.com/fcm/send/${randomBytes(114).toString('base64url')}`

/** relay_rss_mb_per_1000_push_subscriptions: a relay-node of its own, RSS_SUBSCRIPTIONS devices registering. */
export async function benchPushRss (): Promise<void> {
  // every device connects from 127.0.0.1: the rate of new connections per IP (20 a second) is lifted, as in relay.ts
  const relay = await startRelayFixture({ webrtcDirectPort: 'off', extraArgs: ['--metrics-port', '0', '--connection-rate-per-ip', '1000000'], dataDirPrefix: 'parley-bench-push-rss-' })
  try {
    const opsUrl = relay.process.opsUrl ?? ''
    const relayAddr = relay.wsMultiaddrs[0] ?? ''
    const relayMultihash = peerIdFromString(relay.process.peerId).toMultihash().bytes
    // the same connections and requests without a subscription: connecting's cost is in both readings
    await devices(relayAddr, RSS_SUBSCRIPTIONS, async (client) => { await pushKeyRequest(client.connection) })
    await sleep(RSS_SETTLE_MS) // the figure is defined as RSS once the devices went and the relay settled
    const before = rssMb(relay.process.pid)
    const started = Date.now()
    await devices(relayAddr, RSS_SUBSCRIPTIONS, async (client, key) => {
      const ecdh = createECDH('prime256v1')
      ecdh.generateKeys()
      const fields = {
        op: 'register' as const,
        time: Date.now(),
        nonce: randomBytes(16),
        relay: relayMultihash,
        subject: client.node.peerId.toMultihash().bytes,
        endpoint: endpoint(),
        p256dh: new Uint8Array(ecdh.getPublicKey()),
        auth: randomBytes(16)
      }
      await pushRequest(client.connection, { op: 'register', frame: await encodePushRequest(fields, async bytes => key.sign(bytes)) })
    })
    const registeredMs = Date.now() - started
    await sleep(RSS_SETTLE_MS) // as for `before`
    const after = rssMb(relay.process.pid)
    const held = await metric(opsUrl, 'parley_push_subscriptions')
    if (held !== RSS_SUBSCRIPTIONS) throw new Error(`the relay holds ${held} subscriptions, not ${RSS_SUBSCRIPTIONS}`)
    detail(`relay RSS ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB with ${held} subscriptions (registered in ${(registeredMs / 1000).toFixed(1)} s)`)
    print('relay_rss_mb_per_1000_push_subscriptions', (after - before) / held * 1000, 'MB')
  } finally {
    await relay.close()
  }
}
