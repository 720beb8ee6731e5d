/**
 * Contact requests between two people who are never online at the same
 * time, with the worker's NodeService in Node and a real relay-node: Bob adds
 * Alice from her short link while she is away (no address: the request waits
 * in a mailbox on the relay they share), goes away too; Alice comes back,
 * finds the request, accepts it while Bob is away (her accept and her "it
 * arrived" wait for him the same way); Bob comes back: they are contacts, and
 * his message reaches her through the mailbox.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContact, getContactByPeerId } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { inviteOf, startHarness } from './harness.ts'
import type { Harness } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

/** A node looks at its mailboxes when a relay connects, and every 30 s. */
const SLOW = { timeout: 45_000, interval: 100 }

describe('contact requests through mailboxes', () => {
  it('a request, its answer and the accept each wait on the relay for the other, who is never online at the same time', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const link = await inviteOf(alice, 'link')
    const aliceId = alice.node.status.peerId ?? ''
    const aliceFactory = alice.factory
    await alice.stop()

    const bob = await harness.startPeer(undefined, 'Bob')
    const bobId = bob.node.status.peerId ?? ''
    const { contactId: bToA } = await bob.node.call('addContact', link)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'written before you accepted' })
    // Alice cannot be found: the request is left on the relay Bob uses (he knows none of hers)
    await vi.waitFor(async () => { expect(await getContact(bob.db, bToA)).toMatchObject({ state: 'requested', helloPending: true, helloStored: true }) }, SLOW)
    expect(harness.relay.mailboxUsage(aliceId)?.items).toBe(1)
    // the message waits for her accept in Bob's outbox, not on the relay, where her node would drop it
    expect((await chatMessages(bob.db, bToA)).map(m => m.state)).toEqual(['queued'])
    const bobFactory = bob.factory
    await bob.stop()

    const aliceAgain = await harness.startPeer(aliceFactory)
    const request = async (): Promise<Awaited<ReturnType<typeof getContactByPeerId>>> => getContactByPeerId(aliceAgain.db, bobId)
    await vi.waitFor(async () => { expect(await request()).toMatchObject({ state: 'pending', username: 'Bob' }) }, SLOW)
    await aliceAgain.node.call('acceptContact', { contactId: (await request())?.id ?? -1 })
    // her "it arrived" and her accept wait for Bob; nothing is left for her
    await vi.waitFor(() => {
      expect(harness.relay.mailboxUsage(aliceId)?.items ?? 0).toBe(0)
      expect(harness.relay.mailboxUsage(bobId)?.items).toBe(2)
    }, SLOW)
    await vi.waitFor(async () => { expect((await request())?.helloStored).toBe(true) }, SLOW)
    await aliceAgain.stop()

    const bobAgain = await harness.startPeer(bobFactory)
    await vi.waitFor(async () => { expect(await getContact(bobAgain.db, bToA)).toMatchObject({ state: 'accepted', helloPending: false }) }, SLOW)
    // accepted: his message goes to her mailbox now
    await vi.waitFor(async () => { expect((await chatMessages(bobAgain.db, bToA)).map(m => m.state)).toEqual(['stored']) }, SLOW)
    await bobAgain.stop()

    const aliceLast = await harness.startPeer(aliceFactory)
    const row = await getContactByPeerId(aliceLast.db, bobId)
    await vi.waitFor(async () => {
      expect((await chatMessages(aliceLast.db, row?.id ?? -1)).map(m => m.body)).toEqual(['written before you accepted'])
    }, SLOW)
  }, 240_000)
})
