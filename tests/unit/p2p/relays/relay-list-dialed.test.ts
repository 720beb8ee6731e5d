/**
 * What the relay list records of the keeper's dials (src/lib/p2p/relays/relay-list.ts):
 * a dial of a relay's WebRTC-Direct address that libp2p answered with the
 * WebSocket connection the relay already had says nothing of that address,
 * so its row gets no "last connected" or round trip from it; and an address
 * this browser cannot dial (WebRTC-Direct without WebRTC) is not dialable.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UNKNOWN_CAPABILITIES } from '../../../../src/lib/contract/capabilities.ts'
import { RelayList } from '../../../../src/lib/p2p/relays/relay-list.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { RelayListComponents } from '../../../../src/lib/p2p/relays/relay-list.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { NodeCapabilities } from '../../../../src/lib/contract/index.ts'

const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const WS = `/ip4/127.0.0.1/tcp/9001/ws/p2p/${PEER}`
const DIRECT = `/ip4/127.0.0.1/udp/9002/webrtc-direct/certhash/uEiA/p2p/${PEER}`

let db: ParleyDb
let capabilities: NodeCapabilities

function relayList (): RelayList {
  const unused = (): never => { throw new Error('not used here') }
  const components = {
    db,
    logger: testLogger(),
    status: { get current () { return { capabilities } }, update: () => {} },
    libp2p: unused,
    served: { relays: [] },
    keeper: { setRelays: unused, release: unused, state: unused },
    contactBook: { byPeerId: unused },
    events: { safeDispatchEvent: () => true }
  } as unknown as RelayListComponents
  return new RelayList(components)
}

beforeEach(async () => {
  db = await openTestDb()
  capabilities = { ...UNKNOWN_CAPABILITIES }
  await db.relays.bulkPut([WS, DIRECT].map(multiaddr => ({ multiaddr, peerId: PEER, source: 'default' as const, active: true, failures: 0 })))
})
afterEach(() => { db.close() })

describe('RelayList.dialed', () => {
  it('records a dial that connected over the address itself, not one that got the relay\'s connection over another', async () => {
    const list = relayList()
    list.dialed(DIRECT, { ok: true, rtt: 0, remoteAddr: WS })
    list.dialed(WS, { ok: true, rtt: 7, remoteAddr: WS })
    await vi.waitFor(async () => { expect((await db.relays.get(WS))?.lastRtt).toBe(7) })
    const direct = await db.relays.get(DIRECT)
    expect(direct?.lastConnected).toBeUndefined()
    expect(direct?.lastRtt).toBeUndefined()
  })
})

describe('RelayList.dialable', () => {
  it('every address while WebRTC is there or not known yet; no WebRTC-Direct one without it', () => {
    const list = relayList()
    expect(list.dialable(DIRECT)).toBe(true)
    capabilities = { ...capabilities, webrtc: true }
    expect(list.dialable(DIRECT)).toBe(true)
    capabilities = { ...capabilities, webrtc: false }
    expect(list.dialable(DIRECT)).toBe(false)
    expect(list.dialable(WS)).toBe(true)
  })
})
