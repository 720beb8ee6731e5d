/**
 * Helpers of tests/bench/mailbox.ts: a lean Node libp2p client of a
 * relay-node's mailbox, the relay's /metrics, and scripts that read a
 * person's Parley database (IndexedDB `parley`) from their page.
 */
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { WebSocket as NodeWebSocket } from 'ws'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { MAX_IDS, MAX_LIST } from '@parley/protocol/mailbox/codec'
import type { Connection, Ed25519PrivateKey, Libp2p } from '@libp2p/interface'
import type { Browser, Page } from '@playwright/test'
import { readRows, readSecretRows, withPageDb } from '../support/page-db.ts'

/**
 * Node 20 has no global WebSocket and @libp2p/websockets dials with the
 * global one: `ws`, as in tests/unit/setup.ts (with the no-op 'error'
 * listener that gives it browser behaviour when a node stops mid-dial).
 */
class BrowserLikeWebSocket extends NodeWebSocket {
  constructor (...args: ConstructorParameters<typeof NodeWebSocket>) {
    super(...args)
    this.on('error', () => {})
  }
}
;(globalThis as { WebSocket?: unknown }).WebSocket ??= BrowserLikeWebSocket

const DIAL_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 5_000
export const REQUEST_TIMEOUT_MS = 10_000

export async function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`${what} timed out after ${ms} ms`)) }, ms)
    })])
  } finally {
    clearTimeout(timer)
  }
}

export interface MailboxClient {
  node: Libp2p
  connection: Connection
  stop(): Promise<void>
}

/**
 * A Node libp2p client connected to `relayAddr` over WebSockets, with
 * `privateKey` as its identity when given (a fresh one otherwise).
 */
export async function mailboxClient (relayAddr: string, privateKey?: Ed25519PrivateKey): Promise<MailboxClient> {
  const node = await createLibp2p({
    ...(privateKey == null ? {} : { privateKey }),
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    services: { identify: identify() }
  })
  const stop = async (): Promise<void> => { await withTimeout(Promise.resolve(node.stop()), STOP_TIMEOUT_MS, 'stopping a mailbox client').catch(() => {}) }
  try {
    const connection = await node.dial(multiaddr(relayAddr), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
    return { node, connection, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

const signal = (): AbortSignal => AbortSignal.timeout(REQUEST_TIMEOUT_MS)

/** Every id the relay holds for the client's own PeerID, oldest first. */
export async function listAll (connection: Connection): Promise<Uint8Array[]> {
  const ids: Uint8Array[] = []
  let after: Uint8Array | undefined
  for (;;) {
    const page = await mailboxRequest(connection, after == null ? { op: 'list', limit: MAX_LIST } : { op: 'list', limit: MAX_LIST, after }, { signal: signal() })
    ids.push(...page.items.map(i => i.id))
    const last = page.items.at(-1)
    if (!page.more || last == null) return ids
    after = last.id
  }
}

/** Deletes everything the relay holds for the client's own PeerID; resolves how many went. */
export async function deleteAll (connection: Connection): Promise<number> {
  const ids = await listAll(connection)
  let deleted = 0
  for (let i = 0; i < ids.length; i += MAX_IDS) {
    deleted += (await mailboxRequest(connection, { op: 'delete', ids: ids.slice(i, i + MAX_IDS) }, { signal: signal() })).deleted
  }
  return deleted
}

/** One sample of the relay's Prometheus /metrics (e.g. `parley_mailbox_items`). */
export async function metric (opsUrl: string, sample: string): Promise<number> {
  const response = await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const text = await response.text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  if (line == null) throw new Error(`the relay's /metrics has no ${sample}`)
  return Number(line.slice(sample.length + 1))
}

/** The person's PeerID and identity key (libp2p protobuf), from the `profile` row. */
export async function readProfile (page: Page): Promise<{ peerId: string, privateKey: Uint8Array }> {
  const [row] = await readSecretRows<{ peerId: string, privateKey: number[] }>(page, 'profile')
  if (row == null) throw new Error('no profile row in the page\'s database')
  return { peerId: row.peerId, privateKey: Uint8Array.from(row.privateKey) }
}

/** The contact row of `peerId` in the page's database: its id and state, or null. */
export async function readContact (page: Page, peerId: string): Promise<{ id: number, state: string } | null> {
  const [row] = await readRows<{ id: number, state: string }>(page, 'contacts', { index: 'peerId', range: JSON.stringify(peerId) })
  return row == null ? null : { id: row.id, state: row.state }
}

/** The key range of one chat in the `[contactId+sentAt+id]` index (arrays sort after numbers). */
const chatRange = (contactId: number): string => `IDBKeyRange.bound([${contactId}], [${contactId}, []])`

/** The messages of one chat in the page's database: id, direction and body of each. */
export async function readChat (page: Page, contactId: number): Promise<Array<{ id: string, direction: string, body: string }>> {
  const rows = await readRows<{ id: string, direction: string, body: string }>(page, 'messages', { index: '[contactId+sentAt+id]', range: chatRange(contactId) })
  return rows.map(({ id, direction, body }) => ({ id, direction, body }))
}

/**
 * Waits in the page until the chat with `contactId` holds at least `count`
 * messages, counting every `pollMs`; resolves performance.now() (ms since the
 * page's navigation started) when it first did, or null after `timeoutMs`
 * (with the last count).
 */
export async function whenChatHolds (page: Page, contactId: number, count: number, options: { pollMs: number, timeoutMs: number }): Promise<{ at: number | null, count: number }> {
  const script = withPageDb(`
    const deadline = performance.now() + ${options.timeoutMs}
    for (;;) {
      const n = await req(db.transaction('messages').objectStore('messages').index('[contactId+sentAt+id]').count(${chatRange(contactId)}))
      if (n >= ${count}) return { at: performance.now(), count: n }
      if (performance.now() > deadline) return { at: null, count: n }
      await new Promise(resolve => setTimeout(resolve, ${options.pollMs}))
    }
  `)
  return await withTimeout(page.evaluate(script) as Promise<{ at: number | null, count: number }>, options.timeoutMs + 10_000, 'waiting for the chat in the page')
}

interface TargetInfo { targetId: string, type: string, url: string }

/** How many SharedWorkers of `browser` run a script under `origin` (e.g. the app's URL). */
export async function sharedWorkersUnder (browser: Browser, origin: string): Promise<number> {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const { targetInfos } = await cdp.send('Target.getTargets') as unknown as { targetInfos: TargetInfo[] }
    return targetInfos.filter(t => t.type === 'shared_worker' && t.url.startsWith(origin)).length
  } finally {
    await cdp.detach()
  }
}

/**
 * Starts the V8 CPU profiler in the (one) SharedWorker of `browser` under
 * `origin`; `stop()` ends it and resolves the profile (a `.cpuprofile`
 * object, as DevTools saves them). For BENCH_MAILBOX_PROFILE.
 */
export async function profileSharedWorker (browser: Browser, origin: string): Promise<{ stop(): Promise<unknown> }> {
  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets') as unknown as { targetInfos: TargetInfo[] }
  const target = targetInfos.find(t => t.type === 'shared_worker' && t.url.startsWith(origin))
  if (target == null) {
    await cdp.detach()
    throw new Error(`no SharedWorker under ${origin} to profile`)
  }
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false }) as { sessionId: string }
  let nextId = 0
  const pending = new Map<number, (result: unknown) => void>()
  cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string, message: string }) => {
    const msg = JSON.parse(e.message) as { id?: number, result?: unknown }
    if (e.sessionId === sessionId && msg.id != null) pending.get(msg.id)?.(msg.result)
  })
  const call = async (method: string, params: Record<string, unknown> = {}): Promise<unknown> => {
    const id = ++nextId
    const reply = new Promise<unknown>((resolve) => { pending.set(id, resolve) })
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
    return await withTimeout(reply, REQUEST_TIMEOUT_MS, `${method} in the SharedWorker`)
  }
  await call('Profiler.enable')
  await call('Profiler.setSamplingInterval', { interval: 200 })
  await call('Profiler.start')
  return {
    stop: async () => {
      try {
        return ((await call('Profiler.stop')) as { profile: unknown }).profile
      } finally {
        await cdp.detach()
      }
    }
  }
}
