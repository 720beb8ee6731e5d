import { test as base } from '@playwright/test'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { BrowserPool, type BrowserName } from '../support/browsers.ts'
import { newPerson, type Person, type PersonDevice, type PersonOptions } from '../support/person.ts'
import { startRelayFixture, type RelayFixture } from '../support/relay.ts'
import { expectOnline, openChat } from './helpers/parley.ts'
import { lastChat, PREPARE_TIMEOUT_MS, Preparer, type PersonName, type PreparedKind, type PreparedPeople } from './prepared.ts'
import type { StaticServer } from '../../scripts/lib/serve.ts'

/**
 * Which of the relay's addresses `/config.json` lists: `'ws'` (the default,
 * what most specs use), `'webrtc-direct'` only, or `'both'` (WebSocket first).
 * Set per file or describe block with `test.use({ relayTransports: … })`.
 */
export type RelayTransports = 'ws' | 'webrtc-direct' | 'both'

export function relayAddresses (relay: Pick<RelayFixture, 'wsMultiaddrs' | 'webrtcDirectMultiaddrs'>, transports: RelayTransports): string[] {
  switch (transports) {
    case 'ws': return relay.wsMultiaddrs
    case 'webrtc-direct': return relay.webrtcDirectMultiaddrs
    case 'both': return [...relay.wsMultiaddrs, ...relay.webrtcDirectMultiaddrs]
  }
}

export interface Fixtures {
  relayTransports: RelayTransports
  /** how many relay-nodes the test runs (all listed in `/config.json`); set with `test.use({ relayCount: 2 })` */
  relayCount: number
  /**
   * How many of {@link relays} (the first ones) `/config.json` lists; the
   * default, 'all', lists every one. The others run, unknown to the app, for
   * tests that add a relay by hand: `test.use({ relayCount: 2, servedRelays: 1 })`.
   */
  servedRelays: number | 'all'
  /**
   * How long calls ring in this test's app, in ms (`testRingTimeoutMs` in
   * `/config.json`, kept by the app on loopback only); default the real ring
   * time. For tests that wait out a ring: `test.use({ ringTimeoutMs: 8_000 })`.
   */
  ringTimeoutMs: number | undefined
  /** start the relay-nodes with `/metrics` and `/healthz` (their `process.opsUrl`); default false */
  relayMetrics: boolean
  /** more relay-node flags, e.g. `['--circuit-data-bytes', '4194304']`; default none */
  relayArgs: string[]
  /** the relay-nodes started for this test */
  relays: RelayFixture[]
  /** the first of {@link relays} */
  relay: RelayFixture
  /** the built app (dist/) served with `/config.json` naming the relay (see {@link RelayTransports}) */
  app: StaticServer
  alice: Person
  bob: Person
  /** a third person, for tests that need one */
  carol: Person
  /**
   * Bob's browser when it is not the project's: the cross-browser project
   * (playwright.config.ts) sets `'firefox'` beside its Chromium Alice.
   */
  bobBrowser: BrowserName | undefined
  /**
   * false: Bob's browser gathers no loopback ICE candidates, so his chats stay
   * relayed (a context without the media permission in Chromium, a Firefox of
   * its own in Firefox: tests/support/browsers.ts). Default true.
   */
  bobWebrtc: boolean
  /**
   * Start from people already onboarded and befriended (tests/e2e/prepared.ts):
   * `'pair'`, Alice and Bob; `'trio'`, Carol too, Alice's contact. Each is
   * online and in the chat befriending left them in (Alice with Bob, or with
   * Carol in a trio; Bob and Carol with Alice). Default none: people start at
   * the welcome screen. Set with `test.use({ prepared: 'pair' })`.
   */
  prepared: PreparedKind | undefined
  /** the prepared people of {@link prepared}, made once per worker */
  preparedPeople: PreparedPeople | undefined
  /** the prepared people's PeerIDs (needs {@link prepared}) */
  friends: { alicePeerId: string, bobPeerId: string, carolPeerId: string | undefined }
}

export interface WorkerFixtures {
  /** browsers beyond the project's own, launched when a person needs one */
  browserPool: BrowserPool
  /** makes the prepared people once per worker */
  preparer: Preparer
}

/** A person: fresh, or prepared (their storage loaded before the app starts, then online and in their chat). */
async function personFor (browser: Parameters<typeof newPerson>[0], url: string, options: Pick<PersonOptions, 'webrtc' | 'device' | 'serviceWorkers'>, who: PersonName, prepared: PreparedPeople | undefined): Promise<Person> {
  // one not among the prepared people (Carol beside a pair) starts fresh, at the welcome screen
  const restore = prepared?.snapshots[who]
  const made = await newPerson(browser, url, { ...options, restore })
  if (prepared !== undefined && restore !== undefined) {
    await expectOnline(made.page)
    await openChat(made.page, lastChat(prepared.kind, who))
  }
  return made
}

/**
 * A phone for every person when the test says `test.use({ isMobile: true,
 * hasTouch: true, viewport: { width: 360, height: 780 } })` (Playwright's own
 * options; `isMobile` is Chromium's); otherwise Playwright's desktop context.
 */
function deviceOf (isMobile: boolean, hasTouch: boolean, viewport: PersonDevice['viewport']): PersonDevice | undefined {
  return isMobile ? { isMobile, hasTouch, viewport } : undefined
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  bobBrowser: [undefined, { option: true }],
  bobWebrtc: [true, { option: true }],

  browserPool: [async ({ playwright }, use) => {
    const pool = new BrowserPool({ chromium: playwright.chromium, firefox: playwright.firefox })
    await use(pool)
    await pool.close()
  }, { scope: 'worker' }],

  preparer: [async ({}, use) => {
    const preparer = new Preparer()
    await use(preparer)
    await preparer.close()
  }, { scope: 'worker' }],

  prepared: [undefined, { option: true }],

  preparedPeople: async ({ prepared, preparer, browser, bobBrowser, browserPool }, use, testInfo) => {
    if (prepared === undefined) {
      await use(undefined)
      return
    }
    // made in the browsers the test runs them in (Bob's WebRTC switch does not matter to what he stores)
    const name = bobBrowser ?? browser.browserType().name() as BrowserName
    const browsers = { alice: browser, bob: await browserPool.forPerson(browser, { name, webrtc: true }), carol: browser }
    if (preparer.isNew(prepared, browsers)) testInfo.setTimeout(testInfo.timeout + PREPARE_TIMEOUT_MS)
    await use(await preparer.get(prepared, browsers))
  },

  friends: async ({ preparedPeople }, use) => {
    const { alice, bob, carol } = preparedPeople?.peerIds ?? {}
    if (alice === undefined || bob === undefined) throw new Error("friends needs prepared people: test.use({ prepared: 'pair' })")
    await use({ alicePeerId: alice, bobPeerId: bob, carolPeerId: carol })
  },

  relayTransports: ['ws', { option: true }],
  relayCount: [1, { option: true }],
  servedRelays: ['all', { option: true }],
  relayMetrics: [false, { option: true }],
  relayArgs: [[], { option: true }],
  ringTimeoutMs: [undefined, { option: true }],

  relays: async ({ relayCount, relayMetrics, relayArgs, preparedPeople }, use) => {
    const extraArgs = [...(relayMetrics ? ['--metrics-port', '0'] : []), ...relayArgs]
    // prepared people know one relay: the prepared one, on the same ports and with the same identity and data
    if (preparedPeople !== undefined && relayCount !== 1) throw new Error('prepared people come with one relay: relayCount must be 1')
    const seed = preparedPeople === undefined ? {} : { seedDir: preparedPeople.relayDir, port: preparedPeople.ports.ws, webrtcDirectPort: preparedPeople.ports.webrtcDirect }
    const relays = await Promise.all(Array.from({ length: relayCount }, async () => startRelayFixture({ extraArgs, dataDirPrefix: 'parley-e2e-relay-', ...seed })))
    await use(relays)
    await Promise.all(relays.map(async r => r.close()))
  },

  relay: async ({ relays }, use) => {
    const [first] = relays
    if (first == null) throw new Error('relayCount must be at least 1')
    await use(first)
  },

  app: async ({ relays, relayTransports, servedRelays, ringTimeoutMs }, use) => {
    const served = servedRelays === 'all' ? relays : relays.slice(0, servedRelays)
    const ring = ringTimeoutMs === undefined ? {} : { testRingTimeoutMs: ringTimeoutMs }
    const server = await startStaticServer({ config: { relays: served.flatMap(r => relayAddresses(r, relayTransports)), iceServers: [], ...ring } })
    await use(server)
    await server.close()
  },

  alice: async ({ browser, app, preparedPeople, isMobile, hasTouch, viewport, serviceWorkers }, use) => {
    const person = await personFor(browser, app.url, { device: deviceOf(isMobile, hasTouch, viewport), serviceWorkers }, 'alice', preparedPeople)
    await use(person)
    await person.context.close()
  },

  bob: async ({ browser, app, bobBrowser, bobWebrtc, browserPool, preparedPeople, isMobile, hasTouch, viewport, serviceWorkers }, use) => {
    const name = bobBrowser ?? browser.browserType().name() as BrowserName
    const own = await browserPool.forPerson(browser, { name, webrtc: bobWebrtc })
    const person = await personFor(own, app.url, { webrtc: bobWebrtc, device: deviceOf(isMobile, hasTouch, viewport), serviceWorkers }, 'bob', preparedPeople)
    await use(person)
    await person.context.close()
  },

  carol: async ({ browser, app, preparedPeople, isMobile, hasTouch, viewport, serviceWorkers }, use) => {
    const person = await personFor(browser, app.url, { device: deviceOf(isMobile, hasTouch, viewport), serviceWorkers }, 'carol', preparedPeople)
    await use(person)
    await person.context.close()
  }
})

export { expect } from '@playwright/test'
export type { Person, RelayFixture }
