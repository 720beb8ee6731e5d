import { test as base } from '@playwright/test'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { BrowserPool, type BrowserName } from '../support/browsers.ts'
import { newPerson, type Person } from '../support/person.ts'
import { startRelayFixture, type RelayFixture } from '../support/relay.ts'
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
}

export interface WorkerFixtures {
  /** browsers beyond the project's own, launched when a person needs one */
  browserPool: BrowserPool
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  bobBrowser: [undefined, { option: true }],
  bobWebrtc: [true, { option: true }],

  browserPool: [async ({ playwright }, use) => {
    const pool = new BrowserPool({ chromium: playwright.chromium, firefox: playwright.firefox })
    await use(pool)
    await pool.close()
  }, { scope: 'worker' }],

  relayTransports: ['ws', { option: true }],
  relayCount: [1, { option: true }],
  servedRelays: ['all', { option: true }],
  relayMetrics: [false, { option: true }],
  relayArgs: [[], { option: true }],

  relays: async ({ relayCount, relayMetrics, relayArgs }, use) => {
    const extraArgs = [...(relayMetrics ? ['--metrics-port', '0'] : []), ...relayArgs]
    const relays = await Promise.all(Array.from({ length: relayCount }, async () => startRelayFixture({ extraArgs, dataDirPrefix: 'parley-e2e-relay-' })))
    await use(relays)
    await Promise.all(relays.map(async r => r.close()))
  },

  relay: async ({ relays }, use) => {
    const [first] = relays
    if (first == null) throw new Error('relayCount must be at least 1')
    await use(first)
  },

  app: async ({ relays, relayTransports, servedRelays }, use) => {
    const served = servedRelays === 'all' ? relays : relays.slice(0, servedRelays)
    const server = await startStaticServer({ config: { relays: served.flatMap(r => relayAddresses(r, relayTransports)), iceServers: [] } })
    await use(server)
    await server.close()
  },

  alice: async ({ browser, app }, use) => {
    const person = await newPerson(browser, app.url)
    await use(person)
    await person.context.close()
  },

  bob: async ({ browser, app, bobBrowser, bobWebrtc, browserPool }, use) => {
    const name = bobBrowser ?? browser.browserType().name() as BrowserName
    const own = await browserPool.forPerson(browser, { name, webrtc: bobWebrtc })
    const person = await newPerson(own, app.url, { webrtc: bobWebrtc })
    await use(person)
    await person.context.close()
  },

  carol: async ({ browser, app }, use) => {
    const person = await newPerson(browser, app.url)
    await use(person)
    await person.context.close()
  }
})

export { expect } from '@playwright/test'
export type { Person, RelayFixture }
