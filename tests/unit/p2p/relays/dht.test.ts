import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DHT_PROTOCOL as RELAY_DHT_PROTOCOL } from '@parley/protocol/kad'
import { DHT_PROTOCOL, DHT_UPKEEP_INTERVAL_MS, RANDOM_WALK_INTERVAL_MS, pacedPeerRouting, putValueTo, refreshEvery, withoutClosestPeerTags } from '../../../../src/lib/p2p/relays/dht.ts'
import { createLibp2pNode } from '../../../../src/lib/p2p/root/libp2p.ts'
import { EventTypes, MessageType } from '@libp2p/kad-dht'
import { Libp2pRecord } from '@libp2p/record'
import type { PeerId, PeerInfo, PeerRouting, RoutingOptions } from '@libp2p/interface'
import type { QueryEvent, SingleKadDHT } from '@libp2p/kad-dht'

/**
 * The app's DHT: the same protocol id as the relay-nodes', and random walks
 * (libp2p's relay discovery) paced so that a network of one relay is not
 * asked without pause.
 */

afterEach(() => { vi.useRealTimers() })

async function peerInfo (): Promise<PeerInfo> {
  const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return { id, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/9090/ws/p2p/${id.toString()}`)] }
}

/** A router whose walks each yield `info` and record when they started. */
function scriptedRouter (info: PeerInfo): PeerRouting & { starts: number[], lookups: RoutingOptions[] } {
  const starts: number[] = []
  const lookups: RoutingOptions[] = []
  return {
    starts,
    lookups,
    findPeer: async (_peer, options = {}) => {
      lookups.push(options)
      return info
    },
    getClosestPeers: async function * () {
      starts.push(Date.now())
      yield info
    }
  }
}

async function walk (router: PeerRouting, options: RoutingOptions = {}): Promise<PeerInfo[]> {
  const found: PeerInfo[] = []
  for await (const peer of router.getClosestPeers(new Uint8Array(32), options)) found.push(peer)
  return found
}

describe('DHT_PROTOCOL', () => {
  it("is the relay-nodes' protocol id, so that the app's client and the relays' servers speak to each other", () => {
    expect(DHT_PROTOCOL).toBe(RELAY_DHT_PROTOCOL)
    expect(DHT_PROTOCOL).toBe('/parley/kad/1.0.0')
  })
})

describe("the node's DHT service", () => {
  it('is a client of /parley/kad/1.0.0: it answers nobody, its routing table is there to read, its upkeep runs hourly and it tags no peer keep-alive', async () => {
    const node = await createLibp2pNode({
      privateKey: await generateKeyPair('Ed25519'),
      // the DHT is libp2p's own: no feature's protocol is needed
      protocols: {},
      isBlocked: () => false,
      rtcConfiguration: () => ({ iceServers: [] }),
      webRtcHere: () => true
    })
    await node.start()
    try {
      expect(node.services.dht.getMode()).toBe('client')
      expect((node.services.dht as unknown as { protocol: string }).protocol).toBe(DHT_PROTOCOL)
      expect(node.getProtocols()).not.toContain(DHT_PROTOCOL)
      expect(node.services.dht.routingTable.size).toBe(0)
      // after the first, at start, it looks itself up and refreshes its routing table hourly, not every 5 minutes
      // (kad-dht keeps both intervals in fields its types leave out)
      expect(Reflect.get(Reflect.get(node.services.dht, 'querySelf') as object, 'interval')).toBe(DHT_UPKEEP_INTERVAL_MS)
      expect(Reflect.get(Reflect.get(node.services.dht, 'routingTableRefresh') as object, 'refreshInterval')).toBe(DHT_UPKEEP_INTERVAL_MS)
      expect(DHT_UPKEEP_INTERVAL_MS).toBe(60 * 60_000)
      // kad-dht's closest-peer tagger did not start: no 5 s timer, so no peer is ever tagged keep-alive by it
      const tagger = Reflect.get(node.services.dht.routingTable, 'closestPeerTagger') as object
      expect(Reflect.get(tagger, 'timeout')).toBeUndefined()
      expect(Reflect.get(tagger, 'running')).toBe(false)
      // the request to one relay that putValueTo sends its PUT_VALUE through is there
      expect(typeof Reflect.get(Reflect.get(node.services.dht.routingTable, 'network') as object, 'sendRequest')).toBe('function')
    } finally {
      await node.stop()
    }
  })
})

describe('pacedPeerRouting', () => {
  it('starts the first walk at once and each next one an interval after the one before started', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const info = await peerInfo()
    const router = scriptedRouter(info)
    const paced = pacedPeerRouting(router, RANDOM_WALK_INTERVAL_MS)
    const t0 = Date.now()

    expect(await walk(paced)).toEqual([info])
    const second = walk(paced)
    const third = walk(paced)
    await vi.advanceTimersByTimeAsync(RANDOM_WALK_INTERVAL_MS - 1)
    expect(router.starts).toEqual([t0])
    await vi.advanceTimersByTimeAsync(1)
    expect(await second).toEqual([info])
    await vi.advanceTimersByTimeAsync(RANDOM_WALK_INTERVAL_MS)
    expect(await third).toEqual([info])
    expect(router.starts).toEqual([t0, t0 + RANDOM_WALK_INTERVAL_MS, t0 + 2 * RANDOM_WALK_INTERVAL_MS])
  })

  it('does not wait when the last walk started an interval ago or longer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const router = scriptedRouter(await peerInfo())
    const paced = pacedPeerRouting(router, 1000)
    await walk(paced)
    vi.setSystemTime(Date.now() + 5000)
    const started = Date.now()
    await walk(paced)
    expect(router.starts).toEqual([started - 5000, started])
  })

  it('ends a waiting walk with the abort reason when its signal aborts, without asking the router', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const router = scriptedRouter(await peerInfo())
    const paced = pacedPeerRouting(router, 1000)
    await walk(paced)
    const controller = new AbortController()
    const waiting = walk(paced, { signal: controller.signal })
    controller.abort(new Error('no more relays needed'))
    await expect(waiting).rejects.toThrow('no more relays needed')
    expect(router.starts).toHaveLength(1)
    // an aborted signal ends the next one before it starts, too
    await expect(walk(paced, { signal: controller.signal })).rejects.toThrow('no more relays needed')
    expect(router.starts).toHaveLength(1)
  })

  it('passes findPeer (a contact lookup) straight through, options included', async () => {
    const info = await peerInfo()
    const router = scriptedRouter(info)
    const paced = pacedPeerRouting(router, 60_000)
    await walk(paced)
    const signal = AbortSignal.timeout(10_000)
    expect(await paced.findPeer(info.id, { signal, useCache: false })).toBe(info)
    expect(await paced.findPeer(info.id, { signal, useCache: false })).toBe(info)
    expect(router.lookups).toEqual([{ signal, useCache: false }, { signal, useCache: false }])
  })
})

describe('refreshEvery', () => {
  it("sets how often kad-dht refreshes its routing table, and says so when kad-dht no longer has the field", () => {
    const refresh = { refreshInterval: 300_000, afterStart: async () => {} }
    refreshEvery({ routingTableRefresh: refresh } as unknown as SingleKadDHT, 3_600_000)
    expect(refresh.refreshInterval).toBe(3_600_000)
    expect(() => { refreshEvery({} as unknown as SingleKadDHT, 3_600_000) }).toThrow(/routingTableRefresh\.refreshInterval.*refreshEvery/)
    expect(() => { refreshEvery({ routingTableRefresh: { interval: 1 } } as unknown as SingleKadDHT, 3_600_000) }).toThrow(/no routingTableRefresh/)
  })
})

describe('withoutClosestPeerTags', () => {
  it("keeps kad-dht's closest-peer tagger from starting, and says so when kad-dht no longer has it", () => {
    let started = 0
    const tagger = { start: () => { started++ }, stop: () => {} }
    withoutClosestPeerTags({ routingTable: { closestPeerTagger: tagger } } as unknown as SingleKadDHT)
    tagger.start()
    expect(started).toBe(0)
    expect(() => { withoutClosestPeerTags({ routingTable: {} } as unknown as SingleKadDHT) }).toThrow(/closestPeerTagger.*withoutClosestPeerTags/)
    expect(() => { withoutClosestPeerTags({ routingTable: { closestPeerTagger: { start: 1 } } } as unknown as SingleKadDHT) }).toThrow(/no routingTable\.closestPeerTagger/)
  })
})

describe('putValueTo', () => {
  it("sends one PUT_VALUE of the key and value to that peer alone, stored only when the answer echoes the value; says so when kad-dht no longer has the request", async () => {
    const relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const key = new TextEncoder().encode('/parley-peer/key')
    const value = new Uint8Array([1, 2, 3])
    const sent: Array<{ to: PeerId, type: MessageType, key: Uint8Array, record: Libp2pRecord }> = []
    const answer = (record?: Libp2pRecord): QueryEvent => ({ name: 'PEER_RESPONSE', type: EventTypes.PEER_RESPONSE, from: relay, messageName: 'PUT_VALUE', messageType: MessageType.PUT_VALUE, closer: [], providers: [], record, path: { index: -1, queued: 0, running: 0, total: 0 } })
    const dht = (reply: (record: Libp2pRecord) => QueryEvent[]): { routingTable: object } => ({
      routingTable: {
        network: {
          sendRequest: async function * (to: PeerId, msg: { type: MessageType, key: Uint8Array, record: Uint8Array }): AsyncGenerator<QueryEvent> {
            const record = Libp2pRecord.deserialize(msg.record)
            sent.push({ to, type: msg.type, key: msg.key, record })
            yield * reply(record)
          }
        }
      }
    })
    const signal = AbortSignal.timeout(5000)
    expect(await putValueTo(dht(record => [answer(record)]), relay, key, value, signal)).toBe(true)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.to.equals(relay)).toBe(true)
    expect(sent[0]?.type).toBe(MessageType.PUT_VALUE)
    expect(sent[0]?.key).toEqual(key)
    expect(sent[0]?.record.key).toEqual(key)
    expect(sent[0]?.record.value).toEqual(value)
    // an answer with another value, or none, or with no record: not stored
    expect(await putValueTo(dht(record => [answer(new Libp2pRecord(record.key, new Uint8Array([9]), new Date()))]), relay, key, value, signal)).toBe(false)
    expect(await putValueTo(dht(() => [{ name: 'QUERY_ERROR', type: EventTypes.QUERY_ERROR, from: relay, error: new Error('reset'), path: { index: -1, queued: 0, running: 0, total: 0 } }]), relay, key, value, signal)).toBe(false)
    expect(await putValueTo(dht(() => [answer()]), relay, key, value, signal)).toBe(false)
    await expect(putValueTo({ routingTable: {} }, relay, key, value, signal)).rejects.toThrow(/routingTable\.network\.sendRequest.*putValueTo/)
  })
})
