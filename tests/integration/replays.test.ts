/**
 * A relay that replays what was deposited (issue 57, items 2 and 3): it
 * keeps a copy of each item it hands over (tests/support/mailbox-capture.ts
 * fetches them with the recipient's key and leaves them there, as a relay
 * can) and deposits the copy again later under a new id. Items are sealed as
 * the classical static seal carries them (a session box's key is gone once
 * used, so a replayed box never opened again; the static seal had nothing of
 * the kind). Time is injected: the expiry sweep is run with a clock of the
 * test's, and an item's age is its message id's time.
 */
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { ulid } from 'ulid'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { encodeContactFrame } from '@parley/protocol/contact/codec'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { seal } from '@parley/protocol/mailbox/seal'
import { getContact, getContactByPeerId } from '../../src/lib/db/contacts.ts'
import { chatMessages, newMessageId } from '../../src/lib/db/messages.ts'
import { ITEM_MAX_AGE_MS } from '../../src/lib/db/tombstones.ts'
import { removeExpired } from '../../src/lib/p2p/actions/expiry.ts'
import { capture } from '../support/mailbox-capture.ts'
import { internals } from '../support/internals.ts'
import { asOlderApps, befriend, identityKeyOf, startHarness } from './harness.ts'
import type { ContactHelloFrame } from '@parley/protocol/contact/codec'
import type { Harness, Peer } from './harness.ts'
import type { Libp2p } from '@libp2p/interface'
import type { ContactId } from '../../src/lib/db/types.ts'

let harness: Harness
let relayHand: Libp2p | undefined

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  await relayHand?.stop()
  await harness.close()
})

interface Scene {
  alice: Peer
  bob: Peer
  bToA: ContactId
  /** an item sealed by Alice to Bob, as her node seals it without a session */
  fromAlice(payload: Uint8Array): Uint8Array
  /** deposits `item` for Bob under a fresh id (what the relay does with its copies) */
  deposit(item: Uint8Array): Promise<void>
  /** every item the relay holds for Bob now, copied (and left there) */
  copy(): Promise<Uint8Array[]>
  drain(): Promise<void>
}

async function scene (): Promise<Scene> {
  const alice = await harness.startPeer(undefined, 'Alice')
  const bob = await harness.startPeer(undefined, 'Bob')
  const { bToA } = await befriend(alice, bob)
  // the replayed items go under the static seal alone, as an older app's do: here neither side holds
  // the other to boxes (from one that speaks sessions they are refused before any of this: mailbox-unboxed.test.ts)
  asOlderApps(alice, bob)
  const bobId = peerIdFromString(bob.node.status.peerId ?? '')
  const to = { recipientPublic: bobId.publicKey?.raw ?? new Uint8Array(0), recipientMultihash: bobId.toMultihash().bytes }
  const aliceSecret = (await identityKeyOf(alice)).raw.subarray(0, 32)
  const bobKey = await identityKeyOf(bob)
  const relayAddr = harness.relay.multiaddrs[0] ?? ''
  // the relay's own hand: a connection of its choosing that deposits for Bob
  relayHand = await createLibp2p({ transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
  const connection = await relayHand.dial(multiaddr(relayAddr))
  return {
    alice,
    bob,
    bToA,
    fromAlice: (payload) => seal(payload, { senderSecret: aliceSecret, ...to }),
    async deposit (item) {
      await mailboxRequest(connection, { op: 'deposit', id: crypto.getRandomValues(new Uint8Array(16)), recipient: to.recipientMultihash, item })
    },
    copy: async () => capture(relayAddr, bobKey),
    drain: async () => { await internals(bob.node).courier.drain() }
  }
}

const hello = (frame: ContactHelloFrame): Uint8Array => encodeContactFrame(frame)

describe('a relay that replays items', () => {
  it('a replayed disappearing message that expired, and a replayed message deleted here, do not come back', async () => {
    const s = await scene()
    const vanishing = newMessageId()
    const deleted = newMessageId()
    await s.deposit(s.fromAlice(encodeChatFrame({ type: 'message', id: vanishing, text: 'gone in five minutes', sentAt: Date.now(), ttl: 300 })))
    await s.deposit(s.fromAlice(encodeChatFrame({ type: 'message', id: deleted, text: 'deleted by Bob', sentAt: Date.now() })))
    const copies = await s.copy()
    expect(copies).toHaveLength(2)
    await s.drain()
    expect((await chatMessages(s.bob.db, s.bToA)).map(m => m.body).sort()).toEqual(['deleted by Bob', 'gone in five minutes'])

    await s.bob.node.call('deleteMessage', { messageId: deleted, forEveryone: false })
    // six minutes later by the sweep's clock
    expect(await removeExpired(s.bob.db, { forget: async () => {} }, Date.now() + 6 * 60_000)).toBe(1)
    expect(await chatMessages(s.bob.db, s.bToA)).toEqual([])

    // a week later (or now: the same), the relay hands the copies over again
    for (const item of copies) await s.deposit(item)
    await s.drain()
    expect(await chatMessages(s.bob.db, s.bToA)).toEqual([])
    expect(await s.bob.db.messages.get(vanishing)).toBeUndefined()
    expect(harness.relay.mailboxUsage(s.bob.node.status.peerId ?? '')?.items ?? 0).toBe(0)
    // they count as stored (Alice is told so again), not as refused
    expect(internals(s.bob.node).courier.stats.dropped.replayed).toBe(0)
  })

  it('an item whose message id is older than a relay keeps items is refused, however it came', async () => {
    const s = await scene()
    // (not newMessageId: its ids never go back in time)
    const old = ulid(Date.now() - ITEM_MAX_AGE_MS - 60_000)
    const recent = ulid(Date.now() - ITEM_MAX_AGE_MS + 3_600_000)
    await s.deposit(s.fromAlice(encodeChatFrame({ type: 'message', id: old, text: 'from three weeks ago', sentAt: Date.now() })))
    await s.deposit(s.fromAlice(encodeChatFrame({ type: 'message', id: recent, text: 'from two weeks ago', sentAt: Date.now() })))
    await s.drain()
    expect((await chatMessages(s.bob.db, s.bToA)).map(m => m.body)).toEqual(['from two weeks ago'])
    expect(internals(s.bob.node).courier.stats.dropped.replayed).toBe(1)
    expect(harness.relay.mailboxUsage(s.bob.node.status.peerId ?? '')?.items ?? 0).toBe(0)
  })

  it('a replayed old hello changes nothing: the name and addresses stay the newest', async () => {
    const s = await scene()
    const aliceId = s.alice.node.status.peerId ?? ''
    // nothing live comes from her: only what the relay hands over
    await s.alice.stop()
    const relayCircuit = `${harness.relay.multiaddrs[0] ?? ''}/p2p-circuit/p2p/${aliceId}`
    const oldRelay = `/ip4/198.51.100.7/tcp/443/wss/p2p/${s.bob.node.status.peerId ?? ''}/p2p-circuit/p2p/${aliceId}`
    const now = Date.now()
    await s.deposit(s.fromAlice(hello({ type: 'accept', name: 'Alice, steered', addresses: [oldRelay], time: now - 60_000 })))
    const [old] = await s.copy()
    await s.drain()
    expect(await getContact(s.bob.db, s.bToA)).toMatchObject({ username: 'Alice, steered', addresses: [oldRelay] })
    await s.deposit(s.fromAlice(hello({ type: 'accept', name: 'Alice', addresses: [relayCircuit], time: now })))
    await s.drain()
    expect(await getContact(s.bob.db, s.bToA)).toMatchObject({ username: 'Alice', addresses: [relayCircuit], helloAt: now })

    await s.deposit(old ?? new Uint8Array(0))
    await s.drain()
    expect(await getContact(s.bob.db, s.bToA)).toMatchObject({ username: 'Alice', addresses: [relayCircuit], helloAt: now })
    // and a hello without a time could be from any time: from a mailbox it is refused
    await s.deposit(s.fromAlice(encodeContactFrame({ type: 'accept', name: 'Alice, timeless', addresses: [oldRelay] })))
    await s.drain()
    expect(await getContact(s.bob.db, s.bToA)).toMatchObject({ username: 'Alice', addresses: [relayCircuit] })
    expect(internals(s.bob.node).courier.stats.dropped.replayed).toBe(1)
  })

  it('a replayed old request from a deleted contact leaves them deleted, kept history or not; a new request still asks', async () => {
    const s = await scene()
    const aliceId = s.alice.node.status.peerId ?? ''
    // nothing live comes from her: only what the relay hands over
    await s.alice.stop()
    await s.deposit(s.fromAlice(hello({ type: 'request', name: 'Alice', addresses: [], time: Date.now() - 1000 })))
    const [request] = await s.copy()
    await s.drain()

    await s.bob.node.call('deleteContact', { contactId: s.bToA, withHistory: false })
    await s.deposit(request ?? new Uint8Array(0))
    await s.drain()
    expect(await getContact(s.bob.db, s.bToA)).toMatchObject({ state: 'deleted' })

    await s.bob.node.call('deleteContact', { contactId: s.bToA, withHistory: true })
    await s.deposit(request ?? new Uint8Array(0))
    await s.drain()
    expect(await getContactByPeerId(s.bob.db, aliceId)).toBeUndefined()

    // she asks again, after the delete: that one is hers to make
    await s.deposit(s.fromAlice(hello({ type: 'request', name: 'Alice again', addresses: [], time: Date.now() + 1 })))
    await s.drain()
    expect(await getContactByPeerId(s.bob.db, aliceId)).toMatchObject({ state: 'pending', username: 'Alice again' })
  })
})
