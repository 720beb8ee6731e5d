/**
 * Issue 27: RecordPublisher against a scripted node (fake timers): what it
 * publishes (its circuit addresses only, signed, newer each time), when
 * (at start, on an address change, before the TTL runs out, never without a
 * reservation), the retry with back-off, and stop; and how: with kad-dht's
 * put (a lookup) or straight to the relays that stored the last one.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { EventTypes, MessageType } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PEER_RECORD_REPUBLISH_MS, openPeerRecord, peerRecordKey } from '@parley/protocol/peer-record/record'
import { RECORD_LOOKUP_EVERY_MS, RECORD_PUBLISH_GAP_MS, RECORD_RETRY_BACKOFF, RECORD_SHORT_RETRIES, RecordPublisher } from '../../../../src/lib/p2p/presence/record-publisher.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { PublisherNode } from '../../../../src/lib/p2p/presence/record-publisher.ts'
import type { PeerResponseEvent, QueryEvent } from '@libp2p/kad-dht'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const RELAY_A = '12D3KooWAJjbRkp8FPF5MKgMU53aUTxWkqvDrs4zc1VMbwRwfsbE'
const RELAY_B = '12D3KooWSNvdyyVMfBwgFTd3AS1K7aCuaoMy2AXvXoH4rXhjGt2r'

let key: Ed25519PrivateKey
let self: PeerId
let addresses: Multiaddr[]
/** Each publication: by kad-dht's put (`lookup`) or by PUT_VALUEs to single relays (`direct`, with the relays asked). */
let puts: Array<{ key: Uint8Array, value: Uint8Array, at: number, via: 'lookup' | 'direct', to: string[] }>
let stores: boolean
/** the relays kad-dht's put finds (and that store what it sends, while `stores`) */
let relays: PeerId[]
/** whether a relay asked straight stores the record (while `stores`): 'yes', 'no' (an answer that does not echo it), 'fails' (the request throws) */
let direct: (relay: PeerId) => 'yes' | 'no' | 'fails'
/** the size of the DHT's routing table */
let known: number
/** the relays kad-dht's put hears of besides those it finds (named in a FIND_NODE answer of the first relay found, if any) */
let named: PeerId[]
let onUpdate: (() => void) | undefined
let publisher: RecordPublisher

const circuit = (relay: string): Multiaddr => multiaddr(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${relay}/p2p-circuit/p2p/${self.toString()}`)

function stored (from: PeerId, record?: Libp2pRecord): PeerResponseEvent {
  return { name: 'PEER_RESPONSE', type: EventTypes.PEER_RESPONSE, from, messageName: 'PUT_VALUE', messageType: MessageType.PUT_VALUE, closer: [], providers: [], record, path: { index: 0, queued: 0, running: 0, total: 1 } }
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i])

/** A relay's answer to a PUT_VALUE sent straight to it: it stores the record (echoes it), answers without it, or fails, as `direct` says. */
async function * answerPut (to: PeerId, msg: { type: MessageType, key: Uint8Array, record: Uint8Array }): AsyncGenerator<QueryEvent> {
  const record = Libp2pRecord.deserialize(msg.record)
  // anything but a PUT_VALUE of the record under its own key fails the test that sent it
  if (msg.type !== MessageType.PUT_VALUE || !equal(record.key, msg.key) || !equal(msg.key, peerRecordKey(self))) throw new Error('not a PUT_VALUE of our record')
  const same = puts.find(p => p.via === 'direct' && equal(p.value, record.value))
  if (same === undefined) puts.push({ key: msg.key, value: record.value, at: Date.now(), via: 'direct', to: [to.toString()] })
  else same.to.push(to.toString())
  const reply = stores ? direct(to) : 'no'
  if (reply === 'fails') throw new Error('no connection')
  yield stored(to, reply === 'yes' ? record : new Libp2pRecord(record.key, new Uint8Array(1), new Date()))
}

/** What each publication said: its addresses and sequence number. */
async function published (): Promise<Array<{ addresses: string[], seq: bigint }>> {
  return Promise.all(puts.map(async p => {
    const opened = await openPeerRecord(p.key, p.value, p.at)
    return { addresses: opened.addresses.map(String), seq: opened.seq }
  }))
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  vi.setSystemTime(Date.UTC(2026, 10, 26, 12))
  key = await generateKeyPair('Ed25519')
  self = peerIdFromPrivateKey(key)
  addresses = [multiaddr('/ip4/192.168.1.20/udp/4001/webrtc-direct'), circuit(RELAY_A), multiaddr(`/p2p/${self.toString()}`)]
  puts = []
  stores = true
  relays = await Promise.all(Array.from({ length: 20 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
  direct = () => 'yes'
  onUpdate = undefined
  // the relays the DHT knows, and kad-dht's request to one peer (putValueTo)
  known = 20
  named = []
  const routingTable = {
    get size () { return known },
    network: {
      sendRequest: async function * (to: PeerId, msg: { type: MessageType, key: Uint8Array, record: Uint8Array }, options: { signal?: AbortSignal }): AsyncGenerator<QueryEvent> {
        // while it runs it listens for the abort, as libp2p's dial and stream do
        const onAbort = (): void => {}
        options.signal?.addEventListener('abort', onAbort)
        try {
          yield * answerPut(to, msg)
        } finally {
          options.signal?.removeEventListener('abort', onAbort)
        }
      }
    }
  }
  const node: PublisherNode = {
    peerId: self,
    getMultiaddrs: () => addresses,
    addEventListener: ((type: string, listener: () => void) => { if (type === 'self:peer:update') onUpdate = listener }) as PublisherNode['addEventListener'],
    removeEventListener: ((type: string) => { if (type === 'self:peer:update') onUpdate = undefined }) as PublisherNode['removeEventListener'],
    services: {
      dht: {
        put: async function * (k: Uint8Array, value: Uint8Array, options: { signal?: AbortSignal }): AsyncGenerator<QueryEvent> {
          puts.push({ key: k, value, at: Date.now(), via: 'lookup', to: relays.map(String) })
          const first = relays[0]
          if (first !== undefined && named.length > 0) yield { ...stored(first), messageName: 'FIND_NODE', messageType: MessageType.FIND_NODE, closer: named.map(id => ({ id, multiaddrs: [] })) }
          // kad-dht sends its PUT_VALUEs to the closest relays at once, each request listening to the caller's signal
          const listeners = relays.map(() => (): void => {})
          for (const listener of listeners) options.signal?.addEventListener('abort', listener)
          try {
            if (stores) for (const relay of relays) yield stored(relay)
          } finally {
            for (const listener of listeners) options.signal?.removeEventListener('abort', listener)
          }
        },
        routingTable
      }
    }
  }
  publisher = new RecordPublisher({ logger: testLogger(), libp2p: node, identity: { privateKey: () => key } }, { random: () => 0.5 })
  publisher.start()
})

afterEach(() => {
  publisher.stop()
  vi.useRealTimers()
})

/** Runs the timers due within `ms` and lets the publication they start finish. */
async function advance (ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
}

describe('RecordPublisher', () => {
  it('publishes at start, under its own key, a signed record of its circuit addresses alone', async () => {
    publisher.afterStart()
    await advance(0)
    expect(puts).toHaveLength(1)
    expect(puts[0]?.key).toEqual(peerRecordKey(self))
    expect(await published()).toEqual([{ addresses: [circuit(RELAY_A).toString()], seq: BigInt(Date.now()) }])
  })

  it("leaves out a relay's /webrtc form when its plain circuit address is gone (the reservation ended)", async () => {
    const webrtc = (relay: string): Multiaddr => multiaddr(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${relay}/p2p-circuit/webrtc/p2p/${self.toString()}`)
    addresses = [circuit(RELAY_B), webrtc(RELAY_B), webrtc(RELAY_A)]
    publisher.afterStart()
    await advance(0)
    expect((await published()).map(p => p.addresses)).toEqual([[circuit(RELAY_B), webrtc(RELAY_B)].map(String)])
  })

  it('with no reservation publishes nothing, and publishes once one comes', async () => {
    addresses = [multiaddr('/ip4/192.168.1.20/udp/4001/webrtc-direct')]
    publisher.afterStart()
    await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts).toHaveLength(0)
    addresses = [circuit(RELAY_B)]
    onUpdate?.()
    await advance(0)
    expect((await published()).map(p => p.addresses)).toEqual([[circuit(RELAY_B).toString()]])
  })

  it('a start or an update without a reservation does not hold the first publication back by the gap', async () => {
    addresses = []
    publisher.afterStart()
    await advance(1000)
    onUpdate?.()
    await advance(1000)
    addresses = [circuit(RELAY_A)]
    onUpdate?.()
    await advance(0)
    expect(puts).toHaveLength(1)
  })

  it('publishes the same addresses again before the TTL runs out, not sooner, and an update that changes nothing publishes nothing', async () => {
    publisher.afterStart()
    await advance(0)
    onUpdate?.()
    await advance(PEER_RECORD_REPUBLISH_MS - 1)
    expect(puts).toHaveLength(1)
    await advance(1)
    expect(puts).toHaveLength(2)
    const [first, second] = await published()
    expect(second?.addresses).toEqual(first?.addresses)
    expect((second?.seq ?? 0n) - (first?.seq ?? 0n)).toBe(BigInt(PEER_RECORD_REPUBLISH_MS))
  })

  it('publishes at once when its addresses change (the gap apart at most), each record newer than the last', async () => {
    publisher.afterStart()
    await advance(0)
    addresses = [circuit(RELAY_A), circuit(RELAY_B)]
    onUpdate?.()
    await advance(RECORD_PUBLISH_GAP_MS - 1)
    expect(puts).toHaveLength(1)
    await advance(1)
    addresses = [circuit(RELAY_B)]
    onUpdate?.()
    await advance(RECORD_PUBLISH_GAP_MS)
    const seen = await published()
    expect(seen.map(p => p.addresses)).toEqual([[circuit(RELAY_A).toString()], [circuit(RELAY_A), circuit(RELAY_B)].map(String), [circuit(RELAY_B).toString()]])
    expect(seen.map(p => p.seq)).toEqual([...seen.map(p => p.seq)].sort((a, b) => Number(a - b)))
    expect(new Set(seen.map(p => p.seq)).size).toBe(3)
  })

  it('a publication no relay stored is tried again with back-off, and one that is stored goes back to the republish interval', async () => {
    stores = false
    publisher.afterStart()
    await advance(0)
    // RECORD_RETRY_BACKOFF with jitter 0.5 and random 0.5: 3/4 of 20 s, then of 40 s
    const first = RECORD_RETRY_BACKOFF.initialMs * 0.75
    await advance(first - 1)
    expect(puts).toHaveLength(1)
    await advance(1)
    expect(puts).toHaveLength(2)
    stores = true
    await advance(first * 2)
    expect(puts).toHaveLength(3)
    await advance(PEER_RECORD_REPUBLISH_MS - 1)
    expect(puts).toHaveLength(3)
    await advance(1)
    expect(puts).toHaveLength(4)
  })

  it('after stop it publishes nothing more, and hears no more updates', async () => {
    publisher.afterStart()
    await advance(0)
    publisher.stop()
    expect(onUpdate).toBeUndefined()
    await advance(PEER_RECORD_REPUBLISH_MS * 2)
    expect(puts).toHaveLength(1)
  })

  it('publishes with a lookup and renews at the 20 holders without a MaxListenersExceededWarning: each fan-out shares one abort signal (Node warns past 10 listeners)', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error): void => { warnings.push(`${warning.name}: ${warning.message}`) }
    process.on('warning', onWarning)
    try {
      publisher.afterStart()
      await advance(0)
      await advance(PEER_RECORD_REPUBLISH_MS)
      expect(puts.map(p => p.via)).toEqual(['lookup', 'direct'])
      expect(puts[1]?.to).toHaveLength(20)
      // the warning is emitted on the next tick
      await vi.waitFor(() => { expect(publisher.lastStored?.relays).toBe(20) })
      await new Promise(resolve => { process.nextTick(resolve) })
      expect(warnings.filter(w => w.startsWith('MaxListenersExceededWarning'))).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('renews the record straight at the relays that stored the last one, without a lookup; with fewer than half of K storing it, or new addresses, with a lookup', async () => {
    publisher.afterStart()
    await advance(0)
    expect(publisher.lastStored).toEqual({ addresses: circuit(RELAY_A).toString(), relays: 20 })
    // the renewal goes to the 20 alone; 10 store it (half: enough), 6 fail and 4 answer without it
    direct = (relay) => { const i = relays.findIndex(r => r.equals(relay)); return i < 10 ? 'yes' : i < 16 ? 'fails' : 'no' }
    await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts.map(p => p.via)).toEqual(['lookup', 'direct'])
    expect(puts[1]?.to.sort()).toEqual(relays.map(String).sort())
    expect(publisher.lastStored?.relays).toBe(10)
    // the next goes to those 10 alone; 9 store it: fewer than half of K (the DHT knows 20 relays), so the same record goes out with a lookup
    direct = (relay) => relay.equals(relays[0] ?? relay) ? 'no' : 'yes'
    await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts.map(p => p.via)).toEqual(['lookup', 'direct', 'direct', 'lookup'])
    expect(puts[2]?.to.sort()).toEqual(relays.slice(0, 10).map(String).sort())
    expect(puts[3]?.value).toEqual(puts[2]?.value)
    expect(publisher.lastStored?.relays).toBe(20)
    // new addresses: with a lookup, although 20 relays hold the last record
    addresses = [circuit(RELAY_B)]
    onUpdate?.()
    await advance(RECORD_PUBLISH_GAP_MS)
    expect(puts.map(p => p.via)).toEqual(['lookup', 'direct', 'direct', 'lookup', 'lookup'])
    const seen = await published()
    expect(seen.map(p => p.addresses)).toEqual([RELAY_A, RELAY_A, RELAY_A, RELAY_A, RELAY_B].map(r => [circuit(r).toString()]))
    expect(new Set(seen.map(p => p.seq)).size).toBe(4)
  })

  it('looks the closest relays up again at least every RECORD_LOOKUP_EVERY_MS, and after a publication no relay stored', async () => {
    publisher.afterStart()
    await advance(0)
    for (let i = 1; i * PEER_RECORD_REPUBLISH_MS <= RECORD_LOOKUP_EVERY_MS; i++) await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts.map(p => p.via)).toEqual(['lookup', 'direct', 'direct', 'lookup'])
    // none stores the next renewal: straight, then with a lookup; the retry after back-off starts with a lookup again
    stores = false
    await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts.slice(4).map(p => p.via)).toEqual(['direct', 'lookup'])
    stores = true
    await advance(RECORD_RETRY_BACKOFF.initialMs)
    expect(puts.slice(6).map(p => p.via)).toEqual(['lookup'])
    expect(publisher.lastStored).toEqual({ addresses: circuit(RELAY_A).toString(), relays: 20 })
  })

  it('in a network of few relays, half of those the DHT knows is enough; a lookup stored by fewer (a first view of one relay) is made again', async () => {
    // the first lookup reaches one relay only, while the DHT (having learnt more since) knows 8
    relays = relays.slice(0, 1)
    known = 8
    publisher.afterStart()
    await advance(0)
    // stored by 1 of the 4 it should be: made again after back-off (3/4 of 20 s), not after the republish interval
    await advance(RECORD_RETRY_BACKOFF.initialMs * 0.75)
    expect(puts.map(p => p.via)).toEqual(['lookup', 'lookup'])
    expect(publisher.lastStored).toEqual({ addresses: circuit(RELAY_A).toString(), relays: 1 })
    // now the lookup reaches all 8; the renewal after it goes straight to them, and 4 storing it is enough
    relays = [...relays, ...await Promise.all(Array.from({ length: 7 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))]
    await advance(RECORD_RETRY_BACKOFF.initialMs * 1.5)
    direct = (relay) => relays.findIndex(r => r.equals(relay)) < 4 ? 'yes' : 'fails'
    await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts.map(p => p.via)).toEqual(['lookup', 'lookup', 'lookup', 'direct'])
    expect(puts[3]?.to).toHaveLength(8)
    expect(publisher.lastStored).toEqual({ addresses: circuit(RELAY_A).toString(), relays: 4 })
  })

  it('a lookup that heard of 20 relays but got the record stored by one (the rest too slow) is made again with back-off, a bounded number of times', async () => {
    // the DHT knows one relay (its own); the lookup hears of 20 from it, and only it stores the record
    known = 1
    named = relays.slice(1)
    relays = relays.slice(0, 1)
    publisher.afterStart()
    await advance(0)
    expect(publisher.lastStored).toEqual({ addresses: circuit(RELAY_A).toString(), relays: 1 })
    // each again with a lookup, at 3/4 of 20 s, 40 s, 80 s, 160 s (RECORD_RETRY_BACKOFF, jitter 0.5, random 0.5)
    let at = 0
    for (let i = 0; i < RECORD_SHORT_RETRIES; i++) {
      const wait = RECORD_RETRY_BACKOFF.initialMs * 0.75 * 2 ** i
      await advance(wait - 1)
      expect(puts).toHaveLength(i + 1)
      await advance(1)
      at += wait
      expect(puts).toHaveLength(i + 2)
    }
    expect(puts.every(p => p.via === 'lookup')).toBe(true)
    // then the republish interval, and the renewal looks the relays up again (1 holder is short of the 10 it should be)
    await advance(PEER_RECORD_REPUBLISH_MS - 1)
    expect(puts).toHaveLength(RECORD_SHORT_RETRIES + 1)
    await advance(1)
    expect(puts.map(p => p.via)).toEqual(Array.from({ length: RECORD_SHORT_RETRIES + 2 }, () => 'lookup'))
    expect(puts.at(-1)?.at).toBe(puts[0]!.at + at + PEER_RECORD_REPUBLISH_MS)
    // its retries spent, a lookup short again waits the republish interval; once it reaches them all, renewals go straight to the holders
    relays = [...relays, ...named]
    await advance(PEER_RECORD_REPUBLISH_MS - 1)
    expect(puts).toHaveLength(RECORD_SHORT_RETRIES + 2)
    await advance(1)
    expect(puts).toHaveLength(RECORD_SHORT_RETRIES + 3)
    expect(publisher.lastStored?.relays).toBe(20)
    await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts.at(-1)?.via).toBe('direct')
    // after a publication stored by enough, a short one is made again with back-off once more
    direct = () => 'fails'
    relays = relays.slice(0, 1)
    await advance(PEER_RECORD_REPUBLISH_MS)
    expect(puts.slice(-2).map(p => p.via)).toEqual(['direct', 'lookup'])
    const before = puts.length
    await advance(RECORD_RETRY_BACKOFF.initialMs * 0.75)
    expect(puts.slice(before).map(p => p.via)).toEqual(['lookup'])
  })
})
