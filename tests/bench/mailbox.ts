/**
 * Mailbox figures of `npm run bench` (docs/protocols.md, "Mailboxes"):
 *
 *   mailbox_deposit_p50_ms   seal one typical chat message (a 100-character text frame) and DEPOSIT it
 *                            from a Node libp2p client over WebSockets, until the relay-node's reply
 *                            (sent after its synchronous disk write); median of DEPOSIT_SAMPLES
 *   mailbox_deposit_p99_ms   the same, p99
 *   mailbox_drain_1000_ms    Bob, away, has 1,000 messages from Alice waiting sealed on his relay; he
 *                            opens the app: navigation → all 1,000 stored in his IndexedDB (median of
 *                            DRAIN_RUNS, fresh people each time)
 *   mailbox_drain_1000_boxed_ms  the same, each message in a box of Alice's session with Bob inside
 *                            the seal, as her node deposits them once they have a session
 *                            (mailbox-boxed.ts): Bob's node opens 1,000 boxes besides the seals
 *   mailbox_drain_10000_boxed_ms  the same with 10,000 boxed messages (one run): more than one drain
 *                            takes (5,000), so the app drains twice
 *
 * The deposits go to the bench's shared relay-node (the recipient deletes
 * them afterwards). The drain runs against a relay-node and an app server of
 * its own: the relay with /metrics, to check that it holds nothing for Bob
 * afterwards, and otherwise with the default limits, the mailbox request rate
 * per PeerID (600 a minute, bursts of 600) included: Bob's node needs about
 * 50 requests for 1,000 items (2 LIST of up to 512, 16 FETCH and 16 DELETE of
 * up to 64, 16 DEPOSIT of receipts for Alice), within the burst. Should the app ever
 * need more, the relay refuses some as rate-limited and the bench says so on
 * stderr, since the figure then measures the limit rather than the drain.
 *
 * The 1,000 items are what Alice's node would deposit: chat message frames
 * with fresh ULIDs, sealed with her identity key (read from her profile row)
 * to Bob, with the ULID's bytes as the mailbox id. A Node client whose
 * identity is her key deposits them, with helper identities taking part of
 * them so that none passes its share of Bob's mailbox (200 items per
 * depositor) or the per-PeerID burst (the seal, not the depositor, says whom
 * an item is from). Both pages are closed meanwhile
 * (their SharedWorker nodes end), so nothing reaches Bob any other way.
 *
 * BENCH_MAILBOX_DEBUG=1 adds timings of the phases on stderr;
 * BENCH_MAILBOX_PROFILE=<path> writes a CPU profile of Bob's node worker from
 * his page's load until all are stored, one per run (`<path>.<run>.cpuprofile`,
 * and his tab's as `<path>.<run>.tab.cpuprofile`, for DevTools; build with
 * `--minify false` for readable names).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { monotonicFactory } from 'ulid'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { spawnRelay } from '../../scripts/lib/relay-process.ts'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { ulidBytes } from '@parley/protocol/ulid'
import { seal } from '@parley/protocol/mailbox/seal'
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { befriend, message, send } from '../e2e/helpers/parley.ts'
import { withPageDb } from '../support/page-db.ts'
import { boxFrames, currentSession } from './mailbox-boxed.ts'
import { launch, median, newContext, percentile, print } from './lib.ts'
import {
  REQUEST_TIMEOUT_MS, deleteAll, listAll, mailboxClient, metric, profileSharedWorker, readChat, readContact, readProfile,
  sharedWorkersUnder, whenChatHolds
} from './mailbox-lib.ts'
import type { MailboxClient } from './mailbox-lib.ts'
import type { RelayProcess } from '../../scripts/lib/relay-process.ts'
import type { SealKeys } from '@parley/protocol/mailbox/seal'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { expect } from '@playwright/test'
import type { Browser, BrowserContext } from '@playwright/test'
import type { SessionRow } from '../../src/lib/db/session-types.ts'

const DEPOSIT_WARMUP = 50
const DEPOSIT_SAMPLES = 300
const TEXT_CHARS = 100
const DRAIN_ITEMS = 1000
const DRAIN_RUNS = 3
/** The long drain (issue 60): more than one drain of the app takes (MAX_DRAIN_ITEMS, 5,000), once. */
const LONG_DRAIN_ITEMS = 10_000
const LONG_DRAIN_RUNS = 1
/** Deposits of the 1,000 items in flight at once (the relay allows 32 inbound mailbox streams per connection). */
const FILL_CONCURRENCY = 16
/** Items one depositor puts in Bob's mailbox: the relay's default share of one recipient's mailbox per depositor (and under its burst of 600 requests per PeerID). */
const FILL_PER_DEPOSITOR = 200
/** Deposits the deposit figure makes for one recipient, under the relay's default share of 200 per depositor and recipient. */
const DEPOSITS_PER_RECIPIENT = 175
/** How often the page counts Bob's stored messages while he drains. */
const COUNT_POLL_MS = 20
const DRAIN_TIMEOUT_MS = 120_000
const SETTLE_TIMEOUT_MS = 30_000
const SETTLE_POLL_MS = 100
const RATE_LIMITED = 'parley_mailbox_rejections_total{code="rate-limited"}'

const debug = process.env.BENCH_MAILBOX_DEBUG != null
  ? (...args: unknown[]): void => { console.error('mailbox:', ...args) }
  : (): void => {}

const profilePath = process.env.BENCH_MAILBOX_PROFILE

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Polls `check` every `pollMs` until it returns a value other than undefined; throws `what` after `timeoutMs`. */
async function poll<T> (check: () => Promise<T | undefined>, what: string, timeoutMs = SETTLE_TIMEOUT_MS, pollMs = SETTLE_POLL_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(pollMs) // a polling interval, not a wait for a condition
  }
}

/** A chat text of TEXT_CHARS characters, different for each `n`. */
function chatText (n: number): string {
  const head = `Message ${n} waiting in the mailbox: `
  return (head + 'the quick brown fox jumps over the lazy dog. '.repeat(3)).slice(0, TEXT_CHARS)
}

const secretOf = (key: Ed25519PrivateKey): Uint8Array => key.raw.subarray(0, 32)

function sealKeys (sender: Ed25519PrivateKey, recipientPeerId: string): SealKeys {
  const recipient = peerIdFromString(recipientPeerId)
  if (recipient.publicKey == null) throw new Error(`${recipientPeerId} carries no public key`)
  return { senderSecret: secretOf(sender), recipientPublic: recipient.publicKey.raw, recipientMultihash: recipient.toMultihash().bytes }
}

/**
 * mailbox_deposit_p50_ms / _p99_ms: one Node client deposits sealed chat
 * messages one at a time for another (who deletes them afterwards, so the
 * shared relay is left as it was).
 */
async function benchDeposit (relay: RelayProcess): Promise<void> {
  const relayAddr = relay.wsMultiaddrs[0]
  if (relayAddr == null) throw new Error('the relay has no WebSocket address')
  const senderKey = await generateKeyPair('Ed25519')
  let sender: MailboxClient | undefined
  // one sender's deposits for one recipient stop at its share of that mailbox: a new recipient every DEPOSITS_PER_RECIPIENT
  const recipients: MailboxClient[] = []
  try {
    sender = await mailboxClient(relayAddr, senderKey)
    while (recipients.length * DEPOSITS_PER_RECIPIENT < DEPOSIT_WARMUP + DEPOSIT_SAMPLES) recipients.push(await mailboxClient(relayAddr, await generateKeyPair('Ed25519')))
    const keysFor = recipients.map(r => sealKeys(senderKey, r.node.peerId.toString()))
    const nextId = monotonicFactory()
    const samples: number[] = []
    const sealSamples: number[] = []
    for (let i = 0; i < DEPOSIT_WARMUP + DEPOSIT_SAMPLES; i++) {
      const id = nextId()
      const frame = encodeChatFrame({ type: 'message', id, text: chatText(i), sentAt: Date.now() })
      const keys = keysFor[Math.floor(i / DEPOSITS_PER_RECIPIENT)]
      if (keys === undefined) throw new Error(`no recipient for deposit ${i}`)
      const start = performance.now()
      const item = seal(frame, keys)
      const sealed = performance.now()
      const reply = await mailboxRequest(sender.connection, { op: 'deposit', id: ulidBytes(id), recipient: keys.recipientMultihash, item }, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      const ms = performance.now() - start
      if (reply.duplicate) throw new Error(`the relay took deposit ${id} for a duplicate`)
      if (i >= DEPOSIT_WARMUP) {
        samples.push(ms)
        sealSamples.push(sealed - start)
      }
    }
    let deleted = 0
    for (const recipient of recipients) deleted += await deleteAll(recipient.connection)
    if (deleted !== DEPOSIT_WARMUP + DEPOSIT_SAMPLES) throw new Error(`the relay held ${deleted} of the ${DEPOSIT_WARMUP + DEPOSIT_SAMPLES} deposits`)
    debug(`deposit: seal p50 ${median(sealSamples).toFixed(2)} ms, p99 ${percentile(sealSamples, 99).toFixed(2)} ms; ` +
      `slowest ${[...samples].sort((a, b) => b - a).slice(0, 5).map(x => x.toFixed(0)).join(', ')} ms`)
    print('mailbox_deposit_p50_ms', median(samples), 'ms')
    print('mailbox_deposit_p99_ms', percentile(samples, 99), 'ms')
  } finally {
    await sender?.stop()
    for (const recipient of recipients) await recipient.stop()
  }
}

interface DrainSetup {
  opsUrl: string
  relayAddr: string
  url: string
}

/**
 * Deposits DRAIN_ITEMS chat messages from Alice for Bob, the first
 * FILL_PER_DEPOSITOR through a client with her identity, the others through
 * helpers; resolves their ids.
 */
async function fillMailbox (setup: DrainSetup, aliceKey: Ed25519PrivateKey, bobPeerId: string, items: number, session?: SessionRow): Promise<string[]> {
  const depositors: MailboxClient[] = []
  try {
    depositors.push(await mailboxClient(setup.relayAddr, aliceKey))
    while (depositors.length * FILL_PER_DEPOSITOR < items) depositors.push(await mailboxClient(setup.relayAddr))
    const keys = sealKeys(aliceKey, bobPeerId)
    const nextId = monotonicFactory()
    const ids = Array.from({ length: items }, () => nextId())
    const frames = ids.map((id, i) => ({ type: 'message' as const, id, text: chatText(i), sentAt: Date.now() }))
    // the boxes in the session's order (each moves its chain on), before any goes out
    const payloads = session === undefined ? frames.map(frame => encodeChatFrame(frame)) : boxFrames(session, frames)
    let next = 0
    await Promise.all(Array.from({ length: FILL_CONCURRENCY }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const id = ids[i] ?? ''
        const depositor = depositors[Math.floor(i / FILL_PER_DEPOSITOR)]
        if (depositor == null) throw new Error(`no depositor for item ${i}`)
        const item = seal(payloads[i] ?? new Uint8Array(0), keys)
        await mailboxRequest(depositor.connection, { op: 'deposit', id: ulidBytes(id), recipient: keys.recipientMultihash, item }, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      }
    }))
    return ids
  } finally {
    for (const depositor of depositors) await depositor.stop()
  }
}

/**
 * Waits until the relay holds nothing for Bob. The relay is this bench's own
 * and held `baseline` items before Alice's were deposited; besides Bob's, it
 * can only hold the receipts Bob's node sent back to Alice, which Alice's
 * identity lists (and then deletes, so that the next run starts from the
 * same state). Resolves how many receipt items Alice had.
 */
async function settleRelay (setup: DrainSetup, aliceKey: Ed25519PrivateKey, baseline: number): Promise<number> {
  const alice = await mailboxClient(setup.relayAddr, aliceKey)
  try {
    let forBob = NaN
    // Alice's items are counted before the total: a receipt arriving in between can only make Bob's count look higher
    const receipts = await poll(async () => {
      const forAlice = (await listAll(alice.connection)).length
      forBob = await metric(setup.opsUrl, 'parley_mailbox_items') - baseline - forAlice
      return forBob === 0 ? forAlice : undefined
    }, 'the relay to hold nothing for Bob').catch((err: unknown) => {
      throw new Error(`after the drain the relay still holds ${forBob} items for Bob`, { cause: err })
    })
    await deleteAll(alice.connection)
    return receipts
  } finally {
    await alice.stop()
  }
}

/** One drain run with fresh people (`boxed`: with a session, see the top); resolves navigation → all `items` stored, in ms. */
async function drainOnce (browser: Browser, setup: DrainSetup, run: number, boxed: boolean, items = DRAIN_ITEMS): Promise<number> {
  const contexts: BrowserContext[] = []
  try {
    const t0 = Date.now()
    // without WebRTC: the two need only the relay to befriend, and nothing here is about a direct path
    const aliceContext = await newContext(browser, { webrtc: false })
    contexts.push(aliceContext)
    const bobContext = await newContext(browser, { webrtc: false })
    contexts.push(bobContext)
    const alicePage = await aliceContext.newPage()
    const bobPage = await bobContext.newPage()
    await alicePage.goto(setup.url)
    await bobPage.goto(setup.url)
    await befriend(alicePage, bobPage)

    const aliceProfile = await readProfile(alicePage)
    const bobProfile = await readProfile(bobPage)
    const aliceKey = privateKeyFromProtobuf(aliceProfile.privateKey)
    if (aliceKey.type !== 'Ed25519') throw new Error(`Alice's identity key is ${aliceKey.type}, not Ed25519`)
    // Bob's node stores mailbox messages only from a contact it accepted
    const contactId = await poll(async () => {
      const contact = await readContact(bobPage, aliceProfile.peerId)
      return contact?.state === 'accepted' ? contact.id : undefined
    }, 'Bob to accept Alice')
    let session: SessionRow | undefined
    if (boxed) {
      // one message each way: Alice's session with Bob is answered, as after any conversation
      await send(alicePage, 'hello Bob')
      await expect(message(bobPage, 'hello Bob')).toBeVisible({ timeout: SETTLE_TIMEOUT_MS })
      await send(bobPage, 'hello Alice')
      await expect(message(alicePage, 'hello Alice')).toBeVisible({ timeout: SETTLE_TIMEOUT_MS })
      await expect(message(bobPage, 'hello Alice')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: SETTLE_TIMEOUT_MS })
      session = await poll(async () => {
        const row = await currentSession(alicePage, bobProfile.peerId)
        return row.init === undefined ? row : undefined
      }, 'Alice\'s session with Bob to be answered')
    }

    if (!boxed) {
      // items under the static seal alone come only from an app without sessions now (issue 57: from one
      // that speaks them they are refused): once Alice's node is gone, Bob's row says hers never said so
      await alicePage.close()
      await poll(async () => await sharedWorkersUnder(browser, setup.url) === 1 ? true : undefined, 'Alice\'s SharedWorker to end')
      await bobPage.evaluate(withPageDb(`
        const store = db.transaction('contacts', 'readwrite').objectStore('contacts')
        const row = await req(store.get(${JSON.stringify(contactId)}))
        delete row.sessions
        delete row.waitingKeys
        await req(store.put(row))
      `))
    }
    await alicePage.close()
    await bobPage.close()
    // their nodes end with their last page; Bob must come back to a node that starts afresh
    await poll(async () => await sharedWorkersUnder(browser, setup.url) === 0 ? true : undefined, 'Alice\'s and Bob\'s SharedWorkers to end')

    const t1 = Date.now()
    const baseline = await metric(setup.opsUrl, 'parley_mailbox_items')
    const rateLimited = await metric(setup.opsUrl, RATE_LIMITED)
    const ids = await fillMailbox(setup, aliceKey, bobProfile.peerId, items, session)
    const t2 = Date.now()
    const held = await metric(setup.opsUrl, 'parley_mailbox_items') - baseline
    if (held !== items) throw new Error(`the relay holds ${held} new items, not ${items}`)

    const page = await bobContext.newPage()
    await page.goto(setup.url)
    const profiler = profilePath == null ? undefined : await profileSharedWorker(browser, setup.url)
    const tabProfiler = profilePath == null ? undefined : await page.context().newCDPSession(page)
    await tabProfiler?.send('Profiler.enable')
    await tabProfiler?.send('Profiler.start')
    // when the first one is stored too: start-up vs the drain itself (debug output only)
    // the chat holds the two hellos of a boxed run before the drain
    const before = session === undefined ? 0 : 2
    const first = whenChatHolds(page, contactId, before + 1, { pollMs: COUNT_POLL_MS, timeoutMs: DRAIN_TIMEOUT_MS }).catch(() => ({ at: null }))
    const all = await whenChatHolds(page, contactId, before + items, { pollMs: COUNT_POLL_MS, timeoutMs: DRAIN_TIMEOUT_MS })
    if (all.at == null) throw new Error(`Bob stored ${all.count} of ${items} messages within ${DRAIN_TIMEOUT_MS} ms`)
    const firstAt = (await first).at
    if (profiler != null && profilePath != null) {
      await writeFile(`${profilePath}.${run}.cpuprofile`, JSON.stringify(await profiler.stop()))
      if (tabProfiler != null) await writeFile(`${profilePath}.${run}.tab.cpuprofile`, JSON.stringify((await tabProfiler.send('Profiler.stop')).profile))
    }

    const rows = (await readChat(page, contactId)).slice(before)
    const expected = new Set(ids)
    const stored = new Set(rows.map(r => r.id))
    if (rows.length !== items || stored.size !== items || !ids.every(id => stored.has(id)) || rows.some(r => r.direction !== 'in' || !expected.has(r.id))) {
      throw new Error(`Bob's chat with Alice holds ${rows.length} rows (${stored.size} distinct ids, ${rows.filter(r => expected.has(r.id)).length} of the ${items} deposited), not exactly the ${items} messages`)
    }
    if (new Set(rows.map(r => r.body)).size !== items) throw new Error('Bob stored some message text twice')
    const t3 = Date.now()
    const receipts = await settleRelay(setup, aliceKey, baseline)
    const refused = await metric(setup.opsUrl, RATE_LIMITED) - rateLimited
    if (refused > 0) console.error(`!! mailbox drain: the relay refused ${refused} of Bob's requests as rate-limited, so mailbox_drain_1000_ms measures its rate limit`)
    debug(`navigation → first stored ${firstAt?.toFixed(0)} ms, → all ${all.at.toFixed(0)} ms; receipt items for Alice ${receipts}; ` +
      `befriend ${t1 - t0} ms, fill ${t2 - t1} ms, drain + checks ${t3 - t2} ms, settle ${Date.now() - t3} ms`)
    return all.at
  } finally {
    for (const context of contexts) await context.close().catch(() => {})
  }
}

/** Runs `fn` with a relay-node (with /metrics and `extraArgs`) and an app server of its own. */
async function withDrainSetup (extraArgs: string[], fn: (setup: DrainSetup) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-mailbox-'))
  let relay: RelayProcess | undefined
  let app: { url: string, close(): Promise<void> } | undefined
  try {
    relay = await spawnRelay({ port: 0, webrtcDirectPort: 'off', dataDir, extraArgs: ['--metrics-port', '0', ...extraArgs] })
    const relayAddr = relay.wsMultiaddrs[0]
    if (relayAddr == null || relay.opsUrl == null) throw new Error('the mailbox relay has no WebSocket address or no /metrics')
    app = await startStaticServer({ config: { relays: relay.wsMultiaddrs, iceServers: [] } })
    await fn({ opsUrl: relay.opsUrl, relayAddr, url: app.url })
  } finally {
    await app?.close()
    await relay?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/**
 * mailbox_drain_1000_ms and mailbox_drain_1000_boxed_ms against a relay with
 * the default limits; mailbox_drain_10000_boxed_ms against one that holds
 * 10,000 items for one recipient and takes Bob's ~500 requests at once (the
 * default holds 1,000, and allows 600 requests a minute).
 */
async function benchDrain (browser: Browser): Promise<void> {
  await withDrainSetup([], async (setup) => {
    for (const boxed of [false, true]) {
      const samples: number[] = []
      for (let i = 0; i < DRAIN_RUNS; i++) {
        samples.push(await drainOnce(browser, setup, i, boxed)) // every wait inside is bounded
      }
      debug(`drain samples${boxed ? ', boxed' : ''} (ms):`, samples.map(s => Math.round(s)).join(', '))
      print(boxed ? 'mailbox_drain_1000_boxed_ms' : 'mailbox_drain_1000_ms', Math.round(median(samples)), 'ms')
    }
  })
  await withDrainSetup(['--mailbox-recipient-items', String(LONG_DRAIN_ITEMS), '--mailbox-rate-per-peer', '100000'], async (setup) => {
    const samples: number[] = []
    for (let i = 0; i < LONG_DRAIN_RUNS; i++) samples.push(await drainOnce(browser, setup, i, true, LONG_DRAIN_ITEMS))
    print('mailbox_drain_10000_boxed_ms', Math.round(median(samples)), 'ms')
  })
}

/**
 * The mailbox figures (see the top of this file). `relay` is the bench's
 * shared relay-node (deposits); the drain starts a relay-node and an app
 * server of its own. Uses `browser` for fresh contexts only, closing each.
 */
export async function benchMailbox (browser: Browser, relay: RelayProcess): Promise<void> {
  await benchDeposit(relay)
  await benchDrain(browser)
}

/** The mailbox figures alone (`--only mailbox`): a relay-node for the deposits and a Chromium of their own. */
export async function benchMailboxAlone (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-relay-'))
  let relay: RelayProcess | undefined
  let browser: Browser | undefined
  try {
    relay = await spawnRelay({ port: 0, webrtcDirectPort: 'off', dataDir })
    browser = await launch()
    await benchMailbox(browser, relay)
  } finally {
    await browser?.close()
    await relay?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
