/**
 * Message actions between two NodeServices in Node (docs/protocols.md,
 * "Message actions"): replies, reactions, edits, deletes, read receipts and
 * the disappearing-messages timer, live over chat 1.1.0 and through the
 * mailbox when the receiver is away (each applied exactly once); and a peer
 * that speaks only chat 1.0.0 still exchanges plain messages both ways.
 */
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { CHAT_PROTOCOL_V1_0, CHAT_PROTOCOL_V1_1, CHAT_PROTOCOL_V2_0 } from '@parley/protocol/chat/constants'
import { decodeChatFrame, encodeChatFrame } from '@parley/protocol/chat/codec'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { chatMessages, newMessageId } from '../../src/lib/db/messages.ts'
import { searchMessages } from '../../src/lib/db/search-query.ts'
import { asOlderApps, befriend, startHarness, WAIT } from './harness.ts'
import type { Harness, Peer } from './harness.ts'
import type { ContactId, MessageRow } from '../../src/lib/db/types.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

/** A receipt through the mailbox may wait for the next look at it (30 s). */
const SLOW = { timeout: 45_000, interval: 100 }

async function only (peer: Peer, contactId: ContactId): Promise<MessageRow> {
  const rows = await chatMessages(peer.db, contactId)
  expect(rows).toHaveLength(1)
  return rows[0] as MessageRow
}

async function connected (): Promise<{ alice: Peer, bob: Peer, aToB: ContactId, bToA: ContactId }> {
  const alice = await harness.startPeer(undefined, 'Alice')
  const bob = await harness.startPeer(undefined, 'Bob')
  const { aToB, bToA } = await befriend(alice, bob)
  return { alice, bob, aToB, bToA }
}

describe('message actions between two nodes', () => {
  it('live: reply, react (change, take back), edit, read, timer, delete for everyone', async () => {
    const { alice, bob, aToB, bToA } = await connected()
    const { messageId: first } = await alice.node.call('sendMessage', { contactId: aToB, text: 'the first tulip' })
    await vi.waitFor(async () => { expect((await only(bob, bToA)).body).toBe('the first tulip') }, WAIT)

    // Bob answers it, quoting it
    const { messageId: answer } = await bob.node.call('sendMessage', { contactId: bToA, text: 'lovely', replyTo: first })
    await vi.waitFor(async () => {
      expect((await alice.db.messages.get(answer))?.replyTo).toBe(first)
    }, WAIT)

    // Bob reacts, changes his mind, takes it back
    await bob.node.call('react', { messageId: first, emoji: '👍' })
    await vi.waitFor(async () => { expect((await alice.db.messages.get(first))?.reactions?.map(r => r.emoji)).toEqual(['👍']) }, WAIT)
    await bob.node.call('react', { messageId: first, emoji: '❤️' })
    await vi.waitFor(async () => { expect((await alice.db.messages.get(first))?.reactions?.map(r => r.emoji)).toEqual(['❤️']) }, WAIT)
    await bob.node.call('react', { messageId: first, emoji: '' })
    await vi.waitFor(async () => { expect((await alice.db.messages.get(first))?.reactions?.map(r => r.emoji)).toEqual(['']) }, WAIT)

    // Alice fixes her text; Bob sees the new words, and search finds them, not the old ones
    await alice.node.call('editMessage', { messageId: first, text: 'the first crocus' })
    await vi.waitFor(async () => {
      const row = await bob.db.messages.get(first)
      expect(row?.body).toBe('the first crocus')
      expect(row?.edit).toBeDefined()
    }, WAIT)
    expect((await searchMessages(bob.db, 'tulip')).hits).toEqual([])
    expect((await searchMessages(bob.db, 'crocus')).hits.map(h => h.message.id)).toEqual([first])

    // Bob reads it: Alice sees it read
    await bob.node.call('markRead', { contactId: bToA, ids: [first] })
    await vi.waitFor(async () => { expect((await alice.db.messages.get(first))?.state).toBe('read') }, WAIT)

    // the timer: agreed on both sides, carried by each message sent while it is on
    await alice.node.call('setChatTimer', { contactId: aToB, ttl: 300 })
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.timer?.ttl).toBe(300) }, WAIT)
    const { messageId: fleeting } = await bob.node.call('sendMessage', { contactId: bToA, text: 'gone in five' })
    await vi.waitFor(async () => { expect((await alice.db.messages.get(fleeting))?.ttl).toBe(300) }, WAIT)
    const sent = await bob.db.messages.get(fleeting)
    expect(sent?.expiresAt).toBe((sent?.sentAt ?? 0) + 300_000)

    // Alice deletes her message for everyone: nothing of it is left on Bob's side, nor searchable
    await alice.node.call('deleteMessage', { messageId: first, forEveryone: true })
    await vi.waitFor(async () => {
      const row = await bob.db.messages.get(first)
      expect(row?.deleted).toBeDefined()
      expect(row?.body).toBe('')
    }, WAIT)
    expect((await searchMessages(bob.db, 'crocus')).hits).toEqual([])
    // an edit of a message deleted for everyone is refused in words
    await expect(alice.node.call('editMessage', { messageId: first, text: 'again' })).rejects.toMatchObject({ code: 'messageWasDeleted' })
    // Bob may not delete Alice's message for everyone
    await expect(bob.node.call('deleteMessage', { messageId: first, forEveryone: true })).rejects.toMatchObject({ code: 'editNotYours' })
  }, 90_000)

  it('through the mailbox: every kind reaches an offline contact exactly once, and is acknowledged', async () => {
    const { alice, bob, aToB, bToA } = await connected()
    const { messageId: first } = await alice.node.call('sendMessage', { contactId: aToB, text: 'before you go' })
    const { messageId: theirs } = await bob.node.call('sendMessage', { contactId: bToA, text: 'see you' })
    await vi.waitFor(async () => {
      expect((await alice.db.messages.get(first))?.state).toBe('delivered')
      expect((await alice.db.messages.get(theirs))?.state).toBe('delivered')
    }, WAIT)

    const bobFactory = bob.factory
    await bob.stop()
    const { messageId: reply } = await alice.node.call('sendMessage', { contactId: aToB, text: 'while you were away', replyTo: theirs })
    await alice.node.call('react', { messageId: theirs, emoji: '🎉' })
    await alice.node.call('editMessage', { messageId: first, text: 'before you left' })
    await alice.node.call('markRead', { contactId: aToB, ids: [theirs] })
    await alice.node.call('setChatTimer', { contactId: aToB, ttl: 3600 })
    const { messageId: doomed } = await alice.node.call('sendMessage', { contactId: aToB, text: 'never mind' })
    // it waits in Bob's mailbox when Alice takes it back: Bob gets it and its delete
    await vi.waitFor(async () => { expect((await alice.db.messages.get(doomed))?.state).toBe('stored') }, SLOW)
    await alice.node.call('deleteMessage', { messageId: doomed, forEveryone: true })
    await vi.waitFor(async () => {
      const events = await alice.db.events.toArray()
      expect(events.map(e => `${e.kind}:${e.state}`).sort()).toEqual(['delete:stored', 'edit:stored', 'reaction:stored', 'read:stored', 'timer:stored'])
    }, SLOW)

    const bobAgain = await harness.startPeer(bobFactory)
    await vi.waitFor(async () => {
      expect((await bobAgain.db.messages.get(reply))?.replyTo).toBe(theirs)
      expect((await bobAgain.db.messages.get(theirs))?.reactions?.map(r => r.emoji)).toEqual(['🎉'])
      expect((await bobAgain.db.messages.get(theirs))?.state).toBe('read')
      expect((await bobAgain.db.messages.get(first))?.body).toBe('before you left')
      expect((await bobAgain.db.contacts.get(bToA))?.timer?.ttl).toBe(3600)
      expect((await bobAgain.db.messages.get(doomed))?.deleted).toBeDefined()
    }, SLOW)
    // each event stored once
    const received = await bobAgain.db.events.toArray()
    expect(received.map(e => e.kind).sort()).toEqual(['delete', 'edit', 'reaction', 'read', 'timer'])
    expect(new Set(received.map(e => e.id)).size).toBe(5)
    // the receipts bring every event to 'delivered' on Alice's side
    await vi.waitFor(async () => {
      expect((await alice.db.events.toArray()).map(e => e.state)).toEqual(Array(5).fill('delivered'))
    }, SLOW)
  }, 120_000)
})

describe('compatibility with a peer that speaks only /parley/chat/1.0.0', () => {
  it('a new node sends it plain messages (a reply without its quote) and no actions; it sends the new node plain messages', async () => {
    const { alice, bob, aToB, bToA } = await connected()
    const bobLibp2p = bob.node.libp2p
    const aliceLibp2p = alice.node.libp2p
    if (bobLibp2p === undefined || aliceLibp2p === undefined) throw new Error('no libp2p')
    // Bob's node answers only 1.0.0 from now on, as an older Parley would; and neither holds the other
    // to sessions (an older Parley never said it speaks them: sessions-no-downgrade.test.ts for one that did)
    asOlderApps(alice, bob)
    await bobLibp2p.unhandle(CHAT_PROTOCOL_V2_0)
    await bobLibp2p.unhandle(CHAT_PROTOCOL_V1_1)
    for (const connection of aliceLibp2p.getConnections(bobLibp2p.peerId)) await connection.close()

    const { messageId: plain } = await alice.node.call('sendMessage', { contactId: aToB, text: 'plain words' })
    await vi.waitFor(async () => { expect((await alice.db.messages.get(plain))?.state).toBe('delivered') }, WAIT)
    const { messageId: answer } = await alice.node.call('sendMessage', { contactId: aToB, text: 'an answer', replyTo: plain })
    await vi.waitFor(async () => { expect((await alice.db.messages.get(answer))?.state).toBe('delivered') }, WAIT)
    expect((await bob.db.messages.get(plain))?.body).toBe('plain words')
    // the 1.0.0 frame has no replyTo: the answer arrives as a plain message
    expect((await bob.db.messages.get(answer))?.replyTo).toBeUndefined()
    // an action has no 1.0.0 frame: it is not sent, and marked failed rather than retried forever
    await alice.node.call('react', { messageId: plain, emoji: '👍' })
    await vi.waitFor(async () => { expect((await alice.db.events.toArray()).map(e => e.state)).toEqual(['failed']) }, WAIT)
    expect(await bob.db.events.count()).toBe(0)

    // the other way: an old dialer opens 1.0.0 and sends a 1.0.0 frame; the new node stores it and acks it in 1.0.0
    const alicePeer = peerIdFromString(alice.node.status.peerId ?? '')
    // the connection Bob has, or a new one (a dial racing Alice's own to Bob may be closed as a duplicate: dial again)
    const connection = await vi.waitFor(async () => bobLibp2p.getConnections(alicePeer).find(c => c.status === 'open') ?? await bobLibp2p.dial(alicePeer), WAIT)
    const stream = await connection.newStream(CHAT_PROTOCOL_V1_0, { runOnLimitedConnection: true })
    expect(stream.protocol).toBe(CHAT_PROTOCOL_V1_0)
    const frames = lpStream(stream)
    const id = newMessageId()
    await frames.write(encodeChatFrame({ type: 'message', id, text: 'from the old app', sentAt: Date.now() }, '1.0.0'))
    const ack = decodeChatFrame((await frames.read()).subarray(), 'listener', '1.0.0')
    expect(ack).toEqual({ type: 'ack', id, status: 'stored' })
    await stream.close()
    const stored = await alice.db.messages.get(id as MessageRow['id'])
    expect(stored?.body).toBe('from the old app')
    expect(stored?.contactId).toBe(aToB)
    expect(bToA).toBeGreaterThan(0)
  }, 60_000)
})
