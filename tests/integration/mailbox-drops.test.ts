/**
 * What a NodeService does with mailbox items it must not trust: each is
 * dropped, counted by reason and deleted from the relay, and none is ever
 * stored as a message.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { chatMessages, newMessageId } from '../../src/lib/db/messages.ts'
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { seal } from '@parley/protocol/mailbox/seal'
import { asOlderApps, befriend, identityKeyOf, startHarness } from './harness.ts'
import { internals } from '../support/internals.ts'
import type { Harness } from './harness.ts'
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface'

let harness: Harness
let mallory: Libp2p | undefined

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  await mallory?.stop()
  await harness.close()
})

describe('mailbox items a node must not trust', () => {
  it('drops and counts unreadable items, strangers, forged senders, non-chat payloads and receipts for messages it never sent', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { bToA } = await befriend(alice, bob)
    // items under the static seal alone come from an older app: here neither side holds the other to
    // boxes (from one that speaks sessions they are refused: mailbox-unboxed.test.ts, sessions-no-downgrade.test.ts)
    asOlderApps(alice, bob)
    const bobId = peerIdFromString(bob.node.status.peerId ?? '')
    const to = { recipientPublic: bobId.publicKey?.raw ?? new Uint8Array(0), recipientMultihash: bobId.toMultihash().bytes }
    const aliceSecret = (await identityKeyOf(alice)).raw.subarray(0, 32)
    const text = (s: string): Uint8Array => new TextEncoder().encode(s)
    const message = (id: string, body: string): Uint8Array => encodeChatFrame({ type: 'message', id, text: body, sentAt: Date.now() })

    // Mallory, a stranger with a connection to the same relay
    const key = await generateKeyPair('Ed25519') as Ed25519PrivateKey
    mallory = await createLibp2p({ privateKey: key, transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    const connection = await mallory.dial(multiaddr(harness.relay.multiaddrs[0] ?? ''))
    const deposit = async (item: Uint8Array): Promise<void> => {
      await mailboxRequest(connection, { op: 'deposit', id: crypto.getRandomValues(new Uint8Array(16)), recipient: to.recipientMultihash, item })
    }
    const malloryKeys = { senderSecret: key.raw.subarray(0, 32), ...to }

    // not a seal at all
    await deposit(text('x'.repeat(300)))
    // sealed by a stranger
    await deposit(seal(message(newMessageId(), 'from a stranger'), malloryKeys))
    // a real seal of Alice's, altered on the way (a forged signature inside a valid seal: the seal's unit tests)
    const forged = seal(message(newMessageId(), 'I am Alice'), { senderSecret: aliceSecret, ...to })
    forged[forged.length - 20] = (forged[forged.length - 20] ?? 0) ^ 0xff
    await deposit(forged)
    // really from Alice, but not a chat frame
    await deposit(seal(text('{"type":"hello"}'), { senderSecret: aliceSecret, ...to }))
    // really from Alice: a receipt for a message Bob never sent her
    await deposit(seal(encodeChatFrame({ type: 'ack', id: newMessageId(), status: 'stored' }), { senderSecret: aliceSecret, ...to }))

    await internals(bob.node).courier.drain()
    expect(internals(bob.node).courier.stats.dropped).toEqual({ unreadable: 2, 'not-a-contact': 1, malformed: 1, 'not-ours': 1, replayed: 0, unboxed: 0 })
    expect(internals(bob.node).courier.stats.received).toBe(0)
    expect(await chatMessages(bob.db, bToA)).toEqual([])
    expect(await bob.db.messages.count()).toBe(0)
    // dropped items are deleted from the relay like any other
    expect(harness.relay.mailboxUsage(bobId.toString())?.items).toBe(0)

    // a real one from Alice still gets through, and is acked back
    await deposit(seal(message(newMessageId(), 'really me'), { senderSecret: aliceSecret, ...to }))
    await internals(bob.node).courier.drain()
    expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toEqual(['really me'])
    expect(internals(bob.node).courier.stats.received).toBe(1)
    // its receipt went back to Alice's mailbox; she never sent that message (the test made it up), so she drops it
    await internals(alice.node).courier.drain()
    expect(internals(alice.node).courier.stats.dropped['not-ours']).toBe(1)
    expect(harness.relay.mailboxUsage(alice.node.status.peerId ?? '')?.items).toBe(0)
  })
})
