import { UNKNOWN_CAPABILITIES } from '../../../../src/lib/contract/index.ts'
import { CHAT_PROTOCOL_V2_0 } from '@parley/protocol/chat/constants'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { upsertContact } from '../../../../src/lib/db/contacts.ts'
import { ADDRESS_HELLO_DEBOUNCE_MS, ContactHellos, HELLO_CONCURRENCY } from '../../../../src/lib/p2p/contacts/hellos.ts'
import { tell } from '../../../../src/lib/p2p/kernel/events.ts'
import { Greeter, REDIAL_BACKOFF } from '../../../../src/lib/p2p/presence/greeter.ts'
import { openTestDb } from '../../db/helpers.ts'
import { FakeLibp2p, fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, ContactState } from '../../../../src/lib/db/types.ts'
import type { ContactDialer } from '../../../../src/lib/p2p/kernel/ports/presence.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { ContactFrame, ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { Connection, PeerId } from '@libp2p/interface'

/**
 * Our new addresses (a relay died and another holds our reservation) go to
 * connected contacts in an `accept` hello, once they settle (ContactHellos);
 * the greeter dials through the dialer it is given (ContactFinder in the app).
 */

let db: ParleyDb
let libp2p: FakeLibp2p<{ contact: { send(connection: Connection, hello: ContactHelloFrame): Promise<ContactReplyFrame> } }>
/** what the listener answers a hello sent live */
let liveReply: ContactReplyFrame
let hellos: Array<{ to: string, hello: ContactHelloFrame }>
let addresses: string[]
let contactHellos: ContactHellos
let greeter: Greeter
let dialed: string[]
let dialer: Pick<ContactDialer, 'connect'>
/** runs before a hello is recorded as sent; a throw fails that send */
let sendHook: ((to: string) => Promise<void>) | undefined
/** the PeerIDs `contact:accepted` named, in order */
let acceptedEvents: string[]
/** hellos left in mailboxes (the courier's depositHello), and how many relays take the next one */
let deposited: Array<{ to: string, frame: ContactFrame }>
let relaysTaking: number
let events: TypedEventEmitter<ParleyEvents>
/** what the outbox's kick does (the outbox flows once someone is a contact) */
let outboxKick: () => void

async function contact (name: string, state: ContactState, extra: { connected?: boolean, blocked?: boolean, helloPending?: boolean } = {}): Promise<PeerId> {
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const id = await upsertContact(db, { peerId: peer.toString(), username: name, addresses: [], state })
  await db.contacts.update(id, { blocked: extra.blocked === true, helloPending: extra.helloPending === true })
  if (extra.connected !== false) libp2p.connections.push(fakeConnection({ remotePeer: peer }))
  return peer
}

function selfUpdate (): void {
  libp2p.dispatchEvent(new CustomEvent('self:peer:update'))
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  db = await openTestDb()
  hellos = []
  dialed = []
  sendHook = undefined
  liveReply = { type: 'reply', status: 'accepted' }
  addresses = ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWR1/p2p-circuit/p2p/12D3KooWMe']
  libp2p = new FakeLibp2p(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), {
    contact: {
      send: async (connection: Connection, hello: ContactHelloFrame) => {
        const to = connection.remotePeer.toString()
        await sendHook?.(to)
        hellos.push({ to, hello })
        return liveReply
      }
    }
  })
  dialer = {
    connect: async (c) => {
      dialed.push(c.peerId)
      throw new Error('unreachable')
    }
  }
  outboxKick = () => {}
  const outbox = { kick: () => { outboxKick() } }
  deposited = []
  relaysTaking = 1
  const courier = {
    depositHello: async (to: { peerId: string }, frame: ContactFrame) => {
      deposited.push({ to: to.peerId, frame })
      return relaysTaking
    }
  }
  events = new TypedEventEmitter<ParleyEvents>()
  acceptedEvents = []
  events.addEventListener('contact:accepted', (evt) => { acceptedEvents.push(evt.detail.peerId) })
  const components = {
    db,
    logger: testLogger(),
    events,
    libp2p,
    dialer,
    outbox,
    courier,
    identity: { require: () => ({ id: 1 as const, peerId: '12D3KooWMe', privateKey: new Uint8Array(), username: 'Me', createdAt: 0 }) },
    status: { get current () { return { phase: 'online' as const, addresses, relays: [], paths: {}, capabilities: UNKNOWN_CAPABILITIES, direct: {} } } },
    get greeter () { return greeter },
    get hellos () { return contactHellos }
  }
  contactHellos = new ContactHellos(components)
  greeter = new Greeter(components)
  contactHellos.start()
  await greeter.start()
})
afterEach(() => {
  contactHellos.stop()
  greeter.stop()
  db.close()
  vi.useRealTimers()
})

describe('ContactHellos: our new addresses', () => {
  it('are sent, once they settle, to each accepted contact we are connected to, in an accept hello', async () => {
    const alice = await contact('alice', 'accepted')
    const bob = await contact('bob', 'accepted')
    await contact('carol', 'accepted', { connected: false })
    await contact('dave', 'accepted', { blocked: true })
    await contact('erin', 'pending')
    await contact('frank', 'requested')
    await contact('grace', 'accepted', { helloPending: true }) // her owed accept carries them

    // libp2p reports a reservation that ends and the one replacing it separately: one round for both
    selfUpdate()
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS - 1)
    selfUpdate()
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS - 1)
    expect(hellos).toEqual([])
    await vi.advanceTimersByTimeAsync(1)

    await vi.waitFor(() => { expect(hellos).toHaveLength(2) })
    expect(hellos.map(h => h.to).sort()).toEqual([alice.toString(), bob.toString()].sort())
    for (const { hello } of hellos) expect(hello).toEqual({ type: 'accept', name: 'Me', addresses, time: expect.any(Number), sessions: true })
    // nobody is dialled for it: contacts not connected find us through the DHT
    expect(dialed).toEqual([])
  })

  it('are not sent again while they stay the same, and are sent when they change again', async () => {
    await contact('alice', 'accepted')
    selfUpdate()
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS)
    await vi.waitFor(() => { expect(hellos).toHaveLength(1) })

    selfUpdate() // e.g. a protocol change: the same addresses
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS)
    addresses = [...addresses].reverse()
    selfUpdate() // the same set in another order
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS)
    await db.contacts.count() // one more IndexedDB round trip for a round that should not happen
    expect(hellos).toHaveLength(1)

    addresses = ['/ip4/127.0.0.1/tcp/9092/ws/p2p/12D3KooWR2/p2p-circuit/p2p/12D3KooWMe']
    selfUpdate()
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS)
    await vi.waitFor(() => { expect(hellos).toHaveLength(2) })
    expect(hellos[1]?.hello.addresses).toEqual(addresses)
  })

  it('are not sent while we have none (no relay holds a reservation)', async () => {
    await contact('alice', 'accepted')
    addresses = []
    selfUpdate()
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS)
    await db.contacts.count()
    expect(hellos).toEqual([])
  })

  it(`go to at most ${HELLO_CONCURRENCY} contacts at once, and a failure does not stop the others`, async () => {
    const peers = await Promise.all(Array.from({ length: HELLO_CONCURRENCY + 3 }, async (_, i) => contact(`c${i}`, 'accepted')))
    const failing = peers[0]?.toString()
    let inFlight = 0
    let most = 0
    const waiting: Array<() => void> = []
    sendHook = async (to) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise<void>(resolve => { waiting.push(resolve) })
      inFlight--
      if (to === failing) throw new Error('stream reset')
    }
    selfUpdate()
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS)
    for (let released = 0; released < peers.length; released++) {
      await vi.waitFor(() => { expect(waiting.length).toBeGreaterThan(0) })
      expect(inFlight).toBeLessThanOrEqual(HELLO_CONCURRENCY)
      waiting.shift()?.()
    }
    await vi.waitFor(() => { expect(hellos).toHaveLength(peers.length - 1) })
    expect(most).toBe(HELLO_CONCURRENCY)
    expect(hellos.map(h => h.to).sort()).toEqual(peers.map(String).filter(p => p !== failing).sort())
  })

  it('stop() cancels a pending round', async () => {
    await contact('alice', 'accepted')
    selfUpdate()
    contactHellos.stop()
    await vi.advanceTimersByTimeAsync(ADDRESS_HELLO_DEBOUNCE_MS)
    await db.contacts.count()
    expect(hellos).toEqual([])
  })
})

describe('ContactHellos: becoming a contact', () => {
  const hello = (type: 'request' | 'accept'): ContactHelloFrame => ({ type, name: 'Them', addresses: [] })

  it('says contact:accepted when their accept makes them a contact, and not for an accept that only refreshes one', async () => {
    const asked = await contact('Asked', 'requested')
    expect(await contactHellos.receive(asked, hello('accept'))).toBe('accepted')
    expect(acceptedEvents).toEqual([asked.toString()])
    // the same peer refreshing its name and addresses later: no news
    expect(await contactHellos.receive(asked, hello('accept'))).toBe('accepted')
    expect(acceptedEvents).toEqual([asked.toString()])
  })

  it('a stale hello (not newer than one taken) changes nothing and is answered with how we stand', async () => {
    const pending = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    expect(await contactHellos.receive(pending, { type: 'request', name: 'New name', addresses: [], time: 2000 })).toBe('pending')
    expect(await contactHellos.receive(pending, { type: 'request', name: 'Old name', addresses: [], time: 1000 })).toBe('pending')
    expect(await db.contacts.where('peerId').equals(pending.toString()).first()).toMatchObject({ username: 'New name', helloAt: 2000, state: 'pending' })
    const friend = await contact('Friend', 'accepted')
    expect(await contactHellos.receive(friend, { type: 'accept', name: 'Friend', addresses: [], time: 5000 })).toBe('accepted')
    expect(await contactHellos.receive(friend, { type: 'accept', name: 'Friend, before', addresses: [], time: 5000 })).toBe('accepted')
    expect((await db.contacts.where('peerId').equals(friend.toString()).first())?.username).toBe('Friend')
    expect(acceptedEvents).toEqual([])
  })

  it('says nothing for a request that waits for the user', async () => {
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    expect(await contactHellos.receive(stranger, hello('request'))).toBe('pending')
    expect(acceptedEvents).toEqual([])
  })

  it('says contact:accepted when the answer to our owed request is an accept', async () => {
    const asked = await contact('Asked', 'requested', { helloPending: true })
    const id = (await db.contacts.where('peerId').equals(asked.toString()).first())?.id
    if (id === undefined) throw new Error('no contact row')
    // reachable: the dialer hands over the open connection
    dialer.connect = async (c) => {
      const open = libp2p.connections.find(connection => connection.remotePeer.toString() === c.peerId)
      if (open === undefined) throw new Error('not connected')
      return open
    }
    await contactHellos.sendOwed(id)
    expect(hellos.map(h => h.to)).toEqual([asked.toString()])
    expect(acceptedEvents).toEqual([asked.toString()])
    // a reply without `sessions` (an older app) marks nothing
    expect((await db.contacts.get(id))?.sessions).toBeUndefined()
  })

  it('a live `accepted` reply that says their app speaks sessions marks them before they become a contact (issue 57, item 1)', async () => {
    const asked = await contact('Asked again', 'requested', { helloPending: true })
    const id = (await db.contacts.where('peerId').equals(asked.toString()).first())?.id
    if (id === undefined) throw new Error('no contact row')
    dialer.connect = async (c) => {
      const open = libp2p.connections.find(connection => connection.remotePeer.toString() === c.peerId)
      if (open === undefined) throw new Error('not connected')
      return open
    }
    liveReply = { type: 'reply', status: 'accepted', sessions: true }
    // the outbox flows once they are a contact: by then the row must say they speak sessions
    let markedWhenKicked: boolean | undefined
    const kicked = new Promise<void>(resolve => {
      outboxKick = () => {
        void db.contacts.get(id).then(row => { markedWhenKicked = row?.sessions === true; resolve() })
      }
    })
    await contactHellos.sendOwed(id)
    await kicked
    expect(markedWhenKicked).toBe(true)
    expect(await db.contacts.get(id)).toMatchObject({ state: 'accepted', sessions: true })
    expect(hellos[0]?.hello.sessions).toBe(true)
  })
})

describe('ContactHellos: a hello they cannot take now waits in their mailbox', () => {
  async function owedTo (name: string): Promise<{ peer: PeerId, id: ContactId }> {
    const peer = await contact(name, 'requested', { connected: false, helloPending: true })
    const id = (await db.contacts.where('peerId').equals(peer.toString()).first())?.id
    if (id === undefined) throw new Error('no contact row')
    return { peer, id }
  }

  it('an unreachable contact: the request is deposited once, and stays owed', async () => {
    const { peer, id } = await owedTo('Offline')
    await contactHellos.sendOwed(id)
    expect(deposited).toEqual([{ to: peer.toString(), frame: { type: 'request', name: 'Me', addresses, time: expect.any(Number), sessions: true } }])
    expect(await db.contacts.get(id)).toMatchObject({ helloPending: true, helloStored: true })
    // tried again later: it is on a relay already
    await contactHellos.sendOwed(id)
    expect(deposited).toHaveLength(1)
    expect(dialed).toEqual([peer.toString(), peer.toString()])
  })

  it('no relay took it: not marked stored, so the next try deposits again', async () => {
    const { id } = await owedTo('Nowhere')
    relaysTaking = 0
    await contactHellos.sendOwed(id)
    expect((await db.contacts.get(id))?.helloStored).not.toBe(true)
    relaysTaking = 1
    await contactHellos.sendOwed(id)
    expect(deposited).toHaveLength(2)
    expect((await db.contacts.get(id))?.helloStored).toBe(true)
  })

  it('a `pending` reply from a mailbox that says their app speaks sessions marks them for good; a later reply without it changes nothing', async () => {
    const { id } = await owedTo('Waiting')
    const row = await db.contacts.get(id)
    if (row === undefined) throw new Error('no contact row')
    await contactHellos.settle(row, { status: 'pending', sessions: true })
    expect(await db.contacts.get(id)).toMatchObject({ state: 'requested', sessions: true })
    await contactHellos.settle(row, { status: 'accepted' })
    expect(await db.contacts.get(id)).toMatchObject({ state: 'accepted', sessions: true })
  })

  it('a reply without `sessions` from a peer identified with chat 2.0.0 before it was our contact marks it too; one never identified so, not', async () => {
    const identified = await owedTo('Identified before')
    const peer = await libp2p.peerStore.merge(identified.peer, {})
    peer.protocols.push(CHAT_PROTOCOL_V2_0)
    const other = await owedTo('Never identified')
    for (const { id } of [identified, other]) {
      const row = await db.contacts.get(id)
      if (row === undefined) throw new Error('no contact row')
      await contactHellos.settle(row, { status: 'accepted' })
    }
    expect(await db.contacts.get(identified.id)).toMatchObject({ state: 'accepted', sessions: true })
    expect(await db.contacts.get(other.id)).toMatchObject({ state: 'accepted' })
    expect((await db.contacts.get(other.id))?.sessions).toBeUndefined()
  })

  it('their answer from a mailbox settles it: pending clears the hello owed, accepted makes them a contact', async () => {
    const first = await owedTo('Pending')
    await contactHellos.sendOwed(first.id)
    const row = await db.contacts.get(first.id)
    if (row === undefined) throw new Error('no contact row')
    await contactHellos.settle(row, { status: 'pending' })
    expect(await db.contacts.get(first.id)).toMatchObject({ state: 'requested', helloPending: false, helloStored: false })
    await contactHellos.settle(row, { status: 'accepted' })
    expect(await db.contacts.get(first.id)).toMatchObject({ state: 'accepted', helloPending: false })
    expect(acceptedEvents).toEqual([first.peer.toString()])
  })
})

describe('Greeter: dialling', () => {
  it('dials a contact that is not connected through its dialer, and plans a redial when that fails', async () => {
    const alice = await contact('alice', 'accepted', { connected: false })
    const id = (await db.contacts.where('peerId').equals(alice.toString()).first())?.id ?? -1
    greeter.greet([id])
    await vi.waitFor(() => { expect(dialed).toEqual([alice.toString()]) })
    // the redial comes after the first back-off delay (1 to 2 s with its jitter); the next one only 2 s after that
    await vi.advanceTimersByTimeAsync(REDIAL_BACKOFF.initialMs)
    await vi.waitFor(() => { expect(dialed).toEqual([alice.toString(), alice.toString()]) })
  })
})

describe('Greeter: a contact blocked or deleted (the news contacts/contacts.ts tells)', () => {
  async function idOf (peer: PeerId): Promise<ContactId> {
    return (await db.contacts.where('peerId').equals(peer.toString()).first())?.id ?? -1
  }

  it('hangs up on a contact blocked, before the news is told; greets one unblocked again', async () => {
    const alice = await contact('alice', 'accepted')
    const contactId = await idOf(alice)
    await tell(events, 'contact:blocked', { contactId, peerId: alice.toString(), blocked: true })
    expect(libp2p.hangUps).toEqual([alice.toString()])

    await db.contacts.update(contactId, { blocked: false })
    await tell(events, 'contact:blocked', { contactId, peerId: alice.toString(), blocked: false })
    await vi.waitFor(() => { expect(dialed).toEqual([alice.toString()]) })
  })

  it('forgets a contact deleted (no redial) and hangs up on it, unless it was blocked (no connection then)', async () => {
    const alice = await contact('alice', 'accepted', { connected: false })
    const contactId = await idOf(alice)
    greeter.greet([contactId])
    await vi.waitFor(() => { expect(dialed).toEqual([alice.toString()]) })
    await tell(events, 'contact:deleted', { contactId, peerId: alice.toString(), blocked: false })
    expect(libp2p.hangUps).toEqual([alice.toString()])
    await vi.advanceTimersByTimeAsync(REDIAL_BACKOFF.maxMs)
    expect(dialed).toEqual([alice.toString()])

    const bob = await contact('bob', 'accepted', { blocked: true })
    await tell(events, 'contact:deleted', { contactId: await idOf(bob), peerId: bob.toString(), blocked: true })
    expect(libp2p.hangUps).toEqual([alice.toString()])
  })
})
