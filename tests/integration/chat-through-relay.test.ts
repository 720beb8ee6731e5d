import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContact, getContactByPeerId } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { CONTACT_PROTOCOL } from '@parley/protocol/contact/codec'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { befriend, inviteOf, startHarness, WAIT } from './harness.ts'
import type { ParleyDb } from '../../src/lib/db/db.ts'
import type { ContactId, ContactRow } from '../../src/lib/db/types.ts'
import type { Harness } from './harness.ts'

let harness: Harness

async function states (db: ParleyDb, contactId: ContactId): Promise<string[]> {
  return (await chatMessages(db, contactId)).map(m => `${m.direction}:${m.body}:${m.state}`)
}

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const startPeer: Harness['startPeer'] = async (...args) => harness.startPeer(...args)

describe('chat through a real relay-node', () => {
  it('delivers both ways and marks messages delivered', async () => {
    const alice = await startPeer(undefined, 'Alice')
    const bob = await startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)

    await bob.node.call('sendMessage', { contactId: bToA, text: 'hello alice' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['in:hello alice:delivered']) }, WAIT)
    await vi.waitFor(async () => { expect(await states(bob.db, bToA)).toEqual(['out:hello alice:delivered']) }, WAIT)

    await alice.node.call('sendMessage', { contactId: aToB, text: 'hi bob' })
    await vi.waitFor(async () => {
      expect(await states(alice.db, aToB)).toEqual(['in:hello alice:delivered', 'out:hi bob:delivered'])
    }, WAIT)
    expect(await states(bob.db, bToA)).toEqual(['out:hello alice:delivered', 'in:hi bob:delivered'])

    // each side announced what it received (for an open chat to show at once), and nothing else
    const [stored] = await chatMessages(alice.db, aToB)
    expect(alice.events).toEqual([{ kind: 'received', message: stored }])
    expect(bob.events.map(e => e.kind === 'received' ? `${e.message.contactId}:${e.message.body}` : e.kind)).toEqual([`${bToA}:hi bob`])
  })

  it('keeps messages queued while the contact is away and delivers them once, in order', async () => {
    const alice = await startPeer(undefined, 'Alice')
    const bob = await startPeer(undefined, 'Bob')
    const { aToB } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'first contact' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['out:first contact:delivered']) }, WAIT)

    const bobFactory = bob.factory
    await bob.stop()
    for (const text of ['one', 'two', 'three']) await alice.node.call('sendMessage', { contactId: aToB, text: text })
    const queued = await states(alice.db, aToB)
    expect(queued.slice(1).every(s => /:(queued|sent|stored)$/.test(s))).toBe(true)

    const bobAgain = await startPeer(bobFactory)
    await vi.waitFor(async () => {
      expect(await states(alice.db, aToB)).toEqual([
        'out:first contact:delivered', 'out:one:delivered', 'out:two:delivered', 'out:three:delivered'
      ])
    }, WAIT)
    const bobToAlice = (await bobAgain.db.contacts.toArray())[0]?.id as ContactId
    expect(await states(bobAgain.db, bobToAlice)).toEqual([
      'in:first contact:delivered', 'in:one:delivered', 'in:two:delivered', 'in:three:delivered'
    ])
  })

  it('re-reserves after the relay restarts and chat resumes', async () => {
    const alice = await startPeer(undefined, 'Alice')
    const bob = await startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'before' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['in:before:delivered']) }, WAIT)

    const port = Number(harness.relay.multiaddrs[0]?.split('/')[4])
    const peerIdBefore = harness.relay.peerId
    await harness.relay.stop()
    await vi.waitFor(() => { expect(alice.node.status.phase).toBe('offline') }, WAIT)
    const relay = await harness.startRelay(port)
    expect(relay.peerId).toBe(peerIdBefore)

    await vi.waitFor(() => {
      expect(alice.node.status.phase).toBe('online')
      expect(bob.node.status.phase).toBe('online')
    }, { timeout: 40_000, interval: 100 })
    await bob.node.call('sendMessage', { contactId: bToA, text: 'after' })
    await vi.waitFor(async () => {
      expect(await states(alice.db, aToB)).toEqual(['in:before:delivered', 'in:after:delivered'])
    }, { timeout: 40_000, interval: 100 })
  }, 90_000)
})

describe('contact requests through a real relay-node', () => {
  it('a request from a short link (PeerID and name, no address: Bob is found through the relay) waits for the other side, which accepts; then messages flow both ways', async () => {
    const alice = await startPeer(undefined, 'Alice')
    const bob = await startPeer(undefined, 'Bob')
    const link = await inviteOf(bob, 'link')
    expect(link.invite.length).toBeLessThanOrEqual(120)
    const { contactId: aToB } = await alice.node.call('addContact', link)
    expect(await getContact(alice.db, aToB)).toMatchObject({ username: 'Bob', addresses: [] })
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello, may I?' })

    const request = async (): Promise<ContactRow | undefined> => getContactByPeerId(bob.db, alice.node.status.peerId ?? '')
    await vi.waitFor(async () => { expect((await request())?.state).toBe('pending') }, WAIT)
    expect((await request())?.username).toBe('Alice')
    // nothing is stored on Bob's side before he accepts
    expect(await bob.db.messages.count()).toBe(0)
    expect((await getContact(alice.db, aToB))?.state).toBe('requested')
    // the lookup that found Bob through the relay left his circuit address in the row
    expect((await getContact(alice.db, aToB))?.addresses.some(a => a.endsWith(`/p2p-circuit/p2p/${bob.node.status.peerId ?? ''}`))).toBe(true)

    await bob.node.call('acceptContact', { contactId: (await request())?.id ?? -1 })
    await vi.waitFor(async () => { expect((await getContact(alice.db, aToB))?.state).toBe('accepted') }, WAIT)
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['out:hello, may I?:delivered']) }, WAIT)
    const bToA = (await request())?.id ?? -1
    await bob.node.call('sendMessage', { contactId: bToA, text: 'welcome' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['out:hello, may I?:delivered', 'in:welcome:delivered']) }, WAIT)
  })

  it('a malformed contact frame resets that stream only; the node keeps answering', async () => {
    const alice = await startPeer(undefined, 'Alice')
    const bob = await startPeer(undefined, 'Bob')
    const bobPeer = peerIdFromString(bob.node.status.peerId ?? '')
    const node = alice.node.libp2p
    if (node == null) throw new Error('alice has no node')
    await node.peerStore.merge(bobPeer, { multiaddrs: bob.node.status.addresses.map(a => multiaddr(a)) })
    // the circuit may close while it opens when the machine is busy; the app's
    // contact requests retry that (KeyedRetry), and so does this setup step
    const stream = await vi.waitFor(async () => node.dialProtocol(bobPeer, CONTACT_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) }), WAIT)
    const frames = lpStream(stream)
    await frames.write(new TextEncoder().encode('{"type":"request","name":"<script>","addresses":"nope"}'))
    await expect(frames.read({ signal: AbortSignal.timeout(10_000) })).rejects.toThrow()
    expect(await getContactByPeerId(bob.db, alice.node.status.peerId ?? '')).toBeUndefined()

    // a proper request on a new stream still works
    await alice.node.call('addContact', await inviteOf(bob))
    await vi.waitFor(async () => { expect((await getContactByPeerId(bob.db, alice.node.status.peerId ?? ''))?.state).toBe('pending') }, WAIT)
  })
})
