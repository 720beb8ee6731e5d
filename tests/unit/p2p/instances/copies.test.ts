/**
 * One identity, one place, in the worker's node against real relay-nodes on
 * loopback (tests/integration/harness.ts): a copy of Alice's identity on
 * another browser's database makes both nodes' status say so, counted once
 * however many relays see it, and the warning goes with the copy; the same
 * browser profile's node started again (a worker restarted) is no copy.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ParleyDb } from '../../../../src/lib/db/db.ts'
import { openVault } from '../../../../src/lib/db/keyring.ts'
import { INSTANCE_PROTOCOL } from '@parley/protocol/instance/codec'
import { WAIT, startFederation, startHarness } from '../../../integration/harness.ts'
import { internals } from '../../../support/internals.ts'
import type { Federation, Harness, Peer } from '../../../integration/harness.ts'
import type { RelayNode } from '../../../../relay-node/src/index.ts'

let harness: Harness | undefined
let federation: Federation | undefined

afterEach(async () => {
  await harness?.close()
  await federation?.close()
  harness = undefined
  federation = undefined
})

/** Another browser's database holding `peer`'s profile, as a restored backup leaves it. */
async function copyOf (peer: Peer): Promise<IDBFactory> {
  const profile = await peer.db.profile.get(1)
  if (profile == null) throw new Error('no profile to copy')
  const factory = new IDBFactory()
  const db = new ParleyDb('parley', { indexedDB: factory, IDBKeyRange })
  // as a restore writes it: sealed under that browser's own keyring
  await openVault(db)
  await db.profile.put(profile)
  db.close()
  return factory
}

/** Open instance streams on `relay` (one per node connection that said HELLO). */
function instanceStreams (relay: RelayNode): number {
  return relay.node.getConnections().flatMap(c => c.streams).filter(s => s.protocol === INSTANCE_PROTOCOL && s.status === 'open').length
}

describe('one identity, one place, in the node', () => {
  it('a restored copy running beside the original: both say so; when the copy stops, the original stops saying it', async () => {
    harness = await startHarness()
    const alice = await harness.startPeer(undefined, 'Alice')
    await vi.waitFor(() => { expect(instanceStreams(harness?.relay as RelayNode)).toBe(1) }, WAIT)
    expect(alice.node.status.elsewhere).toBeUndefined()

    const started = Date.now()
    const copy = await harness.startPeer(await copyOf(alice))
    expect(copy.node.status.peerId).toBe(alice.node.status.peerId)
    await vi.waitFor(() => { expect(alice.node.status.elsewhere?.count).toBe(1) }, WAIT)
    await vi.waitFor(() => { expect(copy.node.status.elsewhere?.count).toBe(1) }, WAIT)
    // each says since when the other runs: the copy since it started, the original since before that
    // (to within a second: the relay tells ages in whole seconds, so two starts less than a second
    // apart may come out either way round; in CI, 13 ms the other way)
    expect(alice.node.status.elsewhere?.since).toBeGreaterThanOrEqual(started - 1000)
    expect(copy.node.status.elsewhere?.since).toBeLessThanOrEqual((alice.node.status.elsewhere?.since ?? 0) + 1000)
    // two browsers, two instance ids
    expect(internals(copy.node).instances.instance).not.toBe(internals(alice.node).instances.instance)

    await copy.stop()
    await vi.waitFor(() => { expect(alice.node.status.elsewhere).toBeUndefined() }, WAIT)
  })

  it('the same browser profile started again is one instance: the new node waits for the old one to stop (one writer), then runs with no warning', async () => {
    harness = await startHarness()
    const alice = await harness.startPeer(undefined, 'Alice')
    await vi.waitFor(() => { expect(instanceStreams(harness?.relay as RelayNode)).toBe(1) }, WAIT)
    // a second node on the same IndexedDB: what a restarted worker is while the old one still runs;
    // it waits for the database's writer lock (p2p/kernel/writer-lock.ts), so the two never run together
    const starting = harness.startPeer(alice.factory)
    await alice.stop()
    const again = await starting
    expect(internals(again.node).instances.instance).toBe(internals(alice.node).instances.instance)
    await vi.waitFor(() => { expect(instanceStreams(harness?.relay as RelayNode)).toBe(1) }, WAIT)
    expect(again.node.status.elsewhere).toBeUndefined()
  })

  it('two relays that both see the copy count it once', async () => {
    federation = await startFederation(2)
    const [r1, r2] = federation.relays as [RelayNode, RelayNode]
    const alice = await federation.startPeer([0, 1], { name: 'Alice' })
    const copy = await federation.startPeer([0, 1], { factory: await copyOf(alice) })
    // both nodes hold an instance stream on each relay
    await vi.waitFor(() => {
      expect(instanceStreams(r1)).toBe(2)
      expect(instanceStreams(r2)).toBe(2)
    }, WAIT)
    await vi.waitFor(() => { expect(alice.node.status.elsewhere?.count).toBe(1) }, WAIT)
    await vi.waitFor(() => { expect(copy.node.status.elsewhere?.count).toBe(1) }, WAIT)
    // one relay stops: the other still tells
    await federation.stopRelay(0)
    await vi.waitFor(() => { expect(instanceStreams(r2)).toBe(2) }, WAIT)
    expect(alice.node.status.elsewhere?.count).toBe(1)
    expect(copy.node.status.elsewhere?.count).toBe(1)
  })
})
