/**
 * The sender's card says why a file waits, as the receiver's does
 * (src/lib/p2p/transfers/sender-waits.ts): over a relayed connection only, an
 * offered file bigger than that relay carries is 'waiting-direct' with
 * fileTooBigForRelay and the relay's allowance; a direct connection puts it
 * back to waiting to be fetched; a file the relay carries, a group's file and
 * one with no connection at all are left as they are.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { upsertContact } from '../../../../src/lib/db/contacts.ts'
import { RelayBudget } from '../../../../src/lib/p2p/transfers/relay-budget.ts'
import { sayWhySenderWaits } from '../../../../src/lib/p2p/transfers/sender-waits.ts'
import { fakeConnection, relayedConnection } from '../../../support/fake-components.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, MessageId, TransferRow } from '../../../../src/lib/db/types.ts'
import type { Connection, PeerId } from '@libp2p/interface'

const RELAY = '/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const MIB = 1024 * 1024
const BIG = '01HZX3J5Q8W2N6R4T7V9B1BBBB' as MessageId
const SMALL = '01HZX3J5Q8W2N6R4T7V9B1SSSS' as MessageId
const GROUP = '01HZX3J5Q8W2N6R4T7V9B1GGGG' as MessageId

let db: ParleyDb
let bob: PeerId
let contactId: ContactId
let connections: Connection[]
const budget = new RelayBudget()
const init = (): Parameters<typeof sayWhySenderWaits>[0] => ({ db, budget, libp2p: () => ({ getConnections: () => connections }) })

function outgoing (id: MessageId, size: number, extra: Partial<TransferRow> = {}): TransferRow {
  return {
    id, contactId, direction: 'out', name: 'big.bin', size, mime: 'application/octet-stream', sha256: 'a'.repeat(64), chunkSize: 64 * 1024,
    chunkCount: Math.ceil(size / (64 * 1024)), state: 'waiting', have: new Uint8Array(0), chunksDone: 0, bytesDone: 0,
    requests: new Uint8Array(0), resumes: 0, store: 'idb', createdAt: 1, updatedAt: 1, ...extra
  } as TransferRow
}

beforeEach(async () => {
  db = await openTestDb()
  bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  contactId = await upsertContact(db, { peerId: bob.toString(), username: 'Bob', addresses: [], now: 1 })
  await db.transfers.bulkPut([outgoing(BIG, 5 * MIB), outgoing(SMALL, MIB), outgoing(GROUP, 5 * MIB, { groupId: 'g1' })])
  connections = []
})
afterEach(() => { db.close() })

describe('sayWhySenderWaits', () => {
  it('relayed only: the file bigger than the relay carries says so, with the allowance its side of the connection reads', async () => {
    const relayed = relayedConnection(bob, RELAY, { limits: { bytes: BigInt(4 * MIB), seconds: 120 } })
    connections = [relayed]
    await sayWhySenderWaits(init(), bob.toString())
    const big = await db.transfers.get(BIG)
    expect(big?.state).toBe('waiting-direct')
    expect(big?.problem).toEqual({ code: 'fileTooBigForRelay', params: { size: 5 * MIB, max: budget.capacity(relayed) } })
    expect(budget.capacity(relayed)).toBeLessThan(5 * MIB)
    expect((await db.transfers.get(SMALL))?.state).toBe('waiting')
    expect((await db.transfers.get(GROUP))?.state).toBe('waiting')
  })

  it('a direct connection: it waits to be fetched again, the reason gone; with none at all nothing changes', async () => {
    connections = [relayedConnection(bob, RELAY, { limits: { bytes: BigInt(4 * MIB), seconds: 120 } })]
    await sayWhySenderWaits(init(), bob.toString())
    connections = []
    await sayWhySenderWaits(init(), bob.toString())
    expect((await db.transfers.get(BIG))?.state).toBe('waiting-direct')
    connections = [fakeConnection({ remotePeer: bob, remoteAddr: '/ip4/127.0.0.1/udp/9/webrtc-direct/p2p/' + bob.toString() })]
    await sayWhySenderWaits(init(), bob.toString())
    const big = await db.transfers.get(BIG)
    expect(big?.state).toBe('waiting')
    expect(big?.problem).toBeUndefined()
  })
})
