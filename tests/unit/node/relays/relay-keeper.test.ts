import { generateKeyPair } from '@libp2p/crypto/keys'
import { KEEP_ALIVE } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_RELAYS, RelayKeeper } from '../../../../src/lib/node/relays/relay-keeper.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * RelayKeeper against a fake node: which relays it dials, that a relay
 * leaving the list is hung up on (keep-alive tag cleared first, peer store
 * entry deleted after), and that only kept relays are re-dialed.
 */

interface FakeNode {
  node: Libp2p
  dials: string[]
  connected: Set<string>
  calls: string[]
  disconnect(peer: PeerId): void
}

function fakeNode (): FakeNode {
  const events = new EventTarget()
  const dials: string[] = []
  const calls: string[] = []
  const connected = new Set<string>()
  const tags = new Map<string, Map<string, unknown>>()
  const node = {
    logger: defaultLogger(),
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    dial: async (addr: Multiaddr) => {
      dials.push(addr.toString())
      const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value ?? ''
      if (addr.toString().includes('/tcp/1/')) throw new Error('connection refused')
      connected.add(id)
      tags.set(id, new Map([[`${KEEP_ALIVE}-circuit-relay`, { value: 1 }], ['other', { value: 1 }]]))
      return { remotePeer: id }
    },
    getConnections: (peer?: PeerId) => connected.has(peer?.toString() ?? '') ? [{}] : [],
    hangUp: async (peer: PeerId) => {
      calls.push(`hangUp ${peer.toString()}`)
      connected.delete(peer.toString())
    },
    peerStore: {
      get: async (peer: PeerId) => ({ tags: tags.get(peer.toString()) ?? new Map() }),
      merge: async (peer: PeerId, data: { tags: Record<string, unknown> }) => {
        calls.push(`untag ${peer.toString()} ${Object.keys(data.tags).join(',')}`)
      },
      delete: async (peer: PeerId) => { calls.push(`forget ${peer.toString()}`) }
    }
  }
  return {
    node: node as unknown as Libp2p,
    dials,
    connected,
    calls,
    disconnect: (peer) => {
      connected.delete(peer.toString())
      events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: peer }))
    }
  }
}

async function newPeer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
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
    keeper = new RelayKeeper(fake.node, [ws(a)], { onDialResult: (addr, r) => { results.push([addr, r.ok]) } })
    keeper.start()
    await vi.waitFor(() => { expect(keeper?.state(ws(a))).toBe('connected') })
    await keeper.setRelays([ws(a), ws(b)])
    await vi.waitFor(() => { expect(keeper?.state(ws(b))).toBe('connected') })
    expect(fake.dials).toEqual([ws(a), ws(b)])
    expect(results).toEqual([[ws(a), true], [ws(b), true]])
    expect(keeper.relays).toEqual([ws(a), ws(b)])
    expect(keeper.keepsPeer(b)).toBe(true)
  })

  it('hangs up on a relay that leaves the list: keep-alive tag cleared first, then the peer store forgets it', async () => {
    keeper = new RelayKeeper(fake.node, [ws(a), ws(b)])
    keeper.start()
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
    keeper = new RelayKeeper(fake.node, [ws(a)])
    keeper.start()
    await vi.waitFor(() => { expect(keeper?.state(ws(a))).toBe('connected') })
    await keeper.release(a)
    expect(fake.calls).toEqual([])
    fake.connected.add(b.toString())
    await keeper.release(b)
    expect(fake.calls).toEqual([`hangUp ${b.toString()}`, `forget ${b.toString()}`])
    expect(fake.connected.has(a.toString())).toBe(true)
  })

  it('keeps the connection when another kept address leads to the same relay', async () => {
    keeper = new RelayKeeper(fake.node, [ws(a), ws(a, 9002)])
    keeper.start()
    await vi.waitFor(() => { expect(keeper?.state(ws(a))).toBe('connected') })
    await keeper.setRelays([ws(a, 9002)])
    expect(fake.calls).toEqual([])
    expect(fake.connected.has(a.toString())).toBe(true)
  })

  it('re-dials a kept relay with back-off after it disconnects or a dial fails', async () => {
    vi.useFakeTimers()
    const refused = `/ip4/127.0.0.1/tcp/1/ws/p2p/${b.toString()}`
    const results: boolean[] = []
    keeper = new RelayKeeper(fake.node, [ws(a), refused], { onDialResult: (addr, r) => { if (addr === refused) results.push(r.ok) } })
    keeper.start()
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

  it(`keeps at most ${MAX_RELAYS} and skips addresses it cannot parse`, async () => {
    const many = Array.from({ length: MAX_RELAYS + 4 }, (_, i) => ws(a, 10_000 + i))
    keeper = new RelayKeeper(fake.node, ['not a multiaddr', ...many])
    expect(keeper.relays).toEqual(many.slice(0, MAX_RELAYS - 1))
    await keeper.setRelays(many)
    expect(keeper.relays).toEqual(many.slice(0, MAX_RELAYS))
  })
})
