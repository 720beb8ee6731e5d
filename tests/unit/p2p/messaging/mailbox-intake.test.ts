import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it, vi } from 'vitest'
import { encodeContactFrame } from '@parley/protocol/contact/codec'
import { encodeBox } from '@parley/protocol/session/box'
import { ulidTime } from '@parley/protocol/ulid'
import { setBlocked, upsertContact } from '../../../../src/lib/db/contacts.ts'
import { newMessageId } from '../../../../src/lib/db/messages.ts'
import { MailboxIntake } from '../../../../src/lib/p2p/messaging/mailbox-intake.ts'
import { receiptsId } from '../../../../src/lib/p2p/messaging/receipts.ts'
import { SessionUnreadableError } from '../../../../src/lib/p2p/sessions/sessions.ts'
import { openTestDb } from '../../db/helpers.ts'
import { MAX_STRANGER_BOXES_PER_DRAIN } from '../../../../src/lib/p2p/messaging/mailbox-items.ts'
import type { DropReason } from '../../../../src/lib/p2p/messaging/mailbox-items.ts'
import type { IntakeComponents } from '../../../../src/lib/p2p/messaging/mailbox-intake.ts'
import type { ContactRow, ContactState } from '../../../../src/lib/db/types.ts'
import type { ContactFrame, ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * Contact hellos and replies that come through our mailboxes
 * (messaging/mailbox-intake.ts): a request or accept from anyone goes to the
 * contact rules (ContactHellos.receive); a request left waiting is answered
 * after the drain; a reply settles the hello we owe, and only that.
 */

interface Sender { peer: PeerId, publicKey: Uint8Array }

async function sender (): Promise<Sender> {
  const key = await generateKeyPair('Ed25519')
  return { peer: peerIdFromPrivateKey(key), publicKey: key.publicKey.raw }
}

function row (who: Sender, state: ContactState, extra: Partial<ContactRow> = {}): ContactRow {
  return { id: 1, peerId: who.peer.toString(), username: 'Them', addresses: [], status: 'offline', notes: '', blocked: false, state, verified: false, addedAt: 0, updatedAt: 0, ...extra } as ContactRow
}

interface Harness {
  sink: MailboxIntake
  received: Array<{ from: string, hello: ContactHelloFrame }>
  settled: Array<{ contact: string, status: string, sessions?: true }>
  dropped: DropReason[]
  /** an item that "opens" as `payload` from `from` (the seal itself has tests of its own) */
  seal(from: Sender, payload: ContactFrame | Uint8Array): Uint8Array
  /** one batch through prepare and commit, as a drain hands it over */
  drain(items: Uint8Array[]): Promise<void>
}

/** An intake over fake components: `book` answers byPeerId, `answer` is what receive() says. */
function harness (book: Map<string, ContactRow>, answer: ContactReplyFrame['status'], db = {} as unknown as ParleyDb, inbox: IntakeComponents['inbox'] = { receiveMany: async () => [], receive: async () => 'stored' as const }): Harness {
  const received: Harness['received'] = []
  const settled: Harness['settled'] = []
  const dropped: DropReason[] = []
  const opened = new Map<Uint8Array, { senderPublic: Uint8Array, payload: Uint8Array }>()
  const components = {
    db,
    inbox,
    contactBook: { byPeerId: async (id: string) => book.get(id) },
    groupBook: { receive: async () => ({ type: 'reject' as const, reason: 'unknown-group' as const }), isGroupPeer: async () => false },
    // no item here is in a session box (those are in tests/integration/sessions-mailbox.test.ts)
    sessions: { open: async () => { throw new Error('not a box') }, forget: () => {}, ready: async () => {} },
    sessionNotices: { sessionReset: async () => { throw new Error('no session here to reset') } },
    sessionPins: { pinned: async () => false, refused: () => {} },
    hellos: {
      receive: async (from: PeerId, hello: ContactHelloFrame) => { received.push({ from: from.toString(), hello }); return answer },
      settle: async (contact: ContactRow, reply: Pick<ContactReplyFrame, 'status' | 'sessions'>) => { settled.push({ contact: contact.peerId, status: reply.status, ...(reply.sessions === true ? { sessions: true } : {}) }) }
    }
  }
  const opener = {
    open: async (item: Uint8Array) => {
      const found = opened.get(item)
      if (found === undefined) throw new Error('sealed to someone else')
      return found
    }
  }
  const sink = new MailboxIntake(components, opener, { dropped: (reason) => { dropped.push(reason) }, received: () => {}, receipt: () => {} })
  return {
    sink,
    received,
    settled,
    dropped,
    seal (from, payload) {
      const item = new Uint8Array(8)
      opened.set(item, { senderPublic: from.publicKey, payload: payload instanceof Uint8Array ? payload : encodeContactFrame(payload) })
      return item
    },
    async drain (items) {
      await sink.commit([await sink.prepare(items.map((item, i) => ({ id: new Uint8Array(16).fill(i), storedAt: 0, item })))])
    }
  }
}

describe('MailboxIntake: contact hellos and replies', () => {
  const hello: ContactHelloFrame = { type: 'request', name: 'Stranger', addresses: [], time: Date.now() }

  it('a request from a stranger goes to the contact rules; one left waiting is to be answered after the drain', async () => {
    const stranger = await sender()
    // receive() stores them as pending: the book has them when the intake looks again
    const h = harness(new Map([[stranger.peer.toString(), row(stranger, 'pending')]]), 'pending')
    await h.drain([h.seal(stranger, hello)])
    expect(h.received).toEqual([{ from: stranger.peer.toString(), hello }])
    // its hello did not say it speaks sessions (an older app): the reply does not either, or that app would refuse it
    expect([...h.sink.requested.values()].map(({ contact, reply }) => ({ peer: contact.peerId, reply }))).toEqual([{ peer: stranger.peer.toString(), reply: { type: 'reply', status: 'pending' } }])
    expect(h.dropped).toEqual([])
  })

  it('the reply to a request that said its app speaks sessions says ours does too', async () => {
    const stranger = await sender()
    const h = harness(new Map([[stranger.peer.toString(), row(stranger, 'pending')]]), 'pending')
    await h.drain([h.seal(stranger, { ...hello, sessions: true })])
    expect([...h.sink.requested.values()].map(({ reply }) => reply)).toEqual([{ type: 'reply', status: 'pending', sessions: true }])
  })

  it('a request the rules refuse (blocked, declined too often) is counted, and answered nothing', async () => {
    const blocked = await sender()
    const h = harness(new Map([[blocked.peer.toString(), row(blocked, 'declined', { blocked: true })]]), 'refused')
    await h.drain([h.seal(blocked, hello)])
    expect(h.received).toHaveLength(1)
    expect(h.sink.requested.size).toBe(0)
    expect(h.dropped).toEqual(['not-a-contact'])
  })

  it('a reply settles the hello we owe; one from someone we owe nothing, or from a stranger, is dropped', async () => {
    const asked = await sender()
    const answered = await sender()
    const stranger = await sender()
    const h = harness(new Map([
      [asked.peer.toString(), row(asked, 'requested', { helloPending: true })],
      [answered.peer.toString(), row(answered, 'requested', { helloPending: false })]
    ]), 'pending')
    const reply: ContactReplyFrame = { type: 'reply', status: 'pending', sessions: true }
    await h.drain([h.seal(asked, reply), h.seal(answered, reply), h.seal(stranger, reply)])
    // with what it says of the sender's app
    expect(h.settled).toEqual([{ contact: asked.peer.toString(), status: 'pending', sessions: true }])
    expect(h.dropped.sort()).toEqual(['not-a-contact', 'not-ours'])
  })

  it('a malformed hello is dropped as malformed, and nothing reaches the contact rules', async () => {
    const someone = await sender()
    const h = harness(new Map(), 'pending')
    const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
    await h.drain([h.seal(someone, json({ type: 'request', name: '', addresses: [] })), h.seal(someone, json({ type: 'accept', name: 'X', addresses: [], more: 1 }))])
    expect(h.received).toEqual([])
    expect(h.dropped).toEqual(['malformed', 'malformed'])
  })
})

describe('MailboxIntake: a box whose key was used before', () => {
  it('a copy from another relay of a box that stored nothing (receipts) is dropped, and owes no receipt', async () => {
    const them = await sender()
    const book = new Map([[them.peer.toString(), row(them, 'accepted')]])
    const opens: string[] = []
    const components = {
      db: { messages: { get: async () => undefined }, events: { get: async () => undefined }, tombstones: { bulkGet: async (ids: string[]) => ids.map(() => undefined) } } as unknown as ParleyDb,
      inbox: { receiveMany: async () => [], receive: async () => 'stored' as const },
      contactBook: { byPeerId: async (id: string) => book.get(id) },
      groupBook: { receive: async () => ({ type: 'reject' as const, reason: 'unknown-group' as const }), isGroupPeer: async () => false },
      sessions: { open: async (from: { peer: string }) => { opens.push(from.peer); throw new SessionUnreadableError('duplicate', 'its key was used') }, forget: () => {}, ready: async () => {} },
      sessionNotices: { sessionReset: async () => {} },
      sessionPins: { pinned: async () => false, refused: () => {} },
      hellos: { receive: async () => 'pending' as const, settle: async () => {} }
    }
    const box = encodeBox({ itemId: receiptsId(), header: { dh: new Uint8Array(32), pn: 0, n: 1 }, nonce: new Uint8Array(24), ciphertext: new Uint8Array(40) })
    const dropped: DropReason[] = []
    const sink = new MailboxIntake(components, { open: async () => ({ senderPublic: them.publicKey, payload: box }) }, { dropped: (reason) => { dropped.push(reason) }, received: () => {}, receipt: () => {} })
    await sink.commit([await sink.prepare([{ id: new Uint8Array(16), storedAt: 0, item: new Uint8Array(8) }])])
    expect(opens).toEqual([them.peer.toString()])
    // a receipt for it would come back as receipts, whose copy would owe one again
    expect([...sink.stored.values()]).toEqual([])
    expect(dropped).toEqual([])
  })
})

describe('MailboxIntake: boxes from someone who is not a contact', () => {
  /** An intake whose sessions open every box to `plaintexts` in turn, each starting a session; `members` are group peers once the batch's group items are in. */
  function boxed (book: Map<string, ContactRow>, plaintexts: Uint8Array[], members: Set<string>, joins: Set<string>): {
    sink: MailboxIntake, senders: Sender[], commits: string[], forgotten: string[], readied: string[], desk: string[], dropped: DropReason[], opened: string[]
  } {
    const opened: string[] = []
    const commits: string[] = []
    const forgotten: string[] = []
    const readied: string[] = []
    const desk: string[] = []
    const dropped: DropReason[] = []
    const components = {
      db: { messages: { get: async () => undefined }, events: { get: async () => undefined }, tombstones: { bulkGet: async (ids: string[]) => ids.map(() => undefined) }, transaction: async (_mode: string, _tables: unknown, run: () => Promise<void>) => { await run() } } as unknown as ParleyDb,
      inbox: { receiveMany: async () => [], receive: async () => 'stored' as const },
      contactBook: { byPeerId: async (id: string) => book.get(id) },
      groupBook: {
        // the batch's group item makes its sender a member (as an invitation brought with it would)
        receive: async (from: PeerId) => { desk.push(from.toString()); if (joins.has(from.toString())) members.add(from.toString()); return { type: 'reply' as const, status: 'stored' as const } },
        isGroupPeer: async (peer: string) => members.has(peer)
      },
      sessions: {
        open: async (from: { peer: string }) => {
          opened.push(from.peer)
          const plaintext = plaintexts.shift() ?? new Uint8Array(0)
          return { plaintext, session: 's', started: true, replaced: false, chainUnstored: true, commit: async () => { commits.push(from.peer) }, abandon: () => { forgotten.push(from.peer) } }
        },
        forget: (peer: string) => { forgotten.push(peer) },
        ready: async (peer: string) => { readied.push(peer) }
      },
      sessionNotices: { sessionReset: async () => {} },
      sessionPins: { pinned: async () => false, refused: () => {} },
      hellos: { receive: async () => 'pending' as const, settle: async () => {} }
    }
    const box = encodeBox({ itemId: new Uint8Array(16).fill(7), header: { dh: new Uint8Array(32), pn: 0, n: 1 }, nonce: new Uint8Array(24), ciphertext: new Uint8Array(40) })
    const senders: Sender[] = []
    const opener = {
      open: async () => {
        const from = senders.shift()
        if (from === undefined) throw new Error('no sender')
        return { senderPublic: from.publicKey, payload: box }
      }
    }
    const sink = new MailboxIntake(components, opener, { dropped: (reason) => { dropped.push(reason) }, received: () => {}, receipt: () => {} })
    return { sink, senders, commits, forgotten, readied, desk, dropped, opened }
  }

  const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
  const groupMessage = json({ type: 'group-message', message: { body: '{}', sig: 'x' } })
  // made now: one older than a relay keeps an item would be refused as a replay
  const chatMessage = json({ type: 'message', id: newMessageId(), text: 'hi', sentAt: 1 })

  it('a stranger\'s boxes are opened: a chat frame is refused, a group item goes to the group desk, and the session it started is not kept', async () => {
    const stranger = await sender()
    const h = boxed(new Map(), [chatMessage, groupMessage], new Set(), new Set())
    h.senders.push(stranger, stranger)
    await h.sink.commit([await h.sink.prepare([0, 1].map((i) => ({ id: new Uint8Array(16).fill(i), storedAt: 0, item: new Uint8Array(8) })))])
    expect(h.dropped).toEqual(['not-a-contact'])
    expect(h.desk).toEqual([stranger.peer.toString()])
    expect(h.commits).toEqual([])
    expect(h.forgotten).toContain(stranger.peer.toString())
    expect(h.readied).toEqual([])
  })

  it(`a drain opens at most ${MAX_STRANGER_BOXES_PER_DRAIN} strangers' boxes, across its batches; the rest are dropped unopened, and contacts' and members' boxes still open (issue 57)`, async () => {
    expect(MAX_STRANGER_BOXES_PER_DRAIN).toBe(32)
    const strangers = await Promise.all(Array.from({ length: 100 }, sender))
    const [contact, member] = [await sender(), await sender()]
    // every box opens to a group item (the desk takes it), so the drops counted are the boxes left unopened
    const h = boxed(new Map([[contact.peer.toString(), row(contact, 'accepted')]]), Array.from({ length: 102 }, () => groupMessage), new Set([member.peer.toString()]), new Set())
    const items = (n: number, from: number): Array<{ id: Uint8Array, storedAt: number, item: Uint8Array }> => Array.from({ length: n }, (_, i) => ({ id: new Uint8Array(16).fill(from + i), storedAt: 0, item: new Uint8Array(8) }))
    // two batches of one drain: 60 strangers, then 40 more among a contact's and a member's
    h.senders.push(...strangers.slice(0, 60))
    const first = await h.sink.prepare(items(60, 0))
    h.senders.push(...strangers.slice(60, 80), contact, member, ...strangers.slice(80))
    const second = await h.sink.prepare(items(42, 60))
    await h.sink.commit([first, second])
    expect(h.opened.filter(p => p !== contact.peer.toString() && p !== member.peer.toString())).toHaveLength(MAX_STRANGER_BOXES_PER_DRAIN)
    expect(h.opened).toContain(contact.peer.toString())
    expect(h.opened).toContain(member.peer.toString())
    expect(h.dropped).toEqual(Array.from({ length: 100 - MAX_STRANGER_BOXES_PER_DRAIN }, () => 'not-a-contact'))
    expect(h.desk).toHaveLength(MAX_STRANGER_BOXES_PER_DRAIN + 2)
    // the next drain has a bound of its own
    const next = boxed(new Map(), [], new Set(), new Set())
    next.senders.push(...strangers.slice(0, 40))
    await next.sink.prepare(items(40, 0))
    expect(next.opened).toHaveLength(MAX_STRANGER_BOXES_PER_DRAIN)
  })

  it('a group member\'s session is kept, also when the batch\'s own items made it one', async () => {
    const member = await sender()
    const h = boxed(new Map(), [groupMessage], new Set(), new Set([member.peer.toString()]))
    h.senders.push(member)
    await h.sink.commit([await h.sink.prepare([{ id: new Uint8Array(16), storedAt: 0, item: new Uint8Array(8) }])])
    expect(h.desk).toEqual([member.peer.toString()])
    expect(h.commits).toEqual([member.peer.toString()])
    expect(h.forgotten).toEqual([])
    // kept: readied for its next send
    expect(h.readied).toEqual([member.peer.toString()])
  })

  it('a batch the drain lets go uncommitted lets go of the states its boxes opened (they open again from the next drain)', async () => {
    const member = await sender()
    const contact = await sender()
    const h = boxed(new Map([[contact.peer.toString(), row(contact, 'accepted')]]), [groupMessage, chatMessage], new Set([member.peer.toString()]), new Set())
    h.senders.push(member, contact)
    h.sink.discard(await h.sink.prepare([0, 1].map((i) => ({ id: new Uint8Array(16).fill(i), storedAt: 0, item: new Uint8Array(8) }))))
    expect(h.forgotten.sort()).toEqual([member.peer.toString(), contact.peer.toString()].sort())
    expect(h.commits).toEqual([])
    expect(h.desk).toEqual([])
    expect(h.dropped).toEqual([])
  })
})

describe('MailboxIntake: a blocked contact\'s items', () => {
  const chat = (frame: object): Uint8Array => new TextEncoder().encode(JSON.stringify(frame))

  it('are dropped while the block holds, their ids remembered (their copies are refused after the unblock); a drained message carries the time its relay stored it', async () => {
    const db = await openTestDb()
    // the day these ids were made: older ones would be refused as replays
    vi.useFakeTimers({ toFake: ['Date'], now: (ulidTime('01JD00000000000000000000F1') ?? 0) + 86_400_000 })
    try {
      const bob = await sender()
      const id = await upsertContact(db, { peerId: bob.peer.toString(), username: 'Bob', addresses: [], state: 'accepted' })
      await setBlocked(db, id, true, 1000)
      const asked: Array<Array<{ id: string, storedAt?: number }>> = []
      const inbox = {
        receiveMany: async (messages: ReadonlyArray<{ message: { id: string }, storedAt?: number }>) => {
          asked.push(messages.map(m => ({ id: m.message.id, storedAt: m.storedAt })))
          return messages.map(() => 'stored' as const)
        },
        receive: async () => 'stored' as const
      }
      const blocked = harness(new Map([[bob.peer.toString(), (await db.contacts.get(id)) as ContactRow]]), 'refused', db, inbox)
      await blocked.drain([
        blocked.seal(bob, chat({ type: 'message', id: '01JD00000000000000000000F1', text: 'while blocked', sentAt: 1500 })),
        blocked.seal(bob, chat({ type: 'reaction', id: '01JD00000000000000000000F2', sentAt: 1600, target: '01JD00000000000000000000F1', emoji: '👍' }))
      ])
      expect(blocked.dropped).toEqual(['not-a-contact', 'not-a-contact'])
      expect(asked.flat()).toEqual([])
      expect((await db.contacts.get(id))?.block?.refused.sort()).toEqual(['01JD00000000000000000000F1', '01JD00000000000000000000F2'])

      await setBlocked(db, id, false, 2000)
      const open = harness(new Map([[bob.peer.toString(), (await db.contacts.get(id)) as ContactRow]]), 'refused', db, inbox)
      await open.sink.commit([await open.sink.prepare([{ id: new Uint8Array(16), storedAt: 2500, item: open.seal(bob, chat({ type: 'message', id: '01JD00000000000000000000F3', text: 'after', sentAt: 2400 })) }])])
      expect(asked.flat()).toEqual([{ id: '01JD00000000000000000000F3', storedAt: 2500 }])
    } finally {
      vi.useRealTimers()
      db.close()
    }
  })
})
