/**
 * Web Push when Parley is closed (issue 59): the service worker's one
 * notification with nothing readable but the count (src/lib/pwa/push-notice.ts).
 *
 * - Firefox, for real: Bob's Firefox subscribes at the tests' push service
 *   (it speaks Firefox's push protocol, tests/support/autopush.ts) when he
 *   turns on Settings → Notifications → "When Parley is closed" (the key is
 *   the one his relay announces), his node registers the subscription with
 *   the relay, he closes Parley; Alice's message makes the relay push (RFC 8030/8291/8292
 *   through the service), Firefox decrypts it, acknowledges it, and the
 *   service worker shows "1 new message" (its push has no hint: Bob's
 *   notification key, made while he was connected, goes to Alice's device on
 *   the next connection). Opening Parley shows the message and closes the
 *   notification, and Alice's device takes the key. With Parley open, a
 *   message arrives as usual, and a push that reaches the service worker
 *   then (one the push service held while Bob was away) shows nothing; the
 *   next push once Parley is closed again counts only its own message, and
 *   its hint names Alice's chat (names off: the count, her chat on a
 *   click). How soon the notification comes (the "within 5 s of the
 *   relay storing the item") is a figure, push_deposit_to_notification_ms
 *   (tests/bench/push.ts), not an assertion here: a time depends on the
 *   machine. Firefox closes a notification when its alert ends, 20 s after
 *   it was shown (tests/e2e/helpers/push.ts): a wait for one that is longer
 *   than that ends on "none shown" whatever it waited for.
 * - Chromium: no push service is reachable offline, so the payload comes
 *   through Chromium's own push event (DevTools' ServiceWorker.deliverPushMessage):
 *   Bob (prepared with Alice as his contact) has a notification key (written
 *   into his database as prepared state); a push whose hint is sealed to it
 *   for Alice's chat shows the count with names off and "Alice" with names
 *   on, two pushes make one notification with their counts added (one
 *   without a hint: the chats list), and the chat its data names opens at
 *   Alice's chat, closing the notification.
 */
import { toBase64Url } from '@parley/protocol/base64'
import { makeNotifyKeyPair, sealHint } from '@parley/protocol/push/hint'
import { encodePushPayloadV2 } from '@parley/protocol/push/payload'
import { TestPushService } from '../support/push-service.ts'
import { newPerson } from '../support/person.ts'
import { expect, test } from './fixtures.ts'
import { expectOnline, message, nav, openChat, send } from './helpers/parley.ts'
import { holdsNotifyKey, launchPushFirefox, notificationsShown, relayVapidKey } from './helpers/push.ts'

const PUSH_TAG = 'parley-push'
// a shorter coalescing window than the default 2 s: one message is one item, and the test waits for three pushes
const RELAY_ARGS = ['--push-allow-insecure-loopback', 'on', '--push-coalesce-ms', '500']

// Web Push is the service worker's
test.use({ serviceWorkers: 'allow' })

test.describe('Web Push while Parley is closed', () => {
  test.describe('Firefox', () => {
    // Bob prepared in a Firefox (his stored keys are that browser's), contexts with no colour scheme
    // emulation, which Firefox ESR cannot do (playwright.config.ts, FIREFOX_CONTEXTS)
    test.use({ prepared: 'pair', bobBrowser: 'firefox', relayArgs: RELAY_ARGS, colorScheme: null })

    test('a real subscription: the relay\'s push for Alice\'s message shows one notification with the count only, and none while Parley is open', async ({ playwright, alice, relay, app, preparedPeople, friends }) => {
      const service = await TestPushService.start()
      const firefox = await launchPushFirefox(playwright.firefox, service.serverUrl)
      try {
        const key = await relayVapidKey(relay)
        service.expectVapidKey(key)
        const bob = await newPerson(firefox, app.url, { restore: preparedPeople?.snapshots.bob })
        await expectOnline(bob.page)

        // Bob turns it on in Settings: the permission (granted by the launcher's prefs), the key his
        // relay announces (KEY), Firefox subscribing for real at the push service, the node registering it
        await nav(bob.page).getByRole('link', { name: 'Settings' }).click()
        // the switch shows the manager's state, not the click: it turns on once the browser subscribed
        const toggle = bob.page.getByRole('checkbox', { name: 'When Parley is closed' })
        await toggle.click()
        await expect(bob.page.locator('#closed-push-status')).toHaveText('On: your relay wakes this browser (1 of 1).', { timeout: 30_000 })
        await expect(toggle).toBeChecked()
        await expect(bob.page.getByRole('list', { name: 'Your relays' })).toContainText('wakes this browser')
        expect(service.browsers.deliveries).toEqual([])

        // Parley closed: a page of the origin that is not the app stays, to read the notifications
        const watcher = await bob.context.newPage()
        await bob.page.close()
        await watcher.goto(new URL('/config.json', app.url).href)
        expect(await notificationsShown(watcher)).toEqual([])

        await send(alice.page, 'wake up, Bob')
        await service.browsers.until(() => service.browsers.deliveries.some(d => d.code !== undefined), 30_000)
        // Firefox decrypted it and gave it to the service worker (101 would be a decryption error)
        expect(service.browsers.deliveries.map(d => d.code)).toEqual([100])
        expect(service.received.map(r => r.problems)).toEqual([[]])
        await expect.poll(async () => notificationsShown(watcher)).toEqual([
          { title: '1 new message', body: '', tag: PUSH_TAG, data: { href: '#/', count: 1, chats: [], unnamed: 1 } }
        ])

        // a second message while Parley is still closed: the relay pushes, and the push service keeps the
        // push, as for a browser that is away (a phone asleep), until Bob has opened Parley
        service.browsers.hold()
        await send(alice.page, 'still there?')
        await service.browsers.until(() => service.browsers.deliveries.length === 2, 30_000)

        // opening Parley: both messages are there, and the notification has said its part
        const reopened = await bob.newTab()
        await expectOnline(reopened)
        await openChat(reopened, 'Alice')
        const aliceChat = new URL(reopened.url()).hash
        await expect(message(reopened, 'wake up, Bob')).toBeVisible()
        await expect(message(reopened, 'still there?')).toBeVisible()
        await expect.poll(async () => notificationsShown(watcher)).toEqual([])

        // with Parley open: a message arrives as usual, and the held push reaches the service worker
        // (Firefox decrypted it and handed it over: 100) and shows nothing
        await send(alice.page, 'now you are here')
        await expect(message(reopened, 'now you are here')).toBeVisible()
        service.browsers.release()
        // every push so far handled while Parley is open: the held one, and one for 'now you are here' when
        // Alice's node deposited it too (it had not yet seen Bob back; CI at 8978c3d saw that push shown, as
        // an unnamed count, once Parley had closed again)
        await service.browsers.until(() => service.browsers.deliveries.length >= 2 && service.browsers.deliveries.every(d => d.code !== undefined), 30_000)
        const whileOpen = service.browsers.deliveries.length
        expect(service.browsers.deliveries.map(d => d.code)).toEqual(Array(whileOpen).fill(100))
        expect(await notificationsShown(watcher)).toEqual([])

        // Bob's notification key (made when he turned push on, while connected) went to Alice's device on
        // this connection: her next deposit carries a hint naming her chat
        await expect.poll(async () => holdsNotifyKey(alice.page, friends.bobPeerId)).toBe(true)

        // Parley closed again: the next push counts one message, so the one that came while Parley was
        // open (handled before it, in order) added nothing; its hint opens with Bob's key and names
        // Alice's chat (names are off: the count alone, her chat on a click)
        await reopened.close()
        await send(alice.page, 'good night')
        await expect.poll(async () => notificationsShown(watcher)).toEqual([
          { title: '1 new message', body: '', tag: PUSH_TAG, data: { href: aliceChat, count: 1, chats: [{ href: aliceChat, name: '' }], unnamed: 0 } }
        ])
        await service.browsers.until(() => service.browsers.deliveries[whileOpen]?.code !== undefined, 30_000)
        expect(service.browsers.deliveries.map(d => d.code)).toEqual(Array(whileOpen + 1).fill(100))
        expect(service.received.map(r => r.problems)).toEqual(Array(whileOpen + 1).fill([]))
        await bob.context.close()
      } finally {
        await firefox.close()
        await service.close()
      }
    })
  })

  // the service worker alone, with Bob's prepared database: no push service, no Alice page
  test.describe('Chromium', () => {
    test.use({ prepared: 'pair' })

    test('a push through DevTools: one notification, the count with names off, "Alice" from its hint with names on, and her chat on opening', async ({ bob, app, relay, friends }) => {
      const origin = new URL(app.url).origin
      await bob.context.grantPermissions(['notifications'], { origin })
      // a push reaches an activated service worker only
      await expect.poll(async () => bob.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe('activated')
      const cdp = await bob.context.newCDPSession(bob.page)
      const registrations: Array<{ registrationId: string, scopeURL: string, isDeleted: boolean }> = []
      cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => { registrations.push(...event.registrations) })
      await cdp.send('ServiceWorker.enable')
      await expect.poll(() => registrations.some(r => r.scopeURL === `${origin}/` && !r.isDeleted)).toBe(true)
      const registrationId = registrations.find(r => r.scopeURL === `${origin}/`)?.registrationId ?? ''

      // prepared state: Bob's notification key (as his node keeps it: settings row 'notify'), names off
      const keys = makeNotifyKeyPair()
      const setNotify = async (names: boolean): Promise<number> => bob.page.evaluate(async ({ alice, row }) => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => { const r = indexedDB.open('parley'); r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
        const done = (req: IDBRequest): Promise<unknown> => new Promise((resolve, reject) => { req.onsuccess = () => { resolve(req.result) }; req.onerror = () => { reject(req.error) } })
        const tx = db.transaction(['settings', 'contacts'], 'readwrite')
        await done(tx.objectStore('settings').put(row))
        const contact = await done(tx.objectStore('contacts').index('peerId').get(alice)) as { id: number }
        db.close()
        return contact.id
      }, { alice: friends.alicePeerId, row: { key: 'notify', secretKey: toBase64Url(keys.secretKey), publicKey: toBase64Url(keys.publicKey), names, updatedAt: Date.now() } })
      const aliceId = await setNotify(false)
      const aliceChat = `#/chat/${aliceId}`

      // Parley closed; this page of the origin is not the app
      await bob.page.goto(new URL('/config.json', app.url).href)
      const relayId = relay.wsMultiaddrs[0]?.split('/p2p/').at(-1) ?? ''
      const fromAlice = (): Uint8Array => sealHint({ kind: 'contact', chat: friends.alicePeerId }, keys.publicKey)
      const deliver = async (items: number, ...hints: Uint8Array[]): Promise<void> => {
        await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: new TextDecoder().decode(encodePushPayloadV2({ relay: relayId, items, hints })) })
      }
      // names off: the count alone, and no name kept; the hint still says which chat
      await deliver(1, fromAlice())
      await expect.poll(async () => notificationsShown(bob.page)).toEqual([
        { title: '1 new message', body: '', tag: PUSH_TAG, data: { href: aliceChat, count: 1, chats: [{ href: aliceChat, name: '' }], unnamed: 0 } }
      ])
      // a second push updates the same notification; without a hint it cannot be told: the chats list
      await deliver(1)
      await expect.poll(async () => notificationsShown(bob.page)).toEqual([
        { title: '2 new messages', body: '', tag: PUSH_TAG, data: { href: '#/', count: 2, chats: [{ href: aliceChat, name: '' }], unnamed: 1 } }
      ])

      // names on, a fresh notification: Alice's name, the count below, her chat on opening
      await bob.page.evaluate(async () => { for (const n of await (await navigator.serviceWorker.ready).getNotifications()) n.close() })
      await setNotify(true)
      await deliver(1, fromAlice())
      await expect.poll(async () => notificationsShown(bob.page)).toEqual([
        { title: 'Alice', body: '1 new message', tag: PUSH_TAG, data: { href: aliceChat, count: 1, chats: [{ href: aliceChat, name: 'Alice' }], unnamed: 0 } }
      ])
      await cdp.detach()
      // what its click opens (the service worker's notificationclick shows data.href): Alice's chat,
      // and the app on screen closes the notification
      const [shown] = await notificationsShown(bob.page)
      const href = (shown?.data as { href?: string } | undefined)?.href ?? ''
      await bob.page.goto(new URL(`/${href}`, app.url).href)
      await expect(bob.page.getByRole('heading', { name: 'Alice' })).toBeVisible()
      await expect.poll(async () => notificationsShown(bob.page)).toEqual([])
    })
  })
})
