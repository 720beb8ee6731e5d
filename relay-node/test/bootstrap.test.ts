import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BOOTSTRAP_RETRY_MAX_MS, BOOTSTRAP_RETRY_MIN_MS, BootstrapKeeper } from '../src/bootstrap.ts'
import type { Logger } from '../src/log.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

/*
 * BootstrapKeeper over a fake node: dials at start, backs off doubling with
 * jitter up to 5 minutes while a bootstrap relay is down, resets once
 * connected, dials again soon after a disconnect. Fake timers, no network.
 */

interface FakeNode {
  node: Libp2p
  dials: number[]
  connected: Set<string>
  fail: boolean
  disconnect(peer: PeerId): void
}

function fakeNode (start: number): FakeNode {
  const target = new EventTarget()
  const fake: FakeNode = {
    dials: [],
    connected: new Set(),
    fail: true,
    node: {
      getConnections: (peer: PeerId) => fake.connected.has(peer.toString()) ? [{}] : [],
      dial: async (ma: { getComponents: () => Array<{ name: string, value?: string }> }) => {
        fake.dials.push(Date.now() - start)
        if (fake.fail) throw new Error('connection refused')
        fake.connected.add(ma.getComponents().findLast(c => c.name === 'p2p')?.value ?? '')
      },
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target)
    } as unknown as Libp2p,
    disconnect: (peer) => {
      fake.connected.delete(peer.toString())
      target.dispatchEvent(new CustomEvent('peer:disconnect', { detail: peer }))
    }
  }
  return fake
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger

describe('BootstrapKeeper', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('dials at once, backs off doubling (with jitter) up to its longest wait while down, resets once connected', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const start = Date.now()
    const fake = fakeNode(start)
    const warnings: unknown[] = []
    const log = { ...silent, warn: (...args: unknown[]) => { warnings.push(args) } } as unknown as Logger
    const keeper = new BootstrapKeeper(fake.node, [`/ip4/127.0.0.1/tcp/1/ws/p2p/${peer.toString()}`], log)
    await vi.advanceTimersByTimeAsync(0)
    expect(fake.dials).toEqual([0])
    // ten failures: each wait between half and all of the doubled base, never past the longest
    for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(BOOTSTRAP_RETRY_MAX_MS)
    const gaps = fake.dials.slice(1).map((t, i) => t - (fake.dials[i] ?? 0))
    gaps.forEach((gap, n) => {
      const base = Math.min(BOOTSTRAP_RETRY_MAX_MS, BOOTSTRAP_RETRY_MIN_MS * 2 ** n)
      expect(gap).toBeGreaterThanOrEqual(base / 2)
      expect(gap).toBeLessThanOrEqual(base)
    })
    expect(warnings.length).toBeGreaterThanOrEqual(2)
    // up again: connected, and the next disconnect dials again about a second later
    fake.fail = false
    await vi.advanceTimersByTimeAsync(BOOTSTRAP_RETRY_MAX_MS)
    expect(fake.connected.has(peer.toString())).toBe(true)
    const before = fake.dials.length
    fake.disconnect(peer)
    await vi.advanceTimersByTimeAsync(BOOTSTRAP_RETRY_MIN_MS)
    expect(fake.dials).toHaveLength(before + 1)
    keeper.stop()
    fake.disconnect(peer)
    await vi.advanceTimersByTimeAsync(BOOTSTRAP_RETRY_MAX_MS)
    expect(fake.dials).toHaveLength(before + 1)
  })
})
