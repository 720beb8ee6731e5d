import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { InvalidRelayAddressError } from '../../../src/lib/db/errors.ts'
import {
  listRelays, recordRelayResult, relayPeerId, syncDefaultRelays
} from '../../../src/lib/db/relays.ts'
import type { RelayRow } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'

const A = '/dns4/a.example/tcp/443/wss/p2p/12D3KooWA'
const B = '/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWB'
const C = '/dns4/c.example/tcp/443/wss/p2p/12D3KooWC'
const USER = '/dns4/mine.example/tcp/443/wss/p2p/12D3KooWMine'
const FOUND = '/ip4/10.0.0.5/tcp/4001/ws/p2p/12D3KooWFound'

let db: ParleyDb

beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

function userRow (multiaddr: string, peerId: string): RelayRow {
  return { multiaddr, peerId, source: 'user', active: false, lastConnected: 7, lastRtt: 70, failures: 3 }
}

describe('relayPeerId', () => {
  it('takes the trailing /p2p/ component, also of circuit addresses', () => {
    expect(relayPeerId(A)).toBe('12D3KooWA')
    expect(relayPeerId(`${A}/p2p-circuit/p2p/12D3KooWTarget`)).toBe('12D3KooWTarget')
  })

  it('rejects addresses without a trailing PeerID', () => {
    for (const bad of ['/ip4/1.2.3.4/tcp/1/ws', `${A}/p2p-circuit`, '/p2p/', 'p2p/12D3KooWA', '']) {
      expect(() => relayPeerId(bad)).toThrow(InvalidRelayAddressError)
    }
    expect(new InvalidRelayAddressError().name).toBe('InvalidRelayAddressError')
  })
})

describe('syncDefaultRelays', () => {
  it('adds the shipped relays as active defaults with parsed PeerIDs', async () => {
    await syncDefaultRelays(db, [A, B, A])
    expect(await listRelays(db)).toEqual([
      { multiaddr: A, peerId: '12D3KooWA', source: 'default', active: true, failures: 0 },
      { multiaddr: B, peerId: '12D3KooWB', source: 'default', active: true, failures: 0 }
    ])
  })

  it('drops defaults no longer shipped, keeps stats of the rest and never touches user or discovered rows', async () => {
    await syncDefaultRelays(db, [A, B])
    await recordRelayResult(db, A, { ok: true, rtt: 12, now: 1_000 })
    const mine = userRow(USER, '12D3KooWMine')
    const alsoDefault = userRow(C, '12D3KooWC')
    const found: RelayRow = { multiaddr: FOUND, peerId: '12D3KooWFound', source: 'discovered', active: true, failures: 0 }
    await db.relays.bulkAdd([mine, alsoDefault, found])

    await syncDefaultRelays(db, [A, C])

    expect(await listRelays(db)).toEqual([
      { multiaddr: A, peerId: '12D3KooWA', source: 'default', active: true, failures: 0, lastConnected: 1_000, lastRtt: 12 },
      alsoDefault,
      mine,
      found
    ])

    // An empty shipped list removes only defaults.
    await syncDefaultRelays(db, [])
    expect((await listRelays(db)).map((r) => r.multiaddr)).toEqual([alsoDefault.multiaddr, mine.multiaddr, FOUND])
  })

  it('writes nothing when one address is malformed', async () => {
    await syncDefaultRelays(db, [A])
    await expect(syncDefaultRelays(db, [B, '/ip4/1.2.3.4/tcp/1'])).rejects.toMatchObject({ name: 'InvalidRelayAddressError' })
    expect((await listRelays(db)).map((r) => r.multiaddr)).toEqual([A])
  })
})

describe('recordRelayResult', () => {
  it('counts failures and resets them on success', async () => {
    await syncDefaultRelays(db, [B])

    expect(await recordRelayResult(db, B, { ok: false, now: 10 })).toBe(true)
    expect(await recordRelayResult(db, B, { ok: false, rtt: 99, now: 20 })).toBe(true)
    expect(await db.relays.get(B)).toMatchObject({ failures: 2 })
    expect((await db.relays.get(B))?.lastConnected).toBeUndefined()
    expect((await db.relays.get(B))?.lastRtt).toBeUndefined()

    expect(await recordRelayResult(db, B, { ok: true, rtt: 42, now: 30 })).toBe(true)
    expect(await db.relays.get(B)).toMatchObject({ failures: 0, lastConnected: 30, lastRtt: 42 })

    // A success without a measured RTT keeps the last one.
    await recordRelayResult(db, B, { ok: true, now: 40 })
    expect(await db.relays.get(B)).toMatchObject({ failures: 0, lastConnected: 40, lastRtt: 42 })
  })

  it('reports an unknown relay', async () => {
    expect(await recordRelayResult(db, C, { ok: true, now: 1 })).toBe(false)
    expect(await db.relays.count()).toBe(0)
  })
})
