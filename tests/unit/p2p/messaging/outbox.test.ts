import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContact, upsertContact } from '../../../../src/lib/db/contacts.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import { outgoingRow, storeOutgoing } from '../../../../src/lib/db/messages.ts'
import type { ContactRow, MessageRow, MessageState } from '../../../../src/lib/db/types.ts'
import { Outbox } from '../../../../src/lib/p2p/messaging/outbox.ts'
import type { DeliverOptions, DeliveryResult } from '../../../../src/lib/p2p/kernel/ports/messaging.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import { openTestDb } from '../../db/helpers.ts'
import { FakeLibp2p, fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { Connection, PeerId } from '@libp2p/interface'

/**
 * Outbox.send: a new message to a connected contact goes out while its own
 * DB write is still under way; its state changes wait for that write. The
 * node is a fake with one scripted chat service; the contact is dialled
 * through a fake dialer.
 */

interface Delivery { frames: ChatMessageFrame[], options: DeliverOptions, connection: Connection }

let db: ParleyDb
let contact: ContactRow
let peer: PeerId
let sender: Outbox
let connected: boolean
let deliveries: Delivery[]
/** answers each delivery; the default acks every frame */
let answer: (d: Delivery) => Promise<DeliveryResult[]>

async function ackAll (d: Delivery): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = []
  for (const f of d.frames) {
    const result: DeliveryResult = { id: f.id, outcome: 'delivered', status: 'stored' }
    results.push(result)
    await d.options.onResult?.(result)
  }
  return results
}

beforeEach(async () => {
  db = await openTestDb()
  peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const id = await upsertContact(db, { peerId: peer.toString(), username: 'alice', addresses: [] })
  contact = await getContact(db, id) as ContactRow
  connected = true
  deliveries = []
  answer = ackAll
  const connection = fakeConnection({ remotePeer: peer, remoteAddr: '/ip4/127.0.0.1/udp/9/webrtc-direct' })
  const libp2p = new FakeLibp2p(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), {
    chat: {
      deliver: async (connection: Connection, frames: ChatMessageFrame[], options: DeliverOptions = {}) => {
        const d = { frames, options, connection }
        deliveries.push(d)
        return answer(d)
      }
    }
  })
  libp2p.getConnections = () => connected ? [connection] : []
  sender = new Outbox({
    db,
    logger: testLogger(),
    libp2p,
    dialer: { connect: async () => { connected = true; return connection } },
    courier: { deposit: async () => [] }
  })
  sender.start()
})
afterEach(() => {
  sender.stop()
  db.close()
})

function newRow (body: string): MessageRow {
  return outgoingRow({ contactId: contact.id, fromPeerId: 'me', body })
}

/** A write that commits only when `commit()` is called. */
function heldWrite (row: MessageRow): { stored: Promise<void>, commit: () => void, fail: (err: Error) => void } {
  const gate = Promise.withResolvers<void>()
  return { stored: gate.promise.then(async () => storeOutgoing(db, row)), commit: () => { gate.resolve() }, fail: (err) => { gate.reject(err) } }
}

async function stateOf (row: MessageRow): Promise<MessageState | undefined> {
  return (await db.messages.get(row.id))?.state
}

describe('Outbox.send', () => {
  it('sends to a connected contact before the write commits, and marks delivery after it', async () => {
    const row = newRow('hello')
    const write = heldWrite(row)
    sender.send(contact, row, write.stored)
    await vi.waitFor(() => { expect(deliveries).toHaveLength(1) })
    expect(deliveries[0]?.frames).toEqual([{ type: 'message', id: row.id, text: 'hello', sentAt: row.sentAt }])
    // acked already, but nothing is written before the message itself is
    expect(await stateOf(row)).toBeUndefined()
    write.commit()
    await vi.waitFor(async () => { expect(await stateOf(row)).toBe('delivered') })
  })

  it('waits for the write and delivers from the outbox when the contact is not connected', async () => {
    connected = false
    const row = newRow('later')
    const write = heldWrite(row)
    sender.send(contact, row, write.stored)
    await Promise.resolve()
    expect(deliveries).toHaveLength(0)
    write.commit()
    await vi.waitFor(async () => { expect(await stateOf(row)).toBe('delivered') })
    expect(deliveries).toHaveLength(1)
  })

  it('queues behind a delivery that is running, then sends both in order', async () => {
    const first = newRow('first')
    const second = newRow('second')
    const release = Promise.withResolvers<void>()
    answer = async (d) => { await release.promise; return ackAll(d) }
    await storeOutgoing(db, first)
    sender.send(contact, first, Promise.resolve())
    await vi.waitFor(() => { expect(deliveries).toHaveLength(1) })
    const secondStored = storeOutgoing(db, second)
    sender.send(contact, second, secondStored)
    await secondStored
    await Promise.resolve()
    // written, but the first delivery still runs: the second waits its turn
    expect(deliveries).toHaveLength(1)
    release.resolve()
    await vi.waitFor(async () => { expect(await stateOf(second)).toBe('delivered') })
    expect(await stateOf(first)).toBe('delivered')
    expect(deliveries.map(d => d.frames.map(f => f.text))).toEqual([['first'], ['second']])
  })

  it('a delivery ends with its last answer: the next message goes out at once, while the state writes of the last one wait', async () => {
    const first = newRow('first')
    const firstWrite = heldWrite(first)
    sender.send(contact, first, firstWrite.stored)
    await vi.waitFor(() => { expect(deliveries).toHaveLength(1) })
    // acked, and its "delivered" waits for its own row's write: no delivery is under way
    await vi.waitFor(() => { expect(sender.delivering(contact.id, contact.peerId)).toBe(false) })
    const second = newRow('second')
    const secondWrite = heldWrite(second)
    sender.send(contact, second, secondWrite.stored)
    await vi.waitFor(() => { expect(deliveries).toHaveLength(2) })
    expect(deliveries.map(d => d.frames.map(f => f.text))).toEqual([['first'], ['second']])
    expect([await stateOf(first), await stateOf(second)]).toEqual([undefined, undefined])
    secondWrite.commit()
    firstWrite.commit()
    await vi.waitFor(async () => { expect([await stateOf(first), await stateOf(second)]).toEqual(['delivered', 'delivered']) })
  })

  it('records nothing when the write fails, and the next message still goes out', async () => {
    const lost = newRow('lost')
    const write = heldWrite(lost)
    sender.send(contact, lost, write.stored)
    await vi.waitFor(() => { expect(deliveries).toHaveLength(1) })
    write.fail(new Error('disk full'))
    await expect(write.stored).rejects.toThrow('disk full')
    expect(await db.messages.count()).toBe(0)

    const next = newRow('next')
    const nextWrite = heldWrite(next)
    nextWrite.commit()
    // the failed run is retried later; a new message waits for the write and is delivered
    sender.send(contact, next, nextWrite.stored)
    sender.kick(contact.id)
    await vi.waitFor(async () => { expect(await stateOf(next)).toBe('delivered') })
    expect(await stateOf(lost)).toBeUndefined()
  })

  it('does not send to a blocked contact', async () => {
    const blockedAt: boolean[] = []
    answer = async (d) => {
      blockedAt.push((await getContact(db, contact.id))?.blocked ?? true)
      return ackAll(d)
    }
    const row = newRow('no')
    await storeOutgoing(db, row)
    await db.contacts.update(contact.id, { blocked: true })
    sender.send({ ...contact, blocked: true }, row, Promise.resolve())
    // unblocked again: the message goes out now, and only now
    await db.contacts.update(contact.id, { blocked: false })
    sender.kick(contact.id)
    await vi.waitFor(async () => { expect(await stateOf(row)).toBe('delivered') })
    expect(blockedAt).toEqual([false])
  })
})
