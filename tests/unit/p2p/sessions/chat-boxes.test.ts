/**
 * SessionChatBoxes (chat 2.0.0's boxes) between two people with real
 * Sessions over relays in memory: what the listener answers for a stored
 * item, a stranger, a box that does not open, a replayed box and a malformed
 * one; and the item ids' 16 bytes.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { InvalidMessageError } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { decodeBox, encodeHeader } from '@parley/protocol/session/box'
import { KEM_PUBLIC_BYTES } from '@parley/protocol/session/constants'
import { sessionTables } from '../../../../src/lib/db/sessions.ts'
import { SessionChatBoxes } from '../../../../src/lib/p2p/sessions/chat-boxes.ts'
import { OwnKeys } from '../../../../src/lib/p2p/sessions/own-keys.ts'
import { PrekeyKeeper } from '../../../../src/lib/p2p/sessions/prekey-keeper.ts'
import { Sessions } from '../../../../src/lib/p2p/sessions/sessions.ts'
import { CommitGate } from '../../../support/commit-gate.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactRow } from '../../../../src/lib/db/types.ts'
import type { ChatInbox } from '../../../../src/lib/p2p/kernel/ports/messaging.ts'
import type { Libp2pEvents, PeerId } from '@libp2p/interface'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { ChatDialerFrame } from '@parley/protocol/chat/codec'

const RELAY = '/dns4/r1.example/tcp/443/wss/p2p/12D3KooWR1'

interface Side { db: ParleyDb, peerId: PeerId, boxes: SessionChatBoxes, sessions: Sessions, received: ChatDialerFrame[], contacts: Set<string>, notices: string[], stored: Set<string> }

let relays: MemoryPrekeyRelays
let alice: Side
let bob: Side
let n = 0

async function side (): Promise<Side> {
  const key = await generateKeyPair('Ed25519')
  const db = await openTestDb()
  const ownKeys = new OwnKeys({ identity: { privateKey: () => key } })
  const prekeyDirectory = relays.as(ownKeys.identity())
  const prekeys = new PrekeyKeeper({ db, logger: testLogger(), libp2p: new TypedEventEmitter<Libp2pEvents>(), events: new TypedEventEmitter<ParleyEvents>(), relayList: { active: () => [RELAY] }, ownKeys, prekeyDirectory })
  await prekeys.syncAll()
  const sessions = new Sessions({ db, logger: testLogger(), ownKeys, prekeys })
  const received: ChatDialerFrame[] = []
  const contacts = new Set<string>()
  // stores nothing; answers duplicate for the ids a test put in `stored`, as the real inbox does for an item it holds
  const stored = new Set<string>()
  const inbox: ChatInbox = { receive: async (_from, frame) => { received.push(frame); return frame.type === 'typing' ? 'seen' : stored.has(frame.id) ? 'duplicate' : 'stored' } }
  const contactBook = { byPeerId: async (peer: string) => contacts.has(peer) ? { id: 1, peerId: peer, state: 'accepted', blocked: false, addresses: [] } as unknown as ContactRow : undefined }
  const notices: string[] = []
  const sessionNotices = { sessionReset: async (peer: string) => { notices.push(peer) } }
  const boxes = new SessionChatBoxes({ db, logger: testLogger(), sessions, inbox, contactBook, groupBook: { saidSessions: async () => false }, prekeyDirectory, relayList: { active: () => [RELAY] }, sessionNotices })
  return { db, peerId: peerIdFromPrivateKey(key), boxes, sessions, received, contacts, notices, stored }
}

beforeEach(async () => {
  relays = new MemoryPrekeyRelays()
  alice = await side()
  bob = await side()
  alice.contacts.add(bob.peerId.toString())
  bob.contacts.add(alice.peerId.toString())
})
afterEach(() => { alice.db.close(); bob.db.close() })

/** Waits for the session writes `side` started in the background (a later transaction over the same tables runs after them). */
async function settle (side: Side): Promise<void> {
  await side.db.transaction('rw', sessionTables(side.db), async () => {})
}

function message (text: string): ChatDialerFrame {
  n++
  return { type: 'message', id: `01JD00000000000000000000${n.toString().padStart(2, '0')}`, text, sentAt: 1_000 + n }
}

describe('SessionChatBoxes', () => {
  it('a box opens and its frame goes to the inbox; the same box again is a duplicate, without the inbox', async () => {
    const frame = message('hi')
    const box = await alice.boxes.seal(bob.peerId, frame, {})
    expect(await bob.boxes.receive(alice.peerId, box, {})).toEqual({ type: 'ack', id: frame.id, status: 'stored' })
    expect(bob.received).toEqual([frame])
    expect(await bob.boxes.receive(alice.peerId, box, {})).toEqual({ type: 'ack', id: frame.id, status: 'duplicate' })
    expect(bob.received).toHaveLength(1)
    // a live box is not kept: the state it left was written before it went
    expect(await alice.db.boxes.count()).toBe(0)
    expect(await alice.db.sessions.count()).toBe(1)
  })

  it('a retry seals the item again: it opens on the next key, and the first box, arriving late, still opens on its skipped key', async () => {
    const frame = message('again')
    const first = await alice.boxes.seal(bob.peerId, frame, {})
    const retry = await alice.boxes.seal(bob.peerId, frame, {})
    expect(retry).not.toEqual(first)
    expect(await bob.boxes.receive(alice.peerId, retry, {})).toEqual({ type: 'ack', id: frame.id, status: 'stored' })
    // this inbox stores nothing, so the item is not found stored: the box opens (the real inbox answers it duplicate)
    expect(await bob.boxes.receive(alice.peerId, first, {})).toEqual({ type: 'ack', id: frame.id, status: 'stored' })
    expect(bob.received).toEqual([frame, frame])
    // each key opens once
    expect(await bob.boxes.receive(alice.peerId, first, {})).toEqual({ type: 'ack', id: frame.id, status: 'duplicate' })
  })

  it('an item stored before, in a box of its own (a retry whose ack was lost), opens and is answered duplicate by the inbox', async () => {
    const frame = message('stored already')
    bob.stored.add(frame.id)
    const box = await alice.boxes.seal(bob.peerId, frame, {})
    expect(await bob.boxes.receive(alice.peerId, box, {})).toEqual({ type: 'ack', id: frame.id, status: 'duplicate' })
    // no read of the messages before the box opens: the box's key is used, and the session goes on
    expect(bob.received).toEqual([frame])
    await settle(bob)
    expect(await bob.db.sessions.count()).toBe(1)
  })

  it('a stranger\'s box is refused as not-a-contact, unopened', async () => {
    bob.contacts.clear()
    const frame = message('who?')
    expect(await bob.boxes.receive(alice.peerId, await alice.boxes.seal(bob.peerId, frame, {}), {})).toEqual({ type: 'reject', id: frame.id, reason: 'not-a-contact' })
    expect(await bob.db.sessions.count()).toBe(0)
  })

  it('a box that does not open is refused "session"; settling that resets Alice\'s session and drops her kept boxes', async () => {
    const first = message('first')
    await bob.boxes.receive(alice.peerId, await alice.boxes.seal(bob.peerId, first, {}), {})
    await alice.boxes.receive(bob.peerId, await bob.boxes.seal(alice.peerId, message('answer'), {}), {})
    await bob.db.sessions.clear()
    bob.sessions.forget(alice.peerId.toString())
    const lost = message('lost')
    const lostBox = await alice.boxes.seal(bob.peerId, lost, {})
    const reply = await bob.boxes.receive(alice.peerId, lostBox, {})
    expect(reply).toEqual({ type: 'reject', id: lost.id, reason: 'session' })
    expect(bob.received.map(f => f.id)).toEqual([first.id])
    expect(alice.notices).toEqual([])
    await alice.boxes.settled(bob.peerId, lost.id, reply, lostBox)
    expect(await alice.db.boxes.count()).toBe(0)
    expect((await alice.db.sessions.toArray()).some(s => s.current)).toBe(false)
    // Alice's chat says so, once: a second refusal within the reset interval changes nothing
    expect(alice.notices).toEqual([bob.peerId.toString()])
    await alice.boxes.settled(bob.peerId, lost.id, reply, lostBox)
    expect(alice.notices).toHaveLength(1)
    // the item goes again on a new session, which Bob opens; he had nothing left to replace: no notice for him
    expect(await bob.boxes.receive(alice.peerId, await alice.boxes.seal(bob.peerId, lost, {}), {})).toEqual({ type: 'ack', id: lost.id, status: 'stored' })
    await settle(bob)
    expect(bob.notices).toEqual([])
  })

  it('a contact who lost its sessions starts a new one over ours: our chat gets the notice, and the first sessions none', async () => {
    await bob.boxes.receive(alice.peerId, await alice.boxes.seal(bob.peerId, message('first'), {}), {})
    await alice.boxes.receive(bob.peerId, await bob.boxes.seal(alice.peerId, message('answer'), {}), {})
    expect([alice.notices, bob.notices]).toEqual([[], []])
    await bob.db.sessions.clear()
    bob.sessions.forget(alice.peerId.toString())
    const again = message('after losing them')
    expect(await alice.boxes.receive(bob.peerId, await bob.boxes.seal(alice.peerId, again, {}), {})).toEqual({ type: 'ack', id: again.id, status: 'stored' })
    // written with the new state, after the answer
    await vi.waitFor(() => { expect(alice.notices).toEqual([bob.peerId.toString()]) })
    // and the conversation goes on, on the new session
    const reply = message('reply on the new one')
    expect(await bob.boxes.receive(alice.peerId, await alice.boxes.seal(bob.peerId, reply, {}), {})).toEqual({ type: 'ack', id: reply.id, status: 'stored' })
    await settle(bob)
    expect(bob.notices).toEqual([])
  })

  it('two sessions started at once are no reset: neither chat gets a notice', async () => {
    const fromAlice = await alice.boxes.seal(bob.peerId, message('from Alice'), {})
    const fromBob = await bob.boxes.seal(alice.peerId, message('from Bob'), {})
    await bob.boxes.receive(alice.peerId, fromAlice, {})
    await alice.boxes.receive(bob.peerId, fromBob, {})
    await settle(alice)
    await settle(bob)
    expect([alice.notices, bob.notices]).toEqual([[], []])
  })

  it('a malformed box throws InvalidMessageError (the stream is reset)', async () => {
    await expect(bob.boxes.receive(alice.peerId, Uint8Array.of(2, 1), {})).rejects.toThrow(InvalidMessageError)
  })
})

describe('SessionChatBoxes: KEM fields once a chain is held', () => {
  /** Alice's box of a new message, answered by Bob, the answer settled at Alice's: the box */
  async function exchange (from: Side, to: Side, text: string): Promise<Uint8Array> {
    const frame = message(text)
    const box = await from.boxes.seal(to.peerId, frame, {})
    const reply = await to.boxes.receive(from.peerId, box, {})
    expect(reply).toEqual({ type: 'ack', id: frame.id, status: 'stored' })
    await from.boxes.settled(to.peerId, frame.id, reply, box)
    return box
  }

  it('after Bob answered a box of Alice\'s chain her next boxes on it leave its KEM fields out and still open; a new chain carries them until its first answer; mailbox boxes always do', async () => {
    const first = await exchange(alice, bob, 'one')
    expect(decodeBox(first).header.kemPublic).toBeDefined()
    const second = await exchange(alice, bob, 'two')
    expect([decodeBox(second).header.kemPublic, decodeBox(second).header.kemCiphertext]).toEqual([undefined, undefined])
    // the initiator's first chain proposes a KEM key, with no ciphertext
    // (the boxes themselves are padded to their size buckets: their headers differ by the key)
    expect(encodeHeader(decodeBox(first).header).byteLength - encodeHeader(decodeBox(second).header).byteLength).toBe(KEM_PUBLIC_BYTES)
    expect(decodeBox(await alice.boxes.mailboxBox(bob.peerId, message('to the mailbox')) ?? new Uint8Array()).header.kemPublic).toBeDefined()
    // Bob writes back: Alice's next box is on a new chain (a DH and KEM step), with its fields, until Bob answers one
    await exchange(bob, alice, 'answer')
    const stepped = decodeBox(await exchange(alice, bob, 'on a new chain')).header
    expect(stepped.dh).not.toEqual(decodeBox(second).header.dh)
    expect(stepped.kemPublic).toBeDefined()
    expect(stepped.kemCiphertext).toBeDefined()
    expect(decodeBox(await exchange(alice, bob, 'held again')).header.kemCiphertext).toBeUndefined()
    expect(bob.received.map(f => f.type === 'message' ? f.text : '')).toEqual(['one', 'two', 'on a new chain', 'held again'])
  })

  it('Bob answers a box on a chain he has not stored only once it is stored; one on a stored chain before its write', async () => {
    // Bob's writes of opened states wait until the test lets them go
    const gate = new CommitGate(bob.sessions)
    let answered = false
    const first = bob.boxes.receive(alice.peerId, await alice.boxes.seal(bob.peerId, message('first'), {}), {}).then((r) => { answered = true; return r })
    // the item is stored and the state's write is under way, held at the gate: no answer yet
    await gate.reached
    expect(bob.received).toHaveLength(1)
    expect(answered).toBe(false)
    gate.release()
    expect((await first).type).toBe('ack')
    await settle(bob)
    gate.close()
    // the chain is stored: the next box on it is answered while its own write waits
    const next = message('next')
    expect(await bob.boxes.receive(alice.peerId, await alice.boxes.seal(bob.peerId, next, {}), {})).toEqual({ type: 'ack', id: next.id, status: 'stored' })
    gate.release()
  })

  it('Bob lost the chain (his state never stored): a box without its KEM fields is refused "session", and the item goes on a new session', async () => {
    await exchange(alice, bob, 'first')
    // once Bob's node is idle (readying the session for his next send, after the answer, writes it)
    await bob.sessions.ready(alice.peerId.toString())
    await bob.db.sessions.clear()
    bob.sessions.forget(alice.peerId.toString())
    const lost = message('lost')
    const box = await alice.boxes.seal(bob.peerId, lost, {})
    expect(decodeBox(box).header.kemPublic).toBeUndefined()
    const reply = await bob.boxes.receive(alice.peerId, box, {})
    expect(reply).toEqual({ type: 'reject', id: lost.id, reason: 'session' })
    await alice.boxes.settled(bob.peerId, lost.id, reply, box)
    const again = await alice.boxes.seal(bob.peerId, lost, {})
    expect(decodeBox(again).init).toBeDefined()
    expect(await bob.boxes.receive(alice.peerId, again, {})).toEqual({ type: 'ack', id: lost.id, status: 'stored' })
  })
})
