/**
 * GroupCourier (src/lib/p2p/groups/courier.ts) with fake components: when
 * two members dial each other at once, libp2p closes the dial that loses
 * the race while the other one's connection stays open; the operations go
 * over that connection, not into the member's mailbox after a back-off.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ConnectionClosedError } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { GroupLog } from '@parley/protocol/group/log'
import { signGroupOp } from '@parley/protocol/group/op'
import { ParleyDb } from '../../../../src/lib/db/db.ts'
import { GroupCourier } from '../../../../src/lib/p2p/groups/courier.ts'
import { relayedConnection, testLogger } from '../../../support/fake-components.ts'
import type { Connection, PeerId } from '@libp2p/interface'
import type { GroupRequest } from '@parley/protocol/group/wire'
import type { GroupCourierComponents } from '../../../../src/lib/p2p/groups/courier.ts'

const RELAY = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWLC9oXkGta7tEZ88spsQMcEibFGXn7az3fCWC4GbM9sds'

let courier: GroupCourier | undefined
afterEach(() => { courier?.stop() })

async function person (): Promise<{ id: PeerId, peer: string, secret: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key)
  return { id, peer: id.toString(), secret: key.raw.subarray(0, 32) }
}

/** A courier of `me` whose dials to anyone fail as a lost race does, after `raced()` ran. */
interface Setup {
  /** what went to the member, over which connection */
  sent: Array<{ connection: Connection, request: GroupRequest }>
  /** mailbox items deposited for it */
  deposits: number
  log: GroupLog
  bob: { id: PeerId, peer: string }
  courier: GroupCourier
}

async function setup (raced: (connections: Connection[], bob: PeerId) => void): Promise<Setup> {
  const me = await person()
  const bob = await person()
  const create = signGroupOp({ kind: 'create', name: 'Pair', members: [{ peer: me.peer, name: 'Me' }, { peer: bob.peer, name: 'Bob' }] }, { author: me.peer, lamport: 1, deps: [], at: Date.now() }, me.secret)
  const log = new GroupLog(create)
  const connections: Connection[] = []
  const result: Omit<Setup, 'courier'> = { sent: [], deposits: 0, log, bob }
  const components = {
    db: new ParleyDb('parley', { indexedDB: new IDBFactory(), IDBKeyRange }),
    logger: testLogger(),
    libp2p: {
      addEventListener: () => {},
      removeEventListener: () => {},
      getConnections: (peer?: PeerId) => connections.filter(c => peer === undefined || c.remotePeer.equals(peer)),
      services: {
        group: {
          send: async (connection: Connection, request: GroupRequest) => {
            result.sent.push({ connection, request })
            return { type: 'reply', status: 'ok' } as const
          }
        }
      }
    },
    dialer: {
      connect: async () => {
        raced(connections, bob.id)
        throw new ConnectionClosedError('Remote closed connection during opening')
      },
      knownAddresses: async () => []
    },
    groupBook: { me: () => me.peer, log: async () => log, syncer: undefined, accounts: { device: () => me.peer } },
    courier: { depositFor: async () => { result.deposits++; return 1 } },
    // members without sessions: the items go under the static seal (boxes: tests/integration/sessions-groups.test.ts)
    groupBoxes: { mailboxItem: async () => undefined, deposited: async () => {} },
    contactBook: { byPeerId: async () => undefined }
  }
  const made = new GroupCourier(components as unknown as GroupCourierComponents)
  courier = made
  await made.start()
  return Object.assign(result, { courier: made })
}

describe('GroupCourier', () => {
  it('a dial that lost a race with the member\'s own: the operations go over the connection that won', async () => {
    let won: Connection | undefined
    const t = await setup((connections, bob) => {
      won = relayedConnection(bob, RELAY, { direction: 'inbound' })
      connections.push(won)
    })
    t.courier.pushOps(t.log.id, [t.bob.peer])
    await vi.waitFor(() => { expect(t.sent).toHaveLength(1) })
    expect(t.sent[0]?.connection).toBe(won)
    expect(t.sent[0]?.request).toMatchObject({ type: 'ops', group: t.log.id })
    expect(t.deposits).toBe(0)
  })

  it('a dial that failed with no connection to the member: its mailbox, nothing sent', async () => {
    const t = await setup(() => {})
    t.courier.pushOps(t.log.id, [t.bob.peer])
    await vi.waitFor(() => { expect(t.deposits).toBe(1) })
    expect(t.sent).toEqual([])
  })
})
