/**
 * Mailbox items in session boxes (issue 26, increment 5), through a real
 * relay-node, and what someone who captured them learns.
 *
 * Everything the relay holds for Alice while she is away is captured (a
 * client with her identity key LISTs and FETCHes it, as a thief with the key
 * and a copy of the relay's disk could), and later her identity key is
 * stolen too. A legacy item (a chat frame under the static seal, as before
 * sessions) opens with the key alone and shows its text: the control. Bob's
 * items, in boxes of his session with Alice, reach her once and are
 * answered; after the ratchet moved on, the captured items open (the static
 * seal) to boxes only, and a node with Alice's identity and nothing else
 * cannot open one of them; their text is in none of the captured bytes.
 *
 * The receipts sent back through the mailbox go in boxes too: what the relay
 * holds for Alice after Bob drained her messages is a box, which names none
 * of her messages, and it marks them delivered when she comes back.
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { open, seal } from '@parley/protocol/mailbox/seal'
import { BOX_VERSION } from '@parley/protocol/session/constants'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { getProfile } from '../../src/lib/db/profile.ts'
import { OwnKeys } from '../../src/lib/p2p/sessions/own-keys.ts'
import { PrekeyKeeper } from '../../src/lib/p2p/sessions/prekey-keeper.ts'
import { Sessions, SessionUnreadableError } from '../../src/lib/p2p/sessions/sessions.ts'
import { testLogger } from '../support/fake-components.ts'
import { capture, contains } from '../support/mailbox-capture.ts'
import { befriend, startHarness } from './harness.ts'
import type { Harness } from './harness.ts'
import type { ParleyEvents } from '../../src/lib/p2p/kernel/events.ts'
import type { Ed25519PrivateKey, Libp2pEvents } from '@libp2p/interface'

let harness: Harness
beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const SLOW = { timeout: 45_000, interval: 100 }
const text = new TextEncoder()

describe('mailbox items in session boxes', () => {
  it('captured with Alice\'s identity key, after the ratchet moved on they cannot be opened with that key alone; a legacy item can', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    const relayAddr = harness.relay.multiaddrs[0] ?? ''
    const aliceKey = privateKeyFromProtobuf((await getProfile(alice.db))!.privateKey) as Ed25519PrivateKey
    const bobKey = privateKeyFromProtobuf((await getProfile(bob.db))!.privateKey) as Ed25519PrivateKey
    const alicePeer = peerIdFromString(alice.node.status.peerId ?? '')
    const aliceIdentity = { secret: aliceKey.raw.subarray(0, 32), multihash: alicePeer.toMultihash().bytes }

    // a first word live (both sides settle as contacts, and start their session)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello' })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.state)).toEqual(['delivered']) }, SLOW)

    // Alice goes away; Bob writes to her: his node boxes each item in their session
    const aliceFactory = alice.factory
    await alice.stop()
    const secrets = ['the vault code is 4512', 'meet at the old bridge']
    for (const body of secrets) await bob.node.call('sendMessage', { contactId: bToA, text: body })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).filter(m => m.direction === 'out').map(m => m.state)).toEqual(['stored', 'stored']) }, SLOW)

    // the control: what a legacy (pre-session) item gives whoever has Alice's key
    const legacy = seal(encodeChatFrame({ type: 'message', id: '01JD0000000000000000000AAA', text: 'an old-style item', sentAt: Date.now() }),
      { senderSecret: bobKey.raw.subarray(0, 32), recipientPublic: aliceKey.publicKey.raw, recipientMultihash: aliceIdentity.multihash })
    const legacyOpened = open(legacy, aliceIdentity.secret, aliceIdentity.multihash)
    expect(contains(legacyOpened.payload, text.encode('an old-style item'))).toBe(true)

    const captured = await capture(relayAddr, aliceKey)
    expect(captured.length).toBeGreaterThanOrEqual(secrets.length)

    // Alice comes back: she gets both once, answers, Bob answers: the ratchet has moved on
    const aliceAgain = await harness.startPeer(aliceFactory)
    await vi.waitFor(async () => { expect((await chatMessages(aliceAgain.db, aToB)).map(m => m.body)).toEqual(['hello', ...secrets]) }, SLOW)
    await aliceAgain.node.call('sendMessage', { contactId: aToB, text: 'got them' })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).at(-1)?.body).toBe('got them') }, SLOW)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'good' })
    await vi.waitFor(async () => { expect((await chatMessages(aliceAgain.db, aToB)).at(-1)?.body).toBe('good') }, SLOW)

    // the thief: the static seal opens with Alice's key, and shows a box from Bob, not the words
    const thiefDb = new ParleyDb('thief', { indexedDB: new IDBFactory(), IDBKeyRange })
    const ownKeys = new OwnKeys({ identity: { privateKey: () => aliceKey } })
    const noRelays = { active: () => [] }
    const keeper = new PrekeyKeeper({ db: thiefDb, logger: testLogger(), libp2p: new TypedEventEmitter<Libp2pEvents>(), events: new TypedEventEmitter<ParleyEvents>(), relayList: noRelays, ownKeys, prekeyDirectory: aliceAgain.node.components.prekeyDirectory })
    const thief = new Sessions({ db: thiefDb, logger: testLogger(), ownKeys, prekeys: keeper })
    const bobAsPeer = { peer: bob.node.status.peerId ?? '', publicKey: bobKey.publicKey.raw, multihash: peerIdFromString(bob.node.status.peerId ?? '').toMultihash().bytes }
    let boxes = 0
    for (const item of captured) {
      for (const body of secrets) expect(contains(item, text.encode(body))).toBe(false)
      const opened = open(item, aliceIdentity.secret, aliceIdentity.multihash)
      expect(opened.senderPublic).toEqual(bobKey.publicKey.raw)
      if (opened.payload[0] !== BOX_VERSION) continue
      boxes++
      for (const body of secrets) expect(contains(opened.payload, text.encode(body))).toBe(false)
      const err = await thief.open(bobAsPeer, opened.payload).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(SessionUnreadableError)
    }
    // every chat item was in a box (receipts and hellos are not chat items)
    expect(boxes).toBe(secrets.length)
    thiefDb.close()
  }, 150_000)

  it('receipts sent back through the mailbox go in a box of the session: the relay holds no message id of them', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    const relayAddr = harness.relay.multiaddrs[0] ?? ''
    const aliceKey = privateKeyFromProtobuf((await getProfile(alice.db))!.privateKey) as Ed25519PrivateKey
    const bobKey = privateKeyFromProtobuf((await getProfile(bob.db))!.privateKey) as Ed25519PrivateKey
    const aliceMultihash = peerIdFromString(alice.node.status.peerId ?? '').toMultihash().bytes

    // a word each way live: both have their session
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello' })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toEqual(['hello']) }, SLOW)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'hi' })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.state)).toEqual(['delivered', 'delivered']) }, SLOW)

    // Bob goes away; Alice's words wait in his mailbox
    const bobFactory = bob.factory
    await bob.stop()
    for (const body of ['one', 'two']) await alice.node.call('sendMessage', { contactId: aToB, text: body })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).filter(m => m.direction === 'out').map(m => m.state)).toEqual(['delivered', 'stored', 'stored']) }, SLOW)
    const ids = (await chatMessages(alice.db, aToB)).filter(m => m.state === 'stored').map(m => m.id)

    // Alice goes away; Bob comes back, takes them, and sends the receipts to her mailbox
    const aliceFactory = alice.factory
    await alice.stop()
    const bobAgain = await harness.startPeer(bobFactory)
    await vi.waitFor(async () => { expect((await chatMessages(bobAgain.db, bToA)).map(m => m.body)).toEqual(['hello', 'hi', 'one', 'two']) }, SLOW)
    let captured: Uint8Array[] = []
    await vi.waitFor(async () => {
      captured = await capture(relayAddr, aliceKey)
      expect(captured.length).toBeGreaterThan(0)
    }, SLOW)
    for (const item of captured) {
      const opened = open(item, aliceKey.raw.subarray(0, 32), aliceMultihash)
      expect(opened.senderPublic).toEqual(bobKey.publicKey.raw)
      expect(opened.payload[0]).toBe(BOX_VERSION)
      for (const id of ids) expect(contains(opened.payload, text.encode(id))).toBe(false)
    }

    // Alice comes back: the box opens on her session, and her words are delivered
    const aliceAgain = await harness.startPeer(aliceFactory)
    await vi.waitFor(async () => { expect((await chatMessages(aliceAgain.db, aToB)).filter(m => m.direction === 'out').map(m => m.state)).toEqual(['delivered', 'delivered', 'delivered']) }, SLOW)
    await vi.waitFor(async () => { expect(await capture(relayAddr, aliceKey)).toEqual([]) }, SLOW)
  }, 150_000)
})
