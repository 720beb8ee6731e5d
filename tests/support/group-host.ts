/**
 * A child process that runs some members of a large group: the app's node
 * (NodeRoot, the worker's composition root, called through the contract as a
 * tab calls it), each on its own fake-indexeddb, online through the relays
 * its parent names. tests/support/group-crowd.ts starts several of these, so
 * that 32 nodes do not share one event loop (docs/testing.md, "Large
 * groups"), and talks to them over the IPC channel: one request
 * `{ id, op, … }`, one reply `{ id, ok, value | error }`. With `watch`, a
 * host also reports each message its members store and each change of their
 * groups' heads, with the time it happened (`Date.now()`, which all processes
 * of the machine share).
 *
 * Run as `node --import tsx tests/support/group-host.ts`; it exits when its
 * parent goes.
 */
import '../../src/lib/polyfill/promise-with-resolvers.ts'
// Node 20: a browser-like global WebSocket for @libp2p/websockets
import '../../relay-node/src/polyfill.ts'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { prefixLogger } from '@libp2p/logger'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { groupMessages, OWED_DELIVERY_STATES } from '../../src/lib/db/groups.ts'
import { NodeRoot } from '../../src/lib/p2p/root/root.ts'
import { IN_NODE } from './node-init.ts'
import { locksFor, TEST_BUILD } from './writer-locks.ts'
import type { CreatingHookContext, UpdatingHookContext } from 'dexie'
import type { NodeMethod, NodeParams } from '../../src/lib/contract/index.ts'
import type { GroupRow, MessageRow } from '../../src/lib/db/types.ts'

/** A start-up step of one node (dial the relay, reserve a slot there) on a busy machine. */
const ONLINE_TIMEOUT_MS = 60_000

/** What the parent asks; `member` is the index among this host's members. */
export type HostRequest =
  | { op: 'start', relays: string[], names: string[], webrtc: boolean }
  | { op: 'call', member: number, method: NodeMethod, params: unknown }
  | { op: 'group', member: number, groupId: string }
  | { op: 'history', member: number, groupId: string }
  | { op: 'owed', member: number }
  | { op: 'undelivered', member: number, groupId: string }
  | { op: 'contactId', member: number, peerId: string }
  | { op: 'outAt', member: number, groupId: string }
  | { op: 'watch' }
  | { op: 'lag' }
  | { op: 'ops', member: number, groupId: string }
  | { op: 'stop' }

/** A report the parent did not ask for (after `watch`). */
export type HostEvent =
  | { event: 'stored', member: number, id: string, at: number }
  | { event: 'heads', member: number, groupId: string, heads: string[], at: number }

export type HostReply = { id: number, ok: true, value: unknown } | { id: number, ok: false, error: { name: string, message: string } }

/** One message as a member holds it (groupMessages order). */
export interface HeldMessage { id: string, body: string, author: string }

interface Local {
  name: string
  node: NodeRoot
  db: ParleyDb
  /** groupId → when our row of it first said we are out (removed or left) */
  outAt: Map<string, number>
}

const members: Local[] = []
const lag = monitorEventLoopDelay({ resolution: 20 })
lag.enable()
let watching = false

function send (message: HostReply | HostEvent): void {
  process.send?.(message)
}

function local (index: number): Local {
  const member = members[index]
  if (member === undefined) throw new Error(`no member ${index} here`)
  return member
}

async function startMember (relays: string[], name: string, index: number, webrtc: boolean): Promise<string> {
  const factory = new IDBFactory()
  const db = new ParleyDb('parley', { indexedDB: factory, IDBKeyRange })
  const node = new NodeRoot({
    db,
    writer: { locks: locksFor(factory), build: TEST_BUILD },
    origin: 'http://127.0.0.1:5173',
    // `DEBUG='M07:*'` follows one member
    logger: prefixLogger(name),
    // no STUN: host candidates only
    loadConfig: async () => ({ relays, iceServers: [] }),
    ...IN_NODE
  })
  const member: Local = { name, node, db, outAt: new Map() }
  members[index] = member
  db.groups.hook('creating', function (this: CreatingHookContext<GroupRow, string>, _key, row) {
    this.onsuccess = () => { reportHeads(index, row.id, row.heads) }
  })
  db.groups.hook('updating', function (this: UpdatingHookContext<GroupRow, string>) {
    this.onsuccess = (row) => {
      if ((row.state === 'removed' || row.state === 'left') && !member.outAt.has(row.id)) member.outAt.set(row.id, Date.now())
      reportHeads(index, row.id, row.heads)
    }
  })
  db.messages.hook('creating', function (this: CreatingHookContext<MessageRow, MessageRow['id']>, _key, row) {
    if (row.groupId === undefined || !watching) return
    this.onsuccess = () => { send({ event: 'stored', member: index, id: row.id, at: Date.now() }) }
  })
  // what a tab would say; without WebRTC every path stays relayed
  if (!webrtc) node.onTabCapabilities({ webrtc: false, transferableChannels: false, sharedWorker: true })
  await node.start()
  await node.call('createProfile', { username: name })
  const deadline = Date.now() + ONLINE_TIMEOUT_MS
  while (node.status.phase !== 'online') {
    if (Date.now() > deadline) throw new Error(`${name} not online within ${ONLINE_TIMEOUT_MS} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const peerId = node.status.peerId
  if (peerId === undefined) throw new Error(`${name} has no PeerID`)
  return peerId
}

function reportHeads (member: number, groupId: string, heads: readonly string[]): void {
  if (watching) send({ event: 'heads', member, groupId, heads: [...heads], at: Date.now() })
}

async function answer (request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      return Promise.all(request.names.map(async (name, i) => startMember(request.relays, name, i, request.webrtc)))
    case 'call': {
      const node = local(request.member).node
      const startedAt = Date.now()
      // the params are checked against the contract by call()
      const call = node.call.bind(node) as (method: NodeMethod, params: NodeParams<NodeMethod>) => Promise<unknown>
      const result = await call(request.method, request.params as NodeParams<NodeMethod>)
      return { result, startedAt, endedAt: Date.now() }
    }
    case 'group':
      return local(request.member).db.groups.get(request.groupId)
    case 'history':
      return (await groupMessages(local(request.member).db, request.groupId)).map((m): HeldMessage => ({ id: m.id, body: m.body, author: m.fromPeerId ?? '' }))
    case 'owed':
      return local(request.member).db.groupDeliveries.filter(d => OWED_DELIVERY_STATES.includes(d.state)).count()
    case 'undelivered':
      return local(request.member).db.groupDeliveries.filter(d => d.group === request.groupId && d.state !== 'delivered').toArray()
    case 'contactId':
    {
      const contact = await local(request.member).db.contacts.where('peerId').equals(request.peerId).first()
      return contact?.state === 'accepted' ? contact.id : undefined
    }
    case 'outAt':
      return local(request.member).outAt.get(request.groupId)
    case 'lag': {
      const value = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 }
      lag.reset()
      return value
    }
    case 'ops':
      return (await local(request.member).db.groupOps.where('group').equals(request.groupId).toArray())
        .map(row => ({ id: row.id, author: String((JSON.parse(row.signed.body) as { author?: unknown }).author) }))
    case 'watch':
      watching = true
      return null
    case 'stop':
      await Promise.allSettled(members.map(async m => { await m.node.stop(); m.db.close() }))
      return null
  }
}

process.on('message', (message: { id: number } & HostRequest) => {
  answer(message).then(
    (value) => { send({ id: message.id, ok: true, value }) },
    (err: unknown) => { send({ id: message.id, ok: false, error: { name: (err as Error).name ?? 'Error', message: (err as Error).message ?? String(err) } }) }
  )
})
// no parent, no reason to run
process.on('disconnect', () => { process.exit(0) })
// a normal exit, so that --cpu-prof writes its profile
process.on('SIGTERM', () => { process.exit(0) })
