/**
 * Prepared people (docs/testing.md, "Prepared people"): Alice and Bob (and,
 * for a trio, Carol, Alice's contact too) onboarded and befriended through the
 * UI once per Playwright worker, then given to each test that asks for them
 * (`test.use({ prepared: 'pair' })`, tests/e2e/fixtures.ts) as they were when
 * they closed their tabs: each person's browser storage for the app's origin
 * (tests/support/origin-snapshot.ts) and the relay's data directory, taken
 * once everyone is quiet. A test gets fresh browser contexts with that storage
 * loaded before the app starts, and a fresh relay-node process started from a
 * copy of that directory on the same ports, so the relay has the same
 * identity and addresses, and holds the same prekeys and mailboxes: what each
 * app stored about the other and about the relay holds as it did.
 */
import { access, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from '@playwright/test'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { fixedPorts, portsFree } from '../support/fixed-ports.ts'
import { preparedRunDir } from './prepared-dir.ts'
import { NOT_THE_APP, takeOriginSnapshot, type OriginSnapshot } from '../support/origin-snapshot.ts'
import { readRows } from '../support/page-db.ts'
import { newPerson, type Person } from '../support/person.ts'
import { startRelayFixture } from '../support/relay.ts'
import { befriendNew } from './helpers/groups.ts'
import { befriend, readInvite } from './helpers/parley.ts'
import { metric } from './helpers/relay-metrics.ts'
import type { Browser } from '@playwright/test'

/** `'pair'`: Alice and Bob are contacts; `'trio'`: so are Alice and Carol (Bob and Carol are not). */
export type PreparedKind = 'pair' | 'trio'

export type PersonName = 'alice' | 'bob' | 'carol'

export interface PreparedPeople {
  kind: PreparedKind
  /** the relay's WebSocket and WebRTC-Direct ports, the same in every test */
  ports: { ws: number, webrtcDirect: number }
  /** the stopped relay's data directory; each test's relay starts from a copy */
  relayDir: string
  snapshots: Partial<Record<PersonName, OriginSnapshot>>
  peerIds: Partial<Record<PersonName, string>>
}

/** The contact whose chat befriending leaves `person` in. */
export function lastChat (kind: PreparedKind, person: PersonName): string {
  return person === 'alice' ? (kind === 'trio' ? 'Carol' : 'Bob') : 'Alice'
}

/** Making a trio through the UI on a busy 2-core machine: added to the time of the test that makes it. */
export const PREPARE_TIMEOUT_MS = 180_000

/** The browsers the people are made in: the ones the tests will run them in. */
export type PeopleBrowsers = Readonly<Record<PersonName, Browser>>

/** Makes each kind of prepared people at most once (per set of browsers) and keeps them for the worker. */
export class Preparer {
  private readonly made = new Map<string, Promise<PreparedPeople>>()

  /** true when `get` with these arguments would make them now rather than reuse them */
  isNew (kind: PreparedKind, browsers: PeopleBrowsers): boolean {
    return !this.made.has(keyOf(kind, browsers))
  }

  async get (kind: PreparedKind, browsers: PeopleBrowsers): Promise<PreparedPeople> {
    const key = keyOf(kind, browsers)
    let people = this.made.get(key)
    if (people === undefined) {
      people = keptOrPrepared(kind, browsers)
      this.made.set(key, people)
      // a failed preparation is not kept: the next test tries again (and fails on its own)
      people.catch(() => { this.made.delete(key) })
    }
    return await people
  }

  async close (): Promise<void> {
    const all = await Promise.allSettled(this.made.values())
    this.made.clear()
    // kept for the run's later workers: its global teardown removes them
    if (preparedRunDir() !== undefined) return
    await Promise.all(all.map(async (p) => { if (p.status === 'fulfilled') await rm(p.value.relayDir, { recursive: true, force: true }) }))
  }
}

/**
 * The people an earlier worker of this run made in the same browsers on the
 * same slice of ports (the same TEST_PARALLEL_INDEX: tests/support/fixed-ports.ts;
 * such workers run one after another, so its relay's ports are free again), or
 * new ones, kept for the workers after this one. Every worker had made its own,
 * and a new worker starts at each spec file that sets worker options of its own
 * (the calls' fake camera) and after a failure: 15 times in a CI run, each
 * onboarding and befriending through the UI.
 */
async function keptOrPrepared (kind: PreparedKind, browsers: PeopleBrowsers): Promise<PreparedPeople> {
  const dir = preparedRunDir()
  if (dir === undefined) return await prepare(kind, browsers, tmpdir())
  const file = join(dir, `${keyOf(kind, browsers).replaceAll(' ', '-')}-slice-${process.env['TEST_PARALLEL_INDEX'] ?? '0'}.json`)
  const kept = await readKept(file)
  if (kept !== undefined && await portsFree(kept.ports.ws, kept.ports.webrtcDirect)) return kept
  await mkdir(dir, { recursive: true })
  const people = await prepare(kind, browsers, dir)
  await writeFile(file, JSON.stringify(people))
  return people
}

async function readKept (file: string): Promise<PreparedPeople | undefined> {
  try {
    const kept = JSON.parse(await readFile(file, 'utf8')) as PreparedPeople
    await access(kept.relayDir)
    return kept
  } catch {
    // none kept yet (or its relay directory is gone): made anew
    return undefined
  }
}

function keyOf (kind: PreparedKind, browsers: PeopleBrowsers): string {
  return [kind, ...Object.values(browsers).map((b) => b.browserType().name())].join(' ')
}

async function prepare (kind: PreparedKind, browsers: PeopleBrowsers, dir: string): Promise<PreparedPeople> {
  const names: PersonName[] = kind === 'trio' ? ['alice', 'bob', 'carol'] : ['alice', 'bob']
  const { tcp, udp } = await fixedPorts()
  const relay = await startRelayFixture({ port: tcp, webrtcDirectPort: udp, extraArgs: ['--metrics-port', '0'], dataDirPrefix: 'parley-e2e-prepared-' })
  // the stopped relay's directory outlives the fixture: a copy of it is every test's starting point
  const relayDir = await mkdtemp(join(dir, 'parley-e2e-prepared-relay-'))
  const app = await startStaticServer({ config: { relays: relay.wsMultiaddrs, iceServers: [] } })
  const people: Partial<Record<PersonName, Person>> = {}
  try {
    for (const name of names) people[name] = await newPerson(browsers[name], app.url)
    const alice = mustHave(people.alice)
    const bob = mustHave(people.bob)
    const ids = await befriend(alice.page, bob.page)
    const peerIds: Partial<Record<PersonName, string>> = { alice: ids.alicePeerId, bob: ids.bobPeerId }
    if (people.carol !== undefined) {
      await befriendNew(alice.page, 'Alice', people.carol.page, 'Carol')
      peerIds.carol = (await readInvite(people.carol.page)).peerId
    }

    // quiet: every request answered on both sides, everyone's prekeys on the relay
    for (const name of names) {
      const contacts = name === 'alice' ? names.length - 1 : 1
      await expect.poll(async () => (await readRows<{ state: string }>(mustHave(people[name]).page, 'contacts')).map((c) => c.state), { timeout: 30_000 })
        .toEqual(Array.from({ length: contacts }, () => 'accepted'))
    }
    await expect.poll(async () => metric(relay, 'parley_prekeys_owners'), { timeout: 30_000 }).toBe(names.length)

    const snapshots: Partial<Record<PersonName, OriginSnapshot>> = {}
    for (const name of names) snapshots[name] = await closeAndSnapshot(mustHave(people[name]), app.url)
    await relay.stop()
    await cp(relay.dataDir, relayDir, { recursive: true })
    return { kind, ports: { ws: tcp, webrtcDirect: udp }, relayDir, snapshots, peerIds }
  } catch (err) {
    await rm(relayDir, { recursive: true, force: true })
    throw err
  } finally {
    await Promise.all(Object.values(people).map(async (p) => p.context.close()))
    await relay.close()
    await app.close()
  }
}

/**
 * Closes every tab of `person` (so their node stops and writes nothing more)
 * and reads what their browser keeps, from a page of the origin that is not
 * the app. The service worker goes first: it would answer that page with the
 * app (every navigation falls back to index.html, src/sw.ts).
 */
async function closeAndSnapshot (person: Person, url: string): Promise<OriginSnapshot> {
  await person.page.evaluate(async () => {
    await Promise.all((await navigator.serviceWorker.getRegistrations()).map(async (r) => r.unregister()))
  })
  for (const page of person.context.pages()) await page.close()
  const page = await person.context.newPage()
  const response = await page.goto(new URL(NOT_THE_APP, url).href)
  if (response?.status() !== 404) throw new Error(`${NOT_THE_APP} should be the server's 404, not the app (${String(response?.status())})`)
  return await takeOriginSnapshot(page)
}

function mustHave<T> (value: T | undefined): T {
  if (value === undefined) throw new Error('a prepared person is missing')
  return value
}
