import { generateKeyPair } from '@libp2p/crypto/keys'
import { KEEP_ALIVE } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_RELAYS, RELAY_BACKOFF, RELAY_STABLE_MS, RelayKeeper } from '../../../../src/lib/p2p/relays/relay-keeper.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { RelayKeeperComponents, RelayKeeperInit } from '../../../../src/lib/p2p/relays/relay-keeper.ts'
import type { Libp2pEvents, PeerId, Tag } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * RelayKeeper against a fake node: which relays it dials, that a relay
 * leaving the list is hung up on (keep-alive tag cleared first, peer store
 * entry deleted after), and that only kept relays are re-dialed.
 */

interface FakeNode {
  node: RelayKeeperComponents['libp2p']
  dials: string[]
  /** the relays (PeerIDs) connected now */
  connected: { readonly size: number, has(id: string): boolean, add(id: string): void }
  calls: string[]
  disconnect(peer: PeerId): void
}

function fakeNode (): FakeNode {
  const events = new TypedEventEmitter<Libp2pEvents>()
  const dials: string[] = []
  const calls: string[] = []
  const connected = new Map<string, PeerId>()
  const tags = new Map<string, Map<string, Tag>>()
  const node: RelayKeeperComponents['libp2p'] = {
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    dial: async (target) => {
      const addr = target as Multiaddr
      dials.push(addr.toString())
      const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value ?? ''
      if (addr.toString().includes('/tcp/1/')) throw new Error('connection refused')
      const peer = peers.get(id)
      if (peer == null) throw new Error(`no such relay ${id}`)
      connected.set(id, peer)
      tags.set(id, new Map([[`${KEEP_ALIVE}-circuit-relay`, { value: 1 }], ['other', { value: 1 }]]))
      return fakeConnection({ remotePeer: peer, remoteAddr: addr })
    },
    getConnections: (peer?: PeerId) => {
      const found = connected.get(peer?.toString() ?? '')
      return found == null ? [] : [fakeConnection({ remotePeer: found })]
    },
    hangUp: async (peer) => {
      calls.push(`hangUp ${peer.toString()}`)
      connected.delete(peer.toString())
    },
    peerStore: {
      get: async (peer) => ({ id: peer, addresses: [], protocols: [], metadata: new Map(), tags: tags.get(peer.toString()) ?? new Map() }),
      merge: async (peer, data) => {
        calls.push(`untag ${peer.toString()} ${Object.keys(data.tags ?? {}).join(',')}`)
        return { id: peer, addresses: [], protocols: [], metadata: new Map(), tags: new Map() }
      },
      delete: async (peer) => { calls.push(`forget ${peer.toString()}`) }
    }
  }
  return {
    node,
    dials,
    connected: {
      get size () { return connected.size },
      has: (id) => connected.has(id),
      add: (id) => {
        const peer = peers.get(id)
        if (peer != null) connected.set(id, peer)
      }
    },
    calls,
    disconnect: (peer) => {
      connected.delete(peer.toString())
      events.safeDispatchEvent('peer:disconnect', { detail: peer })
    }
  }
}

/** Every relay PeerID a test made, by its text. */
const peers = new Map<string, PeerId>()

async function newPeer (): Promise<PeerId> {
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  peers.set(peer.toString(), peer)
  return peer
}

/** A keeper of `relays`, started as the node starts it (listeners, then dials once libp2p runs). */
async function keep (relays: string[], init?: RelayKeeperInit): Promise<RelayKeeper> {
  const made = new RelayKeeper({ logger: testLogger(), libp2p: fake.node }, init)
  await made.setRelays(relays)
  made.start()
  made.afterStart()
  return made
}

let fake: FakeNode
let keeper: RelayKeeper | undefined
let a: PeerId
let b: PeerId

beforeEach(async () => {
  fake = fakeNode()
  a = await newPeer()
  b = await newPeer()
})

afterEach(() => {
  keeper?.stop()
  vi.useRealTimers()
})

const ws = (peer: PeerId, port = 9001): string => `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peer.toString()}`

describe('RelayKeeper', () => {
  it('dials every relay at start and each one added later; reports each result', async () => {
    const results: Array<[string, boolean]> = []
    keeper = await keep([ws(a)], { onDialResult: (addr, r) => { results.push([addr, r.ok]) } })
    await vi.waitFor(() => { expect(keeper?.state(ws(a))).toBe('connected') })
    await keeper.setRelays([ws(a), ws(b)])
    await vi.waitFor(() => { expect(keeper?.state(ws(b))).toBe('connected') })
    expect(fake.dials).toEqual([ws(a), ws(b)])
    expect(results).toEqual([[ws(a), true], [ws(b), true]])
    expect(keeper.relays).toEqual([ws(a), ws(b)])
    expect(keeper.keepsPeer(b)).toBe(true)
  })

  it('does not dial an address this browser cannot (dialable false): kept, waiting, never tried, no result', async () => {
    const direct = `/ip4/127.0.0.1/udp/9001/webrtc-direct/p2p/${a.toString()}`
    const results: string[] = []
    keeper = await keep([direct, ws(b)], { dialable: (addr) => addr !== direct, onDialResult: (addr) => { results.push(addr) } })
    await vi.waitFor(() => { expect(keeper?.state(ws(b))).toBe('connected') })
    keeper.retryNow()
    expect(fake.dials).toEqual([ws(b)])
    expect(results).toEqual([ws(b)])
    expect(keeper.state(direct)).toBe('waiting')
  })

  it('reports the address of the connection a dial gave', async () => {
    const results: unknown[] = []
    keeper = await keep([ws(a)], { onDialResult: (_addr, r) => { results.push(r.ok ? r.remoteAddr : r.error) } })
    await vi.waitFor(() => { expect(results).toEqual([ws(a)]) })
  })

  it('hangs up on a relay that leaves the list: keep-alive tag cleared first, then the peer store forgets it', async () => {
    keeper = await keep([ws(a), ws(b)])
    await vi.waitFor(() => { expect(fake.connected.size).toBe(2) })
    await keeper.setRelays([ws(a)])
    expect(fake.calls).toEqual([`untag ${b.toString()} ${KEEP_ALIVE}-circuit-relay`, `hangUp ${b.toString()}`, `forget ${b.toString()}`])
    expect(keeper.state(ws(b))).toBeUndefined()
    expect(keeper.keepsPeer(b)).toBe(false)
    // its disconnect does not bring a re-dial
    fake.disconnect(b)
    expect(fake.dials.filter(d => d === ws(b))).toHaveLength(1)
  })

  it('release hangs up on a relay it does not keep (one a test dialed), never on a kept one', async () => {
    keeper = await keep([ws(a)])
    await vi.waitFor(() => { expect(keeper?.state(ws(a))).toBe('connected') })
    await keeper.release(a)
    expect(fake.calls).toEqual([])
    fake.connected.add(b.toString())
    await keeper.release(b)
    expect(fake.calls).toEqual([`hangUp ${b.toString()}`, `forget ${b.toString()}`])
    expect(fake.connected.has(a.toString())).toBe(true)
  })

  it('keeps the connection when another kept address leads to the same relay', async () => {
    keeper = await keep([ws(a), ws(a, 9002)])
    await vi.waitFor(() => { expect(keeper?.state(ws(a))).toBe('connected') })
    await keeper.setRelays([ws(a, 9002)])
    expect(fake.calls).toEqual([])
    expect(fake.connected.has(a.toString())).toBe(true)
  })

  it('re-dials a kept relay with back-off after it disconnects or a dial fails', async () => {
    vi.useFakeTimers()
    const refused = `/ip4/127.0.0.1/tcp/1/ws/p2p/${b.toString()}`
    const results: boolean[] = []
    keeper = await keep([ws(a), refused], { onDialResult: (addr, r) => { if (addr === refused) results.push(r.ok) } })
    // the fake dials settle in microtasks: flush them, no time passes
    await vi.advanceTimersByTimeAsync(0)
    expect(results).toEqual([false])
    expect(keeper.state(refused)).toBe('waiting')
    expect(keeper.state(ws(a))).toBe('connected')
    fake.disconnect(a)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(fake.dials.filter(d => d === ws(a))).toHaveLength(2)
    expect(fake.dials.filter(d => d === refused).length).toBeGreaterThanOrEqual(2)
    // removed while waiting for its retry: the timer is gone
    await keeper.setRelays([ws(a)])
    const before = fake.dials.length
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fake.dials.length).toBe(before)
  })

  it('re-dials a relay whose connections close at once ever more slowly; a connection that lasted RELAY_STABLE_MS starts the back-off over', async () => {
    vi.useFakeTimers()
    keeper = await keep([ws(a)])
    await vi.advanceTimersByTimeAsync(0)
    const dialsOfA = (): number => fake.dials.filter(d => d === ws(a)).length
    // each connection closes as soon as it opens: the gaps between re-dials grow
    const redialAfter: number[] = []
    for (let i = 0; i < 5; i++) {
      const before = dialsOfA()
      fake.disconnect(a)
      const from = Date.now()
      while (dialsOfA() === before) await vi.advanceTimersByTimeAsync(50)
      redialAfter.push(Date.now() - from)
    }
    // full jitter halves at most: attempt k waits at least initialMs * 2^k / 2 (capped)
    redialAfter.forEach((ms, k) => { expect(ms).toBeGreaterThanOrEqual(Math.min(RELAY_BACKOFF.maxMs, RELAY_BACKOFF.initialMs * 2 ** k) / 2) })
    expect(redialAfter.at(-1)).toBeGreaterThan(RELAY_BACKOFF.initialMs * 4)
    // this one lasts: the next re-dial comes after about initialMs again
    await vi.advanceTimersByTimeAsync(RELAY_STABLE_MS)
    const before = dialsOfA()
    fake.disconnect(a)
    await vi.advanceTimersByTimeAsync(RELAY_BACKOFF.initialMs)
    expect(dialsOfA()).toBe(before + 1)
  })

  it(`keeps at most ${MAX_RELAYS} and skips addresses it cannot parse`, async () => {
    const many = Array.from({ length: MAX_RELAYS + 4 }, (_, i) => ws(a, 10_000 + i))
    keeper = await keep(['not a multiaddr', ...many])
    expect(keeper.relays).toEqual(many.slice(0, MAX_RELAYS - 1))
    await keeper.setRelays(many)
    expect(keeper.relays).toEqual(many.slice(0, MAX_RELAYS))
  })
})
