import { appendFile, mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as base } from '@playwright/test'
import { labId, NetLab, removeStaleNamespaces } from './netlab.ts'
import { makeWorkDir, startCoturn, startRelay, startWebServer, type LabRelay } from './services.ts'

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
/** Every `lab …` and `soak …` line of a run, in order (scripts/lab.ts prints them at the end). */
export const LINES_FILE = resolve(REPO_ROOT, 'test-results/lab-lines.txt')
/** Namespace names are `<prefix><pid>-…`; a crashed earlier run's are removed at start. */
const LAB_PREFIX = 'plab'

export interface Lab {
  readonly net: NetLab
  readonly relay: LabRelay
  /** the app, STUN only */
  readonly url: string
  /** the app whose /config.json also lists coturn as TURN (UDP and TCP) */
  readonly turnUrl: string
  /** scratch directory of this run (Chromium wrappers, coturn state) */
  readonly workDir: string
}

/** Prints a result line and keeps it in {@link LINES_FILE}. */
export async function recordLine (line: string): Promise<void> {
  console.log(line)
  await mkdir(resolve(LINES_FILE, '..'), { recursive: true })
  await appendFile(LINES_FILE, `${line}\n`)
}

export const test = base.extend<Record<never, never>, { lab: Lab }>({
  lab: [async ({}, use) => {
    await removeStaleNamespaces(LAB_PREFIX)
    const work = await makeWorkDir()
    const net = await NetLab.create(labId(LAB_PREFIX))
    const closers: Array<() => Promise<void>> = []
    try {
      const coturn = await startCoturn(net, work.dir)
      closers.push(coturn.close)
      const relay = await startRelay(net)
      closers.push(relay.close)
      const web = await startWebServer(net, relay.wsMultiaddrs)
      closers.push(web.close)
      await use({ net, relay, url: web.url, turnUrl: web.turnUrl, workDir: work.dir })
    } finally {
      for (const close of closers.reverse()) await close().catch((err: unknown) => { console.error('lab teardown:', err) })
      await net.close()
      await work.remove()
    }
  }, { scope: 'worker', timeout: 120_000 }]
})

export { expect } from '@playwright/test'
