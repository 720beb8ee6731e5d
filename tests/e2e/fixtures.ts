import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'
import { spawnRelay } from '../../scripts/lib/relay-process.ts'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import type { RelayProcess } from '../../scripts/lib/relay-process.ts'
import type { StaticServer } from '../../scripts/lib/serve.ts'
import type { Browser, BrowserContext, Page } from '@playwright/test'

/** A real relay-node process, restartable on the same port with the same identity. */
export interface RelayFixture {
  readonly process: RelayProcess
  readonly multiaddrs: string[]
  /** SIGTERM, wait for exit, start again on the same port and data directory */
  restart(): Promise<void>
  /** start again (same port and identity) after `process.stop()` */
  start(): Promise<void>
}

/** One person: a browser context of its own (own IndexedDB, own SharedWorker). */
export interface Person {
  readonly context: BrowserContext
  readonly page: Page
  /** opens another tab of the same person */
  newTab(): Promise<Page>
}

export interface Fixtures {
  /** relay-node started for this test */
  relay: RelayFixture
  /** the built app (dist/) served with `/config.json` naming the relay */
  app: StaticServer
  alice: Person
  bob: Person
}

async function newPerson (browser: Browser, url: string): Promise<Person> {
  // the microphone permission lets Chromium gather loopback ICE candidates
  // (ENVIRONMENT.md); harmless before WebRTC is used
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
  // Playwright fixtures must destructure their first argument, even when they need nothing
  relay: async ({}, use) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-relay-'))
    let current = await spawnRelay({ port: 0, dataDir })
    const port = Number(current.multiaddrs[0]?.split('/')[4])
    const fixture: RelayFixture = {
      get process () { return current },
      get multiaddrs () { return current.multiaddrs },
      async restart () {
        await current.stop('SIGTERM')
        current = await spawnRelay({ port, dataDir })
      },
      async start () {
        current = await spawnRelay({ port, dataDir })
      }
    }
    await use(fixture)
    await current.stop('SIGTERM')
    await rm(dataDir, { recursive: true, force: true })
  },

  app: async ({ relay }, use) => {
    const server = await startStaticServer({ config: { relays: relay.multiaddrs, iceServers: [] } })
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
  }
})

export { expect } from '@playwright/test'
