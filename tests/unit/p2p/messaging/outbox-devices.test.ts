import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContact, upsertContact } from '../../../../src/lib/db/contacts.ts'
import { outgoingRow, storeOutgoing } from '../../../../src/lib/db/messages.ts'
import { Outbox } from '../../../../src/lib/p2p/messaging/outbox.ts'
import { openTestDb } from '../../db/helpers.ts'
import { FakeLibp2p, fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactRow, MessageRow } from '../../../../src/lib/db/types.ts'
import type { OutboxItem } from '../../../../src/lib/p2p/messaging/frames.ts'
import type { DeliverOptions, DeliveryResult } from '../../../../src/lib/p2p/kernel/ports/messaging.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { Connection, PeerId } from '@libp2p/interface'

/**
 * The outbox per (contact, device) (messaging/outbox.ts): a contact whose
 * list names two devices, its own PeerID (the phone) and a laptop. Each is
 * dialled by its own PeerID, gets what waits for it over its own stream, and
 * an unreachable one gets it in its own mailbox; one device's ack leaves the
 * other pending.
 */

let db: ParleyDb
let contact: ContactRow
let phone: PeerId
let laptop: PeerId
let sender: Outbox
/** the devices connected now, by PeerID */
let online: Set<string>
let deliveries: Array<{ to: string, ids: string[] }>
let dialled: string[]
let deposits: Array<{ device: string | undefined, ids: string[] }>

async function ackAll (to: string, frames: ChatMessageFrame[], options: DeliverOptions): Promise<DeliveryResult[]> {
  deliveries.push({ to, ids: frames.map(f => f.id) })
  const results: DeliveryResult[] = []
  for (const f of frames) {
    const result: DeliveryResult = { id: f.id, outcome: 'delivered', status: 'stored' }
    results.push(result)
    await options.onResult?.(result)
  }
  return results
}

beforeEach(async () => {
  db = await openTestDb()
  phone = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  laptop = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const id = await upsertContact(db, { peerId: phone.toString(), username: 'bob', addresses: [] })
  // as a stored list leaves it (db/contact-devices.ts); the list's signature plays no part here
  await db.contacts.update(id, { devicePeers: [phone.toString(), laptop.toString()] })
  contact = await getContact(db, id) as ContactRow
  online = new Set([phone.toString()])
  deliveries = []
  dialled = []
  deposits = []
  const connections = new Map([phone, laptop].map(p => [p.toString(), fakeConnection({ remotePeer: p, remoteAddr: '/ip4/127.0.0.1/udp/9/webrtc-direct' })]))
  const libp2p = new FakeLibp2p(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), {
    chat: { deliver: async (connection: Connection, frames: ChatMessageFrame[], options: DeliverOptions = {}) => ackAll(connection.remotePeer.toString(), frames, options) }
  })
  libp2p.getConnections = (peer?: PeerId) => peer !== undefined && online.has(peer.toString()) ? [connections.get(peer.toString())] as Connection[] : []
  sender = new Outbox({
    db,
    logger: testLogger(),
    libp2p,
    dialer: {
      connect: async ({ peerId }) => {
        dialled.push(peerId)
        const connection = connections.get(peerId)
        if (!online.has(peerId) || connection === undefined) throw new Error(`${peerId} is offline`)
        return connection
      }
    },
    courier: {
      deposit: async (_contact: ContactRow, items: OutboxItem[], device?: string) => {
        deposits.push({ device, ids: items.map(i => i.row.id) })
        return []
      }
    }
  })
  sender.start()
})
afterEach(() => {
  sender.stop()
  db.close()
})

async function send (body: string): Promise<MessageRow> {
  const row = outgoingRow({ contactId: contact.id, fromPeerId: 'me', body })
  const stored = storeOutgoing(db, row)
  sender.send(contact, row, stored)
  await stored
  return row
}

describe('the outbox, per device of a contact', () => {
  it('sends to the connected device at once and to the other\'s own mailbox; the first ack makes it delivered', async () => {
    const row = await send('hello')
    await vi.waitFor(() => { expect(deposits).toEqual([{ device: laptop.toString(), ids: [row.id] }]) })
    expect(deliveries).toEqual([{ to: phone.toString(), ids: [row.id] }])
    // the laptop was dialled by its own PeerID
    expect(dialled).toEqual([laptop.toString()])
    await vi.waitFor(async () => { expect(await db.messages.get(row.id)).toMatchObject({ state: 'delivered', pendingDevices: [laptop.toString()] }) })
  })

  it('a device that comes back gets what waits for it; its ack leaves nothing pending', async () => {
    const row = await send('hello')
    await vi.waitFor(() => { expect(deposits).toHaveLength(1) })
    online.add(laptop.toString())
    sender.kick(contact.id, laptop.toString())
    await vi.waitFor(() => { expect(deliveries).toContainEqual({ to: laptop.toString(), ids: [row.id] }) })
    await vi.waitFor(async () => { expect((await db.messages.get(row.id))?.pendingDevices).toBeUndefined() })
    expect((await db.messages.get(row.id))?.state).toBe('delivered')
    // the phone had it already: kicking the whole contact sends it nothing again
    sender.kick(contact.id)
    await vi.waitFor(() => { expect(sender.delivering(contact.id, phone.toString())).toBe(false) })
    expect(deliveries.filter(d => d.to === phone.toString())).toHaveLength(1)
  })

  it('a device the contact\'s list no longer names is not a target', async () => {
    online.clear()
    const row = await send('hello')
    await vi.waitFor(() => { expect(deposits).toHaveLength(2) })
    await db.contacts.update(contact.id, { devicePeers: [phone.toString()] })
    online.add(laptop.toString())
    online.add(phone.toString())
    sender.kick(contact.id, laptop.toString())
    sender.kick(contact.id, phone.toString())
    await vi.waitFor(() => { expect(deliveries).toEqual([{ to: phone.toString(), ids: [row.id] }]) })
    await vi.waitFor(() => { expect(sender.delivering(contact.id, laptop.toString())).toBe(false) })
    expect(deliveries.some(d => d.to === laptop.toString())).toBe(false)
  })
})
