/**
 * Blocking between two NodeServices and a relay-node (docs/protocols.md,
 * "Blocking"): what Bob sends while Alice blocks him waits on her mailbox
 * relay; her drain during the block drops it and remembers its id; after the
 * unblock his outbox offers it again, live, and her node refuses it for good:
 * it never reaches her chat, and his says it failed. What he sends after the
 * unblock flows.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { befriend, startHarness } from './harness.ts'
import type { Harness } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const WAIT = { timeout: 45_000, interval: 100 }

describe('blocking', () => {
  it('a message sent during the block never shows, also after the unblock; the sender sees it failed', async () => {
    let alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'before the block' })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.body)).toEqual(['before the block']) }, WAIT)

    await alice.node.call('setBlocked', { contactId: aToB, blocked: true })
    await bob.node.call('sendMessage', { contactId: bToA, text: 'while blocked' })
    // refused at Alice's connection gater, it waits on her mailbox relay
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => `${m.body}:${m.state}`)).toEqual(['before the block:delivered', 'while blocked:stored']) }, WAIT)
    // her node starts again and drains her mailbox at once: dropped, its id remembered
    const aliceId = alice.node.status.peerId ?? ''
    const factory = alice.factory
    await alice.stop()
    alice = await harness.startPeer(factory)
    await vi.waitFor(() => { expect(harness.relay.mailboxUsage(aliceId)?.items ?? 0).toBe(0) }, WAIT)
    expect((await alice.db.contacts.get(aToB))?.block?.refused).toHaveLength(1)

    await alice.node.call('setBlocked', { contactId: aToB, blocked: false })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => `${m.body}:${m.state}`)).toEqual(['before the block:delivered', 'while blocked:failed']) }, WAIT)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'after the unblock' })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.body)).toEqual(['before the block', 'after the unblock']) }, WAIT)
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.state)).toEqual(['delivered', 'failed', 'delivered']) }, WAIT)
  }, 120_000)
})
