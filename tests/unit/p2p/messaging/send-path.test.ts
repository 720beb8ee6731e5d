/**
 * The send path's order (handlers.ts sendMessage: the frame first, the write
 * in the next task) and the chat streams opened ahead (chat-streams.ts).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TypedEventEmitter } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import { getContact } from '../../../../src/lib/db/contacts.ts'
import type { ContactRow, MessageRow } from '../../../../src/lib/db/types.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import { ChatStreams } from '../../../../src/lib/p2p/messaging/chat-streams.ts'
import { messagingHandlers } from '../../../../src/lib/p2p/messaging/handlers.ts'
import { addContact, openTestDb } from '../../db/helpers.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { Connection } from '@libp2p/interface'

let db: ParleyDb | undefined
afterEach(() => { db?.close(); db = undefined })

describe('sendMessage', () => {
  it('hands the message to the outbox before its write starts, and resolves once it is stored; it tells `message:sent` (which ends our typing to the contact)', async () => {
    db = await openTestDb()
    const d = db
    const id = await addContact(d, 'alice')
    const contact = await getContact(d, id) as ContactRow
    const seen: Array<{ row: MessageRow, storedThen: boolean }> = []
    let stored: Promise<void> | undefined
    const typingEnded: number[] = []
    const events = new TypedEventEmitter<ParleyEvents>()
    events.addEventListener('message:sent', ({ detail }) => { typingEnded.push(detail.contactId) })
    const handlers = messagingHandlers({
      db: d,
      identity: { require: () => ({ peerId: 'me' }) } as never,
      devices: { account: 'me' },
      contactBook: { byId: async () => contact },
      outbox: {
        send: (_contact, row, whenStored) => {
          stored = whenStored
          // synchronously after being handed the message: nothing is written yet
          void d.messages.get(row.id).then(found => { seen.push({ row, storedThen: found !== undefined }) })
        }
      },
      events
    })
    const { messageId } = await handlers.sendMessage({ contactId: id, text: 'hello' }, { signal: new AbortController().signal })
    await stored
    expect(seen).toHaveLength(1)
    expect(seen[0]?.row.id).toBe(messageId)
    expect(seen[0]?.storedThen).toBe(false)
    expect((await d.messages.get(messageId))?.body).toBe('hello')
    expect(typingEnded).toEqual([id])
  })

  it('on a linked device, names the account as the author, not this device (kernel/author.ts)', async () => {
    db = await openTestDb()
    const d = db
    const id = await addContact(d, 'alice')
    const contact = await getContact(d, id) as ContactRow
    const handlers = messagingHandlers({
      db: d,
      identity: { require: () => ({ peerId: '12D3KooWThisDevice' }) } as never,
      devices: { account: '12D3KooWTheAccount' },
      contactBook: { byId: async () => contact },
      outbox: { send: () => {} },
      events: new TypedEventEmitter<ParleyEvents>()
    })
    const { messageId } = await handlers.sendMessage({ contactId: id, text: 'hello' }, { signal: new AbortController().signal })
    expect((await d.messages.get(messageId))?.fromPeerId).toBe('12D3KooWTheAccount')
  })
})

describe('ChatStreams', () => {
  async function setup (accepted: boolean) {
    const events = new TypedEventEmitter<ParleyEvents>()
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const connection = fakeConnection({ remotePeer: peer, remoteAddr: '/ip4/127.0.0.1/udp/9/webrtc-direct' })
    const prepare = vi.fn(async (_connection: Connection) => {})
    const contact = { id: 1, peerId: peer.toString(), state: accepted ? 'accepted' : 'pending', blocked: false } as unknown as ContactRow
    const streams = new ChatStreams({
      events,
      logger: testLogger(),
      contactBook: { byPeerId: async () => contact },
      libp2p: { getConnections: () => [connection], services: { chat: { prepare } } }
    })
    return { events, connection, prepare, streams }
  }

  it('opens the chat stream when a direct connection to a contact becomes usable', async () => {
    const { events, connection, prepare, streams } = await setup(true)
    streams.start()
    events.safeDispatchEvent('connection:usable', { detail: connection })
    await expect.poll(() => prepare.mock.calls.length).toBe(1)
    expect(prepare.mock.calls[0]?.[0]).toBe(connection)
    streams.stop()
  })

  it('opens none to a peer we may not exchange messages with, nor once stopped', async () => {
    const other = await setup(false)
    other.streams.start()
    other.events.safeDispatchEvent('connection:usable', { detail: other.connection })
    const accepted = await setup(true)
    accepted.streams.start()
    accepted.streams.stop()
    accepted.events.safeDispatchEvent('connection:usable', { detail: accepted.connection })
    // both lookups have settled once a later event's has
    const probe = await setup(true)
    probe.streams.start()
    probe.events.safeDispatchEvent('connection:usable', { detail: probe.connection })
    await expect.poll(() => probe.prepare.mock.calls.length).toBe(1)
    expect(other.prepare).not.toHaveBeenCalled()
    expect(accepted.prepare).not.toHaveBeenCalled()
    other.streams.stop()
    probe.streams.stop()
  })
})
