/**
 * Many peers connecting to one node at once through its relay, as the
 * members of a group do when they first reach each other (an invitation
 * accepted, a burst of messages): every relayed connection counts as coming
 * from the relay's address, so the node's per-address inbound limits
 * (src/lib/p2p/root/libp2p.ts) must let a whole group through, not
 * libp2p's 5 a second.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_INBOUND_CONNECTIONS_PER_HOST_PER_S } from '../../src/lib/p2p/root/libp2p.ts'
import { startHarness, WAIT } from './harness.ts'
import type { Harness } from './harness.ts'

/** Strangers dialling at once: more than libp2p's defaults let through (5 a second, 10 in their handshakes). */
const STRANGERS = 12

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

describe('inbound connections through one relay', () => {
  it(`${STRANGERS} peers dialling one node at once through its relay are all let in`, async () => {
    expect(STRANGERS).toBeLessThanOrEqual(MAX_INBOUND_CONNECTIONS_PER_HOST_PER_S)
    const target = await harness.startPeer(undefined, 'Target')
    const strangers = await Promise.all(Array.from({ length: STRANGERS }, async (_, i) => harness.startPeer(undefined, `Stranger ${i}`)))
    await vi.waitFor(() => { expect(target.node.status.addresses.length).toBeGreaterThan(0) }, WAIT)
    const address = multiaddr(target.node.status.addresses[0] ?? '')
    const results = await Promise.allSettled(strangers.map(async (s) => {
      const libp2p = s.node.libp2p
      if (libp2p === undefined) throw new Error('no libp2p')
      const connection = await libp2p.dial(address, { signal: AbortSignal.timeout(20_000) })
      // the connection is usable: a stream opens on it (the listener kept it)
      const stream = await connection.newStream('/ipfs/ping/1.0.0', { runOnLimitedConnection: true, signal: AbortSignal.timeout(20_000) })
      await stream.close()
    }))
    expect(results.filter(r => r.status === 'rejected').map(r => String((r as PromiseRejectedResult).reason))).toEqual([])
    const libp2p = target.node.libp2p
    await vi.waitFor(() => {
      const from = new Set(libp2p?.getConnections().map(c => c.remotePeer.toString()))
      expect(strangers.filter(s => !from.has(s.node.status.peerId ?? '')).map(s => s.node.status.username)).toEqual([])
    }, WAIT)
  }, 60_000)
})
