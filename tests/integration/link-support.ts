/**
 * What the link's integration tests share (link.test.ts, link-pull.test.ts,
 * link-instead.test.ts, and the linked devices' tests): a browser with no
 * identity yet, a device linked to an account, Alice with a
 * history, and what a side holds that a link may change.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { expect, vi } from 'vitest'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { newMessageId } from '../../src/lib/db/messages.ts'
import { NodeRoot } from '../../src/lib/p2p/root/root.ts'
import { IN_NODE } from '../support/node-init.ts'
import { locksFor, TEST_BUILD } from '../support/writer-locks.ts'
import { befriend, peerIdOf, WAIT } from './harness.ts'
import type { LinkView } from '../../src/lib/contract/link-types.ts'
import type { MessageRow } from '../../src/lib/db/types.ts'
import type { AppConfig } from '../../src/lib/p2p/kernel/app-config.ts'
import type { Harness, Peer } from './harness.ts'

export interface Blank {
  node: NodeRoot
  db: ParleyDb
  factory: IDBFactory
  /** every `link` event the node told */
  views: LinkView[]
}

/** Nodes a test started on its own: stopped (and their databases closed) after it. */
export const blanks: Blank[] = []

export async function stopBlanks (): Promise<void> {
  for (const blank of blanks.splice(0)) {
    await blank.node.stop()
    blank.db.close()
  }
}

/** A node on `factory` (a new browser unless given), started; a browser with no identity waits for onboarding (or a link). */
export async function startBlank (harness: Harness, factory = new IDBFactory(), config: Partial<AppConfig> = {}): Promise<Blank> {
  const db = new ParleyDb('parley', { indexedDB: factory, IDBKeyRange })
  const node = new NodeRoot({
    db,
    writer: { locks: locksFor(factory), build: TEST_BUILD },
    origin: 'http://127.0.0.1:5173',
    loadConfig: async () => ({ relays: harness.relay.multiaddrs, iceServers: [], ...config }),
    ...IN_NODE
  })
  const views: LinkView[] = []
  node.events.addEventListener('link', (event) => { views.push(event.detail) })
  await node.start()
  const blank = { node, db, factory, views }
  blanks.push(blank)
  return blank
}

/** Alice with Bob as a contact, a group with him, and `history` messages (a few sent, the rest stored as her history). */
export async function startAlice (harness: Harness, history: number): Promise<{ alice: Peer, bob: Peer, groupId: string }> {
  const alice = await harness.startPeer(undefined, 'Alice')
  const bob = await harness.startPeer(undefined, 'Bob')
  const { aToB, bToA } = await befriend(alice, bob)
  await alice.node.call('sendMessage', { contactId: aToB, text: 'hi bob' })
  await bob.node.call('sendMessage', { contactId: bToA, text: 'hi alice' })
  await vi.waitFor(async () => { expect(await alice.db.messages.where('contactId').equals(aToB).count()).toBe(2) }, WAIT)
  const { groupId } = await alice.node.call('createGroup', { name: 'Weekend', contactIds: [aToB] })
  await alice.node.call('sendGroupMessage', { groupId, text: 'plans?' })
  // the rest of a long history, as rows (sending hundreds would only slow the test)
  const from = peerIdOf(bob)
  const rows: MessageRow[] = Array.from({ length: history - 2 }, (_, i) => ({
    id: newMessageId(1_700_000_000_000 + i), contactId: aToB, direction: 'in', fromPeerId: from, kind: 'text', body: `old ${i}`,
    sentAt: 1_700_000_000_000 + i, receivedAt: 1_700_000_000_000 + i, state: 'read'
  }))
  await alice.db.messages.bulkAdd(rows)
  return { alice, bob, groupId }
}

/** What a side holds that a link may change. */
export async function stored (db: ParleyDb): Promise<unknown> {
  return { profile: await db.profile.get(1), account: await db.account.get(1), contacts: await db.contacts.count(), messages: await db.messages.count(), groups: await db.groups.count() }
}

/** `holder` links a new browser (started with {@link startBlank}); resolves it running as the account's device. */
export async function linkNewDevice (harness: Harness, holder: Peer): Promise<Blank> {
  const n = await startBlank(harness)
  const { qr } = await n.node.call('linkAsNewDevice', undefined)
  expect(await holder.node.call('linkDevice', { qr: qr ?? '' })).toMatchObject({ phase: 'confirm' })
  await holder.node.call('confirmLink', { same: true })
  await vi.waitFor(() => { expect(n.node.status.phase).toBe('online') }, WAIT)
  return n
}
