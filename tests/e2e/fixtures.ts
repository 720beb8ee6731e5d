import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'
import { portOf, spawnRelay } from '../../scripts/lib/relay-process.ts'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import type { RelayProcess } from '../../scripts/lib/relay-process.ts'
import type { StaticServer } from '../../scripts/lib/serve.ts'
import type { Browser, BrowserContext, Page } from '@playwright/test'

/**
 * A real relay-node process, restartable on the same ports with the same
 * identity and WebRTC-Direct certificate (so every address stays the same).
 */
export interface RelayFixture {
  readonly process: RelayProcess
  /** every address: WebSocket first, then WebRTC-Direct */
  readonly multiaddrs: string[]
  readonly wsMultiaddrs: string[]
  readonly webrtcDirectMultiaddrs: string[]
  /** SIGTERM, wait for exit, start again on the same ports and data directory */
  restart(): Promise<void>
  /** start again (same port and identity) after `process.stop()` */
  start(): Promise<void>
  /** stops it and removes its data directory (the fixture does this after the test) */
  close(): Promise<void>
}

/** A relay-node process in a data directory of its own, on free ports it keeps across restarts. */
async function startRelayFixture (extraArgs: string[] = []): Promise<RelayFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-relay-'))
  let current = await spawnRelay({ port: 0, webrtcDirectPort: 0, dataDir, extraArgs })
  const ports = {
    port: portOf(current.wsMultiaddrs[0] ?? ''),
    webrtcDirectPort: portOf(current.webrtcDirectMultiaddrs[0] ?? '')
  }
  return {
    get process () { return current },
    get multiaddrs () { return current.multiaddrs },
    get wsMultiaddrs () { return current.wsMultiaddrs },
    get webrtcDirectMultiaddrs () { return current.webrtcDirectMultiaddrs },
    async restart () {
      await current.stop('SIGTERM')
      current = await spawnRelay({ ...ports, dataDir, extraArgs })
    },
    async start () {
      current = await spawnRelay({ ...ports, dataDir, extraArgs })
    },
    async close () {
      await current.stop('SIGTERM')
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/** One person: a browser context of its own (own IndexedDB, own SharedWorker). */
export interface Person {
  readonly context: BrowserContext
  readonly page: Page
  /** opens another tab of the same person */
  newTab(): Promise<Page>
}

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
}

async function newPerson (browser: Browser, url: string): Promise<Person> {
  // the microphone permission lets Chromium gather loopback ICE candidates
  // (docs/testing.md); harmless before WebRTC is used
  const context = await browser.newContext({ permissions: ['microphone'] })
  const page = await context.newPage()
  await page.goto(url)
  return {
    context,
    page,
    async newTab () {
      const tab = await context.newPage()
      await tab.goto(url)
      return tab
    }
  }
}

export const test = base.extend<Fixtures>({
  relayTransports: ['ws', { option: true }],
  relayCount: [1, { option: true }],
  servedRelays: ['all', { option: true }],
  relayMetrics: [false, { option: true }],

  relays: async ({ relayCount, relayMetrics }, use) => {
    const extraArgs = relayMetrics ? ['--metrics-port', '0'] : []
    const relays = await Promise.all(Array.from({ length: relayCount }, async () => startRelayFixture(extraArgs)))
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

  bob: async ({ browser, app }, use) => {
    const person = await newPerson(browser, app.url)
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
