import { generateKeyPair } from '@libp2p/crypto/keys'
import { NotFoundError } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { EventTypes, MessageType } from '@libp2p/kad-dht'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addFromInvite, getContact } from '../../../../src/lib/db/contacts.ts'
import { queueOutgoing } from '../../../../src/lib/db/messages.ts'
import { NOT_FOUND_AFTER_MS } from '../../../../src/lib/db/not-found.ts'
import { ContactFinder, ContactUnreachableError, type FinderNode } from '../../../../src/lib/p2p/presence/contact-finder.ts'
import { requestStatus } from '../../../../src/lib/model/request-status.ts'
import { openTestDb } from '../../db/helpers.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, MessageId } from '../../../../src/lib/db/types.ts'
import type { FinalPeerEvent, PeerResponseEvent, QueryEvent } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'

/**
 * "Nobody with this ID" (docs/protocols.md): a contact asked from an invite
 * without a check, whom every lookup finds nowhere for NOT_FOUND_AFTER_MS by
 * the injected clock, is marked not found when a lookup gives up, its queued
 * messages failed with the reason; found after all, both are undone.
 */

const BACKOFF = { initialMs: 1000, maxMs: 8000, jitter: 0 }
const ME = '12D3KooWMe'

let db: ParleyDb
let ghost: PeerId
let relay: string
let clock: number
/** what relays say: 'nothing' (they answer, knowing no one), 'silence' (no relay answers: offline), 'found' */
let network: 'nothing' | 'silence' | 'found'
let finder: ContactFinder

const circuit = (): string => `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}/p2p-circuit`
const path = { index: 0, queued: 0, running: 0, total: 1 }

/** a relay's answer that names no one (FIND_NODE or GET_VALUE) */
function emptyResponse (messageName: 'FIND_NODE' | 'GET_VALUE'): PeerResponseEvent {
  return {
    name: 'PEER_RESPONSE', type: EventTypes.PEER_RESPONSE, from: peerIdFromString(relay), messageName,
    messageType: MessageType[messageName], closer: [], providers: [], path
  }
}

beforeEach(async () => {
  db = await openTestDb()
  ghost = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  clock = 1_000_000
  network = 'nothing'
  const node: FinderNode = {
    getConnections: () => [],
    peerStore: {
      get: async () => { throw new NotFoundError('no such peer') },
      patch: async () => ({ id: ghost, addresses: [], protocols: [], metadata: new Map(), tags: new Map() })
    },
    dial: async () => fakeConnection({ id: 'c1', remotePeer: ghost, remoteAddr: multiaddr(`${circuit()}/p2p/${ghost.toString()}`), limits: {} }),
    services: {
      dht: {
        findPeer: async function * (): AsyncGenerator<QueryEvent> {
          if (network === 'silence') return
          yield emptyResponse('FIND_NODE')
          if (network === 'found') {
            const final: FinalPeerEvent = { name: 'FINAL_PEER', type: EventTypes.FINAL_PEER, from: peerIdFromString(relay), peer: { id: ghost, multiaddrs: [multiaddr(circuit())] }, path }
            yield final
          }
        },
        get: async function * (): AsyncGenerator<QueryEvent> {
          if (network !== 'silence') yield emptyResponse('GET_VALUE')
        }
      }
    }
  }
  finder = new ContactFinder({ db, logger: testLogger(), libp2p: node }, { backoff: BACKOFF, now: () => clock })
  finder.start()
})
afterEach(() => {
  finder.stop()
  db.close()
})

const signal = (): AbortSignal => AbortSignal.timeout(10_000)

/** Adds the ghost as from an invite (a bare PeerID unless `checked`) at the clock's time, with one message queued to it. */
async function addGhost (checked = false): Promise<{ contactId: ContactId, messageId: MessageId }> {
  const { id } = await addFromInvite(db, { peerId: ghost.toString(), addresses: [], now: clock, ...(checked ? { checked: true } : {}) })
  const message = await queueOutgoing(db, { contactId: id, fromPeerId: ME, body: 'Hi Alice?', now: clock })
  return { contactId: id, messageId: message.id }
}

/** One lookup of the ghost, which cannot reach it. */
async function lookUp (): Promise<void> {
  await expect(finder.connect({ peerId: ghost.toString() }, { signal: signal() })).rejects.toThrow(ContactUnreachableError)
}

describe('a contact no one with whose ID is found', () => {
  it('is marked when a lookup gives up NOT_FOUND_AFTER_MS after the request, not before; its queued message fails with the reason', async () => {
    const { contactId, messageId } = await addGhost()
    await lookUp()
    clock += NOT_FOUND_AFTER_MS - 1
    await lookUp()
    expect((await getContact(db, contactId))?.problem).toBeUndefined()
    expect((await db.messages.get(messageId))?.state).toBe('queued')

    clock += BACKOFF.maxMs
    await lookUp()
    const row = await getContact(db, contactId)
    expect(row?.problem).toBe('notFound')
    expect(row === undefined ? undefined : requestStatus(row, clock)).toBe('notFound')
    expect(await db.messages.get(messageId)).toMatchObject({ state: 'failed', failure: 'contactNotFound' })

    // what is written to them now is not delivered either, at once
    const later = await queueOutgoing(db, { contactId, fromPeerId: ME, body: 'Hello?', now: clock })
    expect(await db.messages.get(later.id)).toMatchObject({ state: 'failed', failure: 'contactNotFound' })
  })

  it('is not marked while no relay answers (offline), nor when the invite had a check', async () => {
    network = 'silence'
    const unchecked = await addGhost()
    clock += NOT_FOUND_AFTER_MS + BACKOFF.maxMs
    await lookUp()
    expect((await getContact(db, unchecked.contactId))?.problem).toBeUndefined()

    network = 'nothing'
    await addGhost(true)
    clock += NOT_FOUND_AFTER_MS + BACKOFF.maxMs
    await lookUp()
    const row = await getContact(db, unchecked.contactId)
    expect(row?.unchecked).toBe(false)
    expect(row?.problem).toBeUndefined()
    expect((await db.messages.get(unchecked.messageId))?.state).toBe('queued')
  })

  it('found after all: the mark goes and the failed messages are queued again', async () => {
    const { contactId, messageId } = await addGhost()
    clock += NOT_FOUND_AFTER_MS
    await lookUp()
    expect((await getContact(db, contactId))?.problem).toBe('notFound')

    network = 'found'
    clock += BACKOFF.maxMs
    await finder.connect({ peerId: ghost.toString() }, { signal: signal() })
    expect((await getContact(db, contactId))?.problem).toBeUndefined()
    const message = await db.messages.get(messageId)
    expect(message?.state).toBe('queued')
    expect(message?.failure).toBeUndefined()
  })
})
