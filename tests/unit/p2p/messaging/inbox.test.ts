/**
 * Inbox.receiveMany, the mailbox drain's way in (src/lib/p2p/messaging/
 * inbox.ts): a batch stored in one write per run of text messages, file
 * offers through the transfers in their place, each id once, and one
 * 'stored' event with the newest message of each chat once the writes
 * committed. On fake-indexeddb, with the real contact book.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { noteRefused } from '../../../../src/lib/db/blocks.ts'
import { setBlocked, upsertContact } from '../../../../src/lib/db/contacts.ts'
import { chatMessages } from '../../../../src/lib/db/messages.ts'
import { storeIncoming } from '../../../../src/lib/db/messages-incoming.ts'
import { addTombstones } from '../../../../src/lib/db/tombstones.ts'
import { ContactBook } from '../../../../src/lib/p2p/contacts/book.ts'
import { ActionIntake } from '../../../../src/lib/p2p/actions/intake.ts'
import { Inbox } from '../../../../src/lib/p2p/messaging/inbox.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, FileOffer, MessageId } from '../../../../src/lib/db/types.ts'
import type { IncomingMessageEvent } from '../../../../src/lib/contract/index.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { IncomingFile } from '../../../../src/lib/p2p/kernel/ports/transfers.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { PeerId } from '@libp2p/interface'

let db: ParleyDb
let book: ContactBook
let inbox: Inbox
let events: IncomingMessageEvent[]
/** what reached the transfers, and in which order relative to the message writes */
let log: string[]
let alice: { peer: PeerId, id: ContactId }
let bob: { peer: PeerId, id: ContactId }

async function contact (name: string, state: 'accepted' | 'pending'): Promise<{ peer: PeerId, id: ContactId }> {
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const id = await upsertContact(db, { peerId: peer.toString(), username: name, addresses: [], state })
  return { peer, id }
}

const text = (id: string, body: string, sentAt: number): ChatMessageFrame => ({ type: 'message', id, text: body, sentAt })
const OFFER: FileOffer = { name: 'a.txt', size: 3, mime: 'text/plain', sha256: 'ab'.repeat(32), chunkSize: 65536, listHash: 'cd'.repeat(32) }

beforeEach(async () => {
  db = await openTestDb()
  book = new ContactBook({ db })
  await book.start()
  alice = await contact('alice', 'accepted')
  bob = await contact('bob', 'accepted')
  events = []
  log = []
  const emitter = new TypedEventEmitter<ParleyEvents>()
  emitter.addEventListener('message', (e) => { events.push(e.detail) })
  const transfers = {
    receive: async (input: IncomingFile): Promise<'stored' | 'duplicate'> => {
      log.push(`file ${input.id} after ${(await db.messages.count())} rows`)
      return 'stored'
    }
  }
  inbox = new Inbox({ db, events: emitter, contactBook: book, transfers, actionIntake: new ActionIntake({ db, events: emitter, transfers: { forget: async () => {} } }) })
})
afterEach(() => {
  book.stop()
  db.close()
})

describe('Inbox.receiveMany', () => {
  it('stores a batch once each, file offers in their place, and tells the tabs the newest of each chat once', async () => {
    await storeIncoming(db, { id: '01JD00000000000000000000A0' as MessageId, contactId: alice.id, fromPeerId: alice.peer.toString(), body: 'before', sentAt: 5, receivedAt: 6 })
    const outcomes = await inbox.receiveMany([
      { from: alice.peer, message: text('01JD00000000000000000000A1', 'one', 10) },
      { from: alice.peer, message: text('01JD00000000000000000000A0', 'before, again', 5) },
      { from: bob.peer, message: text('01JD00000000000000000000B1', 'for you', 11) },
      { from: alice.peer, message: { ...text('01JD00000000000000000000A2', '', 12), file: OFFER } },
      { from: alice.peer, message: text('01JD00000000000000000000A3', 'three', 13) },
      { from: alice.peer, message: text('01JD00000000000000000000A3', 'three, twice', 13) }
    ])
    expect(outcomes).toEqual(['stored', 'duplicate', 'stored', 'stored', 'stored', 'duplicate'])
    // the run before the offer was written before the offer went to the transfers
    expect(log).toEqual(['file 01JD00000000000000000000A2 after 3 rows'])
    expect((await chatMessages(db, alice.id)).map(m => m.body)).toEqual(['before', 'one', 'three'])
    expect((await chatMessages(db, bob.id)).map(m => m.body)).toEqual(['for you'])
    expect(events).toHaveLength(1)
    const [event] = events
    expect(event?.kind === 'stored' ? event.messages.map(m => `${m.contactId}:${m.body}`).sort() : event).toEqual([`${alice.id}:three`, `${bob.id}:for you`].sort())
  })

  it('refuses senders we do not exchange messages with, and tells nothing when nothing was stored', async () => {
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const pending = await contact('carol', 'pending')
    await setBlocked(db, bob.id, true)
    book.setBlocked(bob.peer.toString(), true)
    const outcomes = await inbox.receiveMany([
      { from: stranger, message: text('01JD00000000000000000000C1', 'hi', 1) },
      { from: pending.peer, message: text('01JD00000000000000000000C2', 'hi', 1) },
      { from: bob.peer, message: text('01JD00000000000000000000C3', 'hi', 1) }
    ])
    expect(outcomes).toEqual(['not-a-contact', 'not-a-contact', 'not-a-contact'])
    expect(await db.messages.count()).toBe(0)
    expect(events).toEqual([])
  })

  it('tells what was stored also when a later write fails, and rethrows', async () => {
    const failing = new Inbox({
      db,
      events: (() => { const e = new TypedEventEmitter<ParleyEvents>(); e.addEventListener('message', (evt) => { events.push(evt.detail) }); return e })(),
      contactBook: book,
      transfers: { receive: async () => { throw new Error('no room for the offer') } },
      actionIntake: new ActionIntake({ db, events: new TypedEventEmitter<ParleyEvents>(), transfers: { forget: async () => {} } })
    })
    await expect(failing.receiveMany([
      { from: alice.peer, message: text('01JD00000000000000000000A1', 'stored first', 10) },
      { from: alice.peer, message: { ...text('01JD00000000000000000000A2', '', 12), file: OFFER } }
    ])).rejects.toThrow('no room for the offer')
    expect((await chatMessages(db, alice.id)).map(m => m.body)).toEqual(['stored first'])
    expect(events.map(e => e.kind === 'stored' ? e.messages.map(m => m.body) : e.kind)).toEqual([['stored first']])
  })
})

describe('what a contact sent during a block (db/blocks.ts)', () => {
  /** Bob blocked at `from` and unblocked at `to`, on this device's clock. */
  async function blockBob (from: number, to: number): Promise<void> {
    await setBlocked(db, bob.id, true, from)
    book.setBlocked(bob.peer.toString(), true)
    await setBlocked(db, bob.id, false, to)
    book.setBlocked(bob.peer.toString(), false)
  }

  it('is refused after the unblock, live or from a mailbox, by its sentAt or the relay\'s storedAt, and its id is remembered', async () => {
    await blockBob(1000, 2000)
    // live, from his outbox: written during the block by his clock
    expect(await inbox.receive(bob.peer, text('01JD00000000000000000000D1', 'during', 1500))).toBe('not-allowed')
    // his clock runs behind, but the relay stored it during the block
    const outcomes = await inbox.receiveMany([
      { from: bob.peer, message: text('01JD00000000000000000000D2', 'behind', 500), storedAt: 1800 },
      { from: bob.peer, message: text('01JD00000000000000000000D3', 'after', 2500), storedAt: 2600 },
      { from: bob.peer, message: text('01JD00000000000000000000D0', 'before', 900), storedAt: 950 }
    ])
    expect(outcomes).toEqual(['not-allowed', 'stored', 'stored'])
    expect(await inbox.receive(bob.peer, { type: 'reaction', id: '01JD00000000000000000000D4', sentAt: 1200, target: '01JD00000000000000000000D3', emoji: '👍' })).toBe('not-allowed')
    expect((await chatMessages(db, bob.id)).map(m => m.body)).toEqual(['before', 'after'])
    expect((await db.contacts.get(bob.id))?.block?.refused).toEqual(['01JD00000000000000000000D1', '01JD00000000000000000000D2', '01JD00000000000000000000D4'])
    // the same one again, now without the relay's time and by a clock that says later: still refused
    expect(await inbox.receive(bob.peer, text('01JD00000000000000000000D2', 'behind', 3000))).toBe('not-allowed')
    expect(events.flatMap(e => e.kind === 'received' ? [e.message.body] : e.kind === 'stored' ? e.messages.map(m => m.body) : [])).not.toContain('during')
  })

  it('one refused while the block held (a drain dropped it) stays refused after the unblock, whatever its times say', async () => {
    await setBlocked(db, bob.id, true, 1000)
    book.setBlocked(bob.peer.toString(), true)
    await noteRefused(db, bob.id, ['01JD00000000000000000000E1'])
    await setBlocked(db, bob.id, false, 2000)
    book.setBlocked(bob.peer.toString(), false)
    expect(await inbox.receive(bob.peer, text('01JD00000000000000000000E1', 'sent before, came during', 900))).toBe('not-allowed')
    expect(await inbox.receive(bob.peer, text('01JD00000000000000000000E2', 'sent after', 2100))).toBe('stored')
    expect((await chatMessages(db, bob.id)).map(m => m.body)).toEqual(['sent after'])
  })
})

describe('Inbox.receive, a message live', () => {
  it('announces it before its write, and withdraws the announcement when it is not stored: a copy of a stored one, or of one that disappeared', async () => {
    const told = (): string[] => events.map(e => e.kind === 'received' ? `received ${e.message.id}` : e.kind === 'dropped' ? `dropped ${e.id}` : e.kind)
    expect(await inbox.receive(alice.peer, text('01JD00000000000000000000E1', 'new', 1000))).toBe('stored')
    expect(told()).toEqual(['received 01JD00000000000000000000E1'])
    // the same message again (an outbox that missed our ack)
    expect(await inbox.receive(alice.peer, text('01JD00000000000000000000E1', 'new', 1000))).toBe('duplicate')
    // a disappearing message whose time was up comes again (a relay replaying it): it stays gone
    await addTombstones(db, ['01JD00000000000000000000E2' as MessageId], Date.now())
    expect(await inbox.receive(alice.peer, text('01JD00000000000000000000E2', 'gone', 1000))).toBe('duplicate')
    expect(told()).toEqual([
      'received 01JD00000000000000000000E1',
      'received 01JD00000000000000000000E1', 'dropped 01JD00000000000000000000E1',
      'received 01JD00000000000000000000E2', 'dropped 01JD00000000000000000000E2'
    ])
    expect((await chatMessages(db, alice.id)).map(m => m.body)).toEqual(['new'])
  })
})
