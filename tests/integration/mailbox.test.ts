/**
 * Offline delivery through the relay-node's mailbox, with the worker's
 * NodeService in Node: what Alice writes while Bob is away waits, sealed, on
 * the relay (also across a relay restart), reaches Bob once when he returns,
 * and Bob's receipts come back the same way.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { befriend, startHarness } from './harness.ts'
import type { Harness } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

/** Longer than the harness default: a receipt may wait for the next look at the mailbox (30 s). */
const SLOW = { timeout: 45_000, interval: 100 }

describe('mailbox delivery between two NodeServices', () => {
  it('holds messages for an offline contact across a relay restart, delivers each once and in order, and brings the receipts back', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello while you are here' })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.state)).toEqual(['delivered']) }, SLOW)

    const bobFactory = bob.factory
    await bob.stop()
    const texts = ['one', 'two', 'three', 'four', 'five']
    for (const text of texts) await alice.node.call('sendMessage', { contactId: aToB, text: text })
    await vi.waitFor(async () => {
      expect((await chatMessages(alice.db, aToB)).slice(1).map(m => `${m.body}:${m.state}`)).toEqual(texts.map(t => `${t}:stored`))
    }, SLOW)

    // Alice goes away too: from now on nothing can pass directly between them
    const aliceFactory = alice.factory
    await alice.stop()
    const port = Number(harness.relay.wsMultiaddrs[0]?.split('/')[4])
    await harness.relay.stop()
    await harness.startRelay(port)
    const bobId = bob.node.status.peerId ?? ''
    const aliceId = alice.node.status.peerId ?? ''
    // the five (and a copy of the first message, when its first direct attempt failed before one succeeded)
    expect(harness.relay.mailboxUsage(bobId)?.items).toBeGreaterThanOrEqual(5)

    const bobAgain = await harness.startPeer(bobFactory)
    await vi.waitFor(async () => {
      expect((await chatMessages(bobAgain.db, bToA)).map(m => m.body)).toEqual(['hello while you are here', ...texts])
    }, SLOW)
    // Bob took his mail off the relay; his receipts for all five wait there for Alice, in one item
    await vi.waitFor(() => {
      expect(harness.relay.mailboxUsage(bobId)?.items).toBe(0)
      expect(harness.relay.mailboxUsage(aliceId)?.items).toBe(1)
    }, SLOW)
    await bobAgain.stop()

    const aliceAgain = await harness.startPeer(aliceFactory)
    await vi.waitFor(async () => {
      expect((await chatMessages(aliceAgain.db, aToB)).map(m => m.state)).toEqual(Array(6).fill('delivered'))
    }, SLOW)
    await vi.waitFor(() => { expect(harness.relay.mailboxUsage()?.items).toBe(0) }, SLOW)
  }, 120_000)
})
