/**
 * Issue 57, item 1, the receiving side: a chat, action, receipts or group
 * payload that comes under the static seal alone (not in a session box) from
 * a peer that speaks sessions is refused, logged and counted, and nothing of
 * it is stored or acknowledged (on the old code each was taken: a relay that
 * hid the peer's prekeys, or anyone replaying an old static-sealed item, got
 * it stored). Hellos and replies, which travel before any session can exist,
 * are still taken. The same payloads from an older app's contact (no hello of
 * its said it speaks sessions, no session ever) are taken as before.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { encodeContactFrame } from '@parley/protocol/contact/codec'
import { getContactByPeerId, upsertContact } from '../../../../src/lib/db/contacts.ts'
import { newMessageId } from '../../../../src/lib/db/messages.ts'
import { MailboxIntake } from '../../../../src/lib/p2p/messaging/mailbox-intake.ts'
import { encodeReceipts } from '../../../../src/lib/p2p/messaging/receipts.ts'
import { SessionPins } from '../../../../src/lib/p2p/sessions/pins.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactRow } from '../../../../src/lib/db/types.ts'
import type { DropReason } from '../../../../src/lib/p2p/messaging/mailbox-items.ts'
import type { IdentifyResult, Libp2pEvents, PeerId } from '@libp2p/interface'

let db: ParleyDb
beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
// made now: an item older than a relay keeps one is dropped as replayed before anything else (db/tombstones.ts)
const MESSAGE_ID = newMessageId()
const REACTION_ID = newMessageId()

/** One of each payload a contact's mailbox item may carry outside a box. */
function unboxedPayloads (): Record<string, Uint8Array> {
  return {
    message: encodeChatFrame({ type: 'message', id: MESSAGE_ID, text: 'the vault code is 4512', sentAt: 1 }),
    action: encodeChatFrame({ type: 'reaction', id: REACTION_ID, target: MESSAGE_ID, emoji: '👍', sentAt: 2 }),
    receipts: encodeReceipts([MESSAGE_ID]),
    group: json({ type: 'group-message', message: { body: '{}', sig: 'x' } }),
    reply: encodeContactFrame({ type: 'reply', status: 'pending' }),
    hello: encodeContactFrame({ type: 'accept', name: 'Bob', addresses: [], time: Date.now(), sessions: true })
  }
}

interface Drained {
  dropped: DropReason[]
  stored: string[]
  actions: string[]
  groupItems: number
  hellos: number
  pins: SessionPins
  sink: MailboxIntake
}

/** Drains one batch of `payloads`, each sealed by `from` (the seal itself has tests of its own), into an intake over `db`. */
async function drain (from: { peer: PeerId, publicKey: Uint8Array }, payloads: Uint8Array[], known = false, member: 'said sessions' | 'silent' | 'none' = 'none'): Promise<Drained> {
  const result: Omit<Drained, 'pins' | 'sink'> = { dropped: [], stored: [], actions: [], groupItems: 0, hellos: 0 }
  const contactBook = { byPeerId: async (id: string) => getContactByPeerId(db, id) }
  const sessions = { known: async () => known, open: async () => { throw new Error('no box here') }, forget: () => {}, ready: async () => {} }
  // a group member's signed profile said its app speaks sessions (the group book keeps it)
  const saidSessions = async (peer: string): Promise<boolean> => member === 'said sessions' && peer === from.peer.toString()
  const pins = new SessionPins({ db, logger: testLogger(), libp2p: new TypedEventEmitter<Libp2pEvents>(), contactBook, groupBook: { saidSessions }, sessions })
  const components = {
    db,
    contactBook,
    sessions,
    sessionPins: pins,
    sessionNotices: { sessionReset: async () => {} },
    inbox: {
      receiveMany: async (items: ReadonlyArray<{ message: { id: string } }>) => items.map(({ message }) => { result.stored.push(message.id); return 'stored' as const }),
      receive: async (_from: PeerId, frame: { id: string }) => { result.actions.push(frame.id); return 'stored' as const }
    },
    groupBook: { receive: async () => { result.groupItems++; return { type: 'reply' as const, status: 'stored' as const } }, isGroupPeer: async () => member !== 'none' },
    hellos: { receive: async () => { result.hellos++; return 'accepted' as const }, settle: async () => {} }
  }
  const sealed = new Map(payloads.map((payload, i) => [i, payload]))
  const opener = { open: async (item: Uint8Array) => ({ senderPublic: from.publicKey, payload: sealed.get(item[0] ?? -1) ?? new Uint8Array() }) }
  const sink = new MailboxIntake(components, opener, { dropped: (reason) => { result.dropped.push(reason) }, received: () => {}, receipt: () => {} })
  await sink.commit([await sink.prepare(payloads.map((_, i) => ({ id: new Uint8Array(16).fill(i), storedAt: 0, item: new Uint8Array([i]) })))])
  return { ...result, pins, sink }
}

async function contact (extra: Partial<ContactRow> = {}): Promise<{ peer: PeerId, publicKey: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  const peer = peerIdFromPrivateKey(key)
  const id = await upsertContact(db, { peerId: peer.toString(), username: 'Bob', addresses: [], state: 'accepted', helloPending: true })
  await db.contacts.update(id, extra)
  return { peer, publicKey: key.publicKey.raw }
}

describe('MailboxIntake: unboxed payloads from a peer that speaks sessions', () => {
  it('its hello said so: a message, an action, receipts and a group item outside a box are refused, counted and not stored; its hello and reply are taken', async () => {
    const bob = await contact({ sessions: true })
    const { message, action, receipts, group, reply, hello } = unboxedPayloads()
    const got = await drain(bob, [message!, action!, receipts!, group!, reply!, hello!])
    expect(got.dropped).toEqual(['unboxed', 'unboxed', 'unboxed', 'unboxed'])
    expect(got.pins.counts).toEqual({ mailbox: 4, chat: 0, group: 0 })
    expect([got.stored, got.actions, got.groupItems]).toEqual([[], [], 0])
    // nothing acknowledged: no receipt goes back for what was refused
    expect([...got.sink.stored.values()]).toEqual([])
    expect(got.hellos).toBe(1)
  })

  it('we have had a session with it (a contact from before hellos said so): the same', async () => {
    const bob = await contact()
    const got = await drain(bob, [unboxedPayloads().message!], true)
    expect(got.dropped).toEqual(['unboxed'])
    expect(got.stored).toEqual([])
    expect(got.pins.counts.mailbox).toBe(1)
  })

  it('a group member who is not a contact and whose profile said so, no session ever: its unboxed group item is refused', async () => {
    const key = await generateKeyPair('Ed25519')
    const carol = { peer: peerIdFromPrivateKey(key), publicKey: key.publicKey.raw }
    const { group } = unboxedPayloads()
    const got = await drain(carol, [group!], false, 'said sessions')
    expect(got.dropped).toEqual(['unboxed'])
    expect(got.groupItems).toBe(0)
    expect(got.pins.counts.mailbox).toBe(1)
    // a member whose profile never said so (an older app) is taken as before: the group desk decides
    const dave = await generateKeyPair('Ed25519')
    const older = await drain({ peer: peerIdFromPrivateKey(dave), publicKey: dave.publicKey.raw }, [group!], false, 'silent')
    expect(older.dropped).toEqual([])
    expect(older.groupItems).toBe(1)
  })

  it('an older app\'s contact (never said so, no session): its unboxed message and action are taken as before', async () => {
    const carol = await contact()
    const { message, action } = unboxedPayloads()
    const got = await drain(carol, [message!, action!])
    expect(got.dropped).toEqual([])
    expect(got.stored).toEqual([MESSAGE_ID])
    expect(got.actions).toHaveLength(1)
    expect(got.pins.counts.mailbox).toBe(0)
  })
})

describe('SessionPins: a contact whose identify lists chat 2.0.0', () => {
  it('is marked as speaking sessions for good (its unboxed items refused from then on); another peer, or one without 2.0.0, is not', async () => {
    const bob = await contact()
    const carol = await contact()
    const events = new TypedEventEmitter<Libp2pEvents>()
    const contactBook = { byPeerId: async (id: string) => getContactByPeerId(db, id) }
    const pins = new SessionPins({ db, logger: testLogger(), libp2p: events, contactBook, groupBook: { saidSessions: async () => false }, sessions: { known: async () => false } })
    pins.start()
    const identify = (peer: PeerId, protocols: string[]): void => {
      events.safeDispatchEvent('peer:identify', { detail: { peerId: peer, protocols, listenAddrs: [], connection: {} } as unknown as IdentifyResult })
    }
    identify(carol.peer, ['/parley/chat/1.1.0', '/parley/chat/1.0.0'])
    identify(bob.peer, ['/parley/chat/2.0.0', '/parley/chat/1.1.0'])
    await vi.waitFor(async () => { expect((await getContactByPeerId(db, bob.peer.toString()))?.sessions).toBe(true) })
    expect(await pins.pinned(bob.peer.toString())).toBe(true)
    expect((await getContactByPeerId(db, carol.peer.toString()))?.sessions).toBeUndefined()
    expect(await pins.pinned(carol.peer.toString())).toBe(false)
    pins.stop()
  })
})
