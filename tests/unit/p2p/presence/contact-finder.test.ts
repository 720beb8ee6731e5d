import { deviceListKey, isDeviceListKey } from '@parley/protocol/devices/dht'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ConnectionClosedError, NotFoundError } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContact, upsertContact } from '../../../../src/lib/db/contacts.ts'
import {
  ContactFinder, ContactUnreachableError, MAX_TRACKED_LOOKUPS, circuitAddressesOf, type FinderNode
} from '../../../../src/lib/p2p/presence/contact-finder.ts'
import { MAX_CONTACT_ADDRESSES } from '@parley/protocol/contact/codec'
import { openTestDb } from '../../db/helpers.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId } from '../../../../src/lib/db/types.ts'
import { EventTypes, MessageType, Record as Libp2pRecord } from '@libp2p/kad-dht'
import { peerRecordKey, sealPeerRecord } from '@parley/protocol/peer-record/record'
import type { FinalPeerEvent, PeerResponseEvent } from '@libp2p/kad-dht'
import type { Connection, Peer, PeerId, PeerInfo, PrivateKey, RoutingOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { rejectionWords } from '../../../support/words.ts'

/**
 * ContactFinder against a scripted node: which dials and DHT lookups it
 * makes, what it writes to the contact row and the peer store, and its
 * bounds (one lookup per contact at a time, back-off, timeout, stop).
 */

const BACKOFF = { initialMs: 1000, maxMs: 8000, jitter: 0 }

let db: ParleyDb
let peer: PeerId
let peerKey: PrivateKey
let contactId: ContactId
let clock: number
/** what the peer store knows of `peer` (undefined: no entry at all) */
let stored: Multiaddr[] | undefined
let open: Connection[]
/** every dial: the target (the PeerID, or the addresses tried) and its signal */
let dials: Array<{ target: string, signal?: AbortSignal }>
/** whether a dial succeeds, by target */
let dialWorks: (target: string) => boolean
let lookups: RoutingOptions[]
/** the DHT's answer, given by relay2 */
let answer: (options: RoutingOptions) => Promise<PeerInfo>
/** more answers after it: [the relay answering, what it says] */
let moreAnswers: Array<[string, PeerInfo]>
/** the peer records relays give for `peer`: [the relay answering, the record's value] */
let records: Array<[string, Uint8Array]>
/** the record lookups made: their keys */
let recordLookups: Uint8Array[]
let deviceListLookups: Uint8Array[]
/** waited for before the record answer at that index (a slow relay) */
let recordDelays: Map<number, number>
let finder: ContactFinder
let node: FinderNode

/** the relay A was at before, and the one the DHT names now (the one that answers) */
let relay: string
let relay2: string
const circuitVia = (r: string): string => `/ip4/127.0.0.1/tcp/9090/ws/p2p/${r}/p2p-circuit`

function connection (remoteAddr: Multiaddr = multiaddr(`${circuitVia(relay2)}/p2p/${peer.toString()}`)): Connection {
  return fakeConnection({ id: 'c1', remotePeer: peer, remoteAddr, limits: {} })
}

function peerEntry (addresses: Multiaddr[]): Peer {
  return { id: peer, addresses: addresses.map(ma => ({ multiaddr: ma, isCertified: false })), protocols: [], metadata: new Map(), tags: new Map() }
}

/** kad-dht's event for a relay that names the peer */
function finalPeer (from: string, info: PeerInfo): FinalPeerEvent {
  return { name: 'FINAL_PEER', type: EventTypes.FINAL_PEER, from: peerIdFromString(from), peer: info, path: { index: 0, queued: 0, running: 0, total: 1 } }
}

/** kad-dht's event for a relay's GET_VALUE answer holding a record */
function recordResponse (from: string, key: Uint8Array, value: Uint8Array): PeerResponseEvent {
  return {
    name: 'PEER_RESPONSE', type: EventTypes.PEER_RESPONSE, from: peerIdFromString(from), messageName: 'GET_VALUE', messageType: MessageType.GET_VALUE,
    closer: [], providers: [], record: new Libp2pRecord(key, value, new Date()), path: { index: 0, queued: 0, running: 0, total: 1 }
  }
}

beforeEach(async () => {
  db = await openTestDb()
  peerKey = await generateKeyPair('Ed25519')
  peer = peerIdFromPrivateKey(peerKey)
  records = []
  recordLookups = []
  deviceListLookups = []
  recordDelays = new Map()
  relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  relay2 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  moreAnswers = []
  contactId = await upsertContact(db, { peerId: peer.toString(), username: 'alice', addresses: [] })
  clock = 1_000_000
  stored = undefined
  open = []
  dials = []
  dialWorks = () => true
  lookups = []
  answer = async () => ({ id: peer, multiaddrs: [multiaddr(circuitVia(relay2))] })
  node = {
    getConnections: () => open,
    peerStore: {
      get: async () => {
        if (stored == null) throw new NotFoundError('no such peer')
        return peerEntry(stored)
      },
      patch: async (_id, data) => {
        stored = data.multiaddrs ?? []
        return peerEntry(stored)
      }
    },
    dial: async (target: PeerId | Multiaddr[], options: { signal?: AbortSignal } = {}) => {
      const name = Array.isArray(target) ? target.map(String).join(' ') : target.toString()
      dials.push({ target: name, signal: options.signal })
      // libp2p tries the addresses in order and keeps the first that works
      const working = Array.isArray(target) ? target.find(a => dialWorks(a.toString())) : (dialWorks(name) ? undefined : null)
      if (working === null || (Array.isArray(target) && working == null)) throw new Error(`dial to ${name} failed`)
      const made = connection(working ?? undefined)
      open = [made]
      return made
    },
    services: {
      dht: {
        // kad-dht's findPeer: one FINAL_PEER event per relay that names the peer
        findPeer: async function * (_id: PeerId, options: RoutingOptions = {}) {
          lookups.push(options)
          yield finalPeer(relay2, await answer(options))
          for (const [from, info] of moreAnswers) yield finalPeer(from, info)
        },
        // kad-dht's get: a PEER_RESPONSE event (GET_VALUE) per relay that holds a record
        get: async function * (key: Uint8Array) {
          // the contact's device list, asked beside its peer record (presence/device-lists.ts): none held here
          if (isDeviceListKey(key)) {
            deviceListLookups.push(key)
            return
          }
          recordLookups.push(key)
          for (const [i, [from, value]] of records.entries()) {
            const delay = recordDelays.get(i)
            // a relay that answers later than the others
            if (delay !== undefined) await new Promise(resolve => setTimeout(resolve, delay))
            yield recordResponse(from, key, value)
          }
        }
      }
    }
  }
  finder = new ContactFinder({ db, logger: testLogger(), libp2p: node }, { backoff: BACKOFF, now: () => clock })
})
afterEach(() => {
  finder.stop()
  db.close()
})

const signal = (): AbortSignal => AbortSignal.timeout(10_000)
const found = (): string => `${circuitVia(relay2)}/p2p/${peer.toString()}`

describe('ContactFinder.connect', () => {
  it('reuses an open connection: no dial, no lookup', async () => {
    open = [connection()]
    expect(await finder.connect({ peerId: peer.toString() }, { signal: signal() })).toBe(open[0])
    expect(dials).toEqual([])
    expect(lookups).toEqual([])
  })

  it('dials the known addresses by PeerID, and asks the DHT nothing when that works', async () => {
    stored = [multiaddr(`${circuitVia(relay)}/p2p/${peer.toString()}`)]
    await finder.connect({ peerId: peer.toString() }, { signal: signal() })
    expect(dials.map(d => d.target)).toEqual([peer.toString()])
    expect(lookups).toEqual([])
    expect((await getContact(db, contactId))?.addresses).toEqual([])
  })

  it('when the known addresses fail, looks the PeerID up (not in the local cache), dials what the DHT names and keeps it', async () => {
    stored = [multiaddr(`${circuitVia(relay)}/p2p/${peer.toString()}`)]
    dialWorks = (target) => target !== peer.toString()

    const made = await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect(made.remotePeer.equals(peer)).toBe(true)
    expect(dials.map(d => d.target)).toEqual([peer.toString(), found()])
    expect(lookups).toHaveLength(1)
    expect(lookups[0]?.useCache).toBe(false)
    expect(lookups[0]?.signal).toBeInstanceOf(AbortSignal)
    expect((await getContact(db, contactId))?.addresses).toEqual([found()])
    expect(stored?.map(String)).toEqual([found()])
  })

  it("takes every relay's answer, the answering relay's own circuits first, so that one stale answer does not hide the right one", async () => {
    const stale = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    // relay2 (answering first) repeats what its peer store had from before A moved; relay3 holds A's reservation now
    const relay3 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    answer = async () => ({ id: peer, multiaddrs: [multiaddr(`${circuitVia(stale)}/p2p/${peer.toString()}`)] })
    moreAnswers = [[relay3, { id: peer, multiaddrs: [multiaddr(circuitVia(relay3))] }]]
    dialWorks = (target) => target.includes(relay3)

    await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    const fresh = `${circuitVia(relay3)}/p2p/${peer.toString()}`
    expect(dials.map(d => d.target)).toEqual([`${fresh} ${circuitVia(stale)}/p2p/${peer.toString()}`])
    // what relay2 said of another relay is not kept: relay3 spoke for itself
    expect((await getContact(db, contactId))?.addresses).toEqual([fresh])
  })

  it('an address just dialled in vain is not kept, even when the only relays that answer still name it', async () => {
    // A moved from `relay` to relay3; relay2 (not A's relay, so it speaks only of others) still repeats the old address
    const relay3 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const old = `${circuitVia(relay)}/p2p/${peer.toString()}`
    const fresh = `${circuitVia(relay3)}/p2p/${peer.toString()}`
    stored = [multiaddr(old)]
    answer = async () => ({ id: peer, multiaddrs: [multiaddr(old), multiaddr(fresh)] })
    dialWorks = (target) => target.includes(relay3)

    await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect((await getContact(db, contactId))?.addresses).toEqual([fresh])
    expect(stored?.map(String)).toEqual([fresh])
  })

  it("a record made before the contact moved names the relay just dialled in vain: none of that relay's circuits is kept, /webrtc included", async () => {
    // B knew A at `relay` (which stopped); relay2 holds A's reservation now, and A's record still names `relay`
    const old = `${circuitVia(relay)}/p2p/${peer.toString()}`
    const oldWebrtc = `${circuitVia(relay)}/webrtc/p2p/${peer.toString()}`
    stored = [multiaddr(old)]
    records = [[relay2, await sealPeerRecord(peerKey, [multiaddr(old), multiaddr(oldWebrtc), multiaddr(circuitVia(relay2))], BigInt(Date.now()))]]
    dialWorks = (target) => target.includes(relay2)

    await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect((await getContact(db, contactId))?.addresses).toEqual([found()])
    expect(stored?.map(String)).toEqual([found()])
  })

  it("a WebRTC connection whose address names the relay just dialled in vain (signalled over another connection) is used, and that address is not kept", async () => {
    // B knew A at `relay` (which stopped) and its /webrtc circuit there; meanwhile another dial of B's
    // reached A through relay2, and libp2p's WebRTC dial through `relay` was signalled over that one:
    // the connection the lookup's dial gets back names `relay`
    const old = `${circuitVia(relay)}/p2p/${peer.toString()}`
    const oldWebrtc = `${circuitVia(relay)}/webrtc/p2p/${peer.toString()}`
    stored = [multiaddr(old), multiaddr(oldWebrtc)]
    const dial = node.dial
    node.dial = async (target, options) => {
      if (!Array.isArray(target)) return await dial(target, options)
      dials.push({ target: target.map(String).join(' '), signal: options?.signal })
      const made = connection(multiaddr(oldWebrtc))
      open = [made]
      return made
    }
    dialWorks = () => false

    const made = await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect(made.remoteAddr.toString()).toBe(oldWebrtc)
    expect((await getContact(db, contactId))?.addresses).toEqual([found()])
    expect(stored?.map(String)).toEqual([found()])
  })

  it('with no known address, goes to the DHT first (libp2p would answer from its own peer store)', async () => {
    stored = []
    await finder.connect({ peerId: peer.toString() }, { signal: signal() })
    expect(dials.map(d => d.target)).toEqual([found()])
    expect(lookups).toHaveLength(1)
    expect((await getContact(db, contactId))?.addresses).toEqual([found()])
  })

  it('no relay names the contact: its peer record does, and the address it gives is dialled and kept', async () => {
    const relay3 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    answer = async () => { throw new NotFoundError('Not found') }
    const atRelay3 = `${circuitVia(relay3)}/p2p/${peer.toString()}`
    records = [[relay2, await sealPeerRecord(peerKey, [multiaddr(atRelay3)], BigInt(Date.now()))]]

    await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect(recordLookups).toEqual([peerRecordKey(peer)])
    expect(deviceListLookups).toEqual([deviceListKey(peer)])
    expect(dials.map(d => d.target)).toEqual([atRelay3])
    expect((await getContact(db, contactId))?.addresses).toEqual([atRelay3])
  })

  it('of the records relays give, the newest that opens wins: an older one, a forged one and garbage are not dialled', async () => {
    const [older, newer, forger] = await Promise.all(Array.from({ length: 3 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    answer = async () => { throw new NotFoundError('Not found') }
    const at = (r: string | undefined): string => `${circuitVia(r ?? '')}/p2p/${peer.toString()}`
    const otherKey = await generateKeyPair('Ed25519')
    const now = Date.now()
    records = [
      [relay2, await sealPeerRecord(peerKey, [multiaddr(at(older))], BigInt(now - 1000))],
      [relay2, await sealPeerRecord(otherKey, [multiaddr(`${circuitVia(forger ?? '')}/p2p/${peerIdFromPrivateKey(otherKey).toString()}`)], BigInt(now + 1000))],
      [relay2, Uint8Array.of(1, 2, 3)],
      [relay2, await sealPeerRecord(peerKey, [multiaddr(at(newer))], BigInt(now))]
    ]
    dialWorks = (target) => target.includes(newer ?? '-')

    await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect(dials.map(d => d.target)).toEqual([at(newer)])
    expect((await getContact(db, contactId))?.addresses).toEqual([at(newer)])
  })

  it('a newer record from a relay that answers more than a second after the first record still wins: the record query runs to its end', async () => {
    const [older, newer] = await Promise.all(Array.from({ length: 2 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    answer = async () => { throw new NotFoundError('Not found') }
    const at = (r: string | undefined): string => `${circuitVia(r ?? '')}/p2p/${peer.toString()}`
    const now = Date.now()
    records = [
      [relay2, await sealPeerRecord(peerKey, [multiaddr(at(older))], BigInt(now - 1000))],
      [relay2, await sealPeerRecord(peerKey, [multiaddr(at(newer))], BigInt(now))]
    ]
    recordDelays.set(1, 1500)

    await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect(dials.map(d => d.target)).toEqual([at(newer)])
  })

  it("the relay holding the reservation comes first, then the record's addresses, and both are kept", async () => {
    const relay3 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const atRelay3 = `${circuitVia(relay3)}/p2p/${peer.toString()}`
    records = [[relay3, await sealPeerRecord(peerKey, [multiaddr(atRelay3)], BigInt(Date.now()))]]

    await finder.connect({ peerId: peer.toString() }, { signal: signal() })

    expect(dials.map(d => d.target)).toEqual([`${found()} ${atRelay3}`])
    expect((await getContact(db, contactId))?.addresses).toEqual([found(), atRelay3])
  })

  it('not found: the dial error stands, nothing is written, and the next lookup waits for the back-off', async () => {
    stored = [multiaddr(`${circuitVia(relay)}/p2p/${peer.toString()}`)]
    dialWorks = () => false
    answer = async () => { throw new NotFoundError('Not found') }

    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow(`dial to ${peer.toString()} failed`)
    expect(lookups).toHaveLength(1)
    // within the back-off (1 s, then 2 s, …): the known addresses are dialled, the DHT is not asked
    clock += 999
    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow('failed')
    expect(lookups).toHaveLength(1)
    clock += 1
    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow('failed')
    expect(lookups).toHaveLength(2)
    clock += 1999
    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow('failed')
    expect(lookups).toHaveLength(2)
    clock += 1
    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow('failed')
    expect(lookups).toHaveLength(3)
    expect((await getContact(db, contactId))?.addresses).toEqual([])
  })

  it('a dial that another dial of the contact beat to it gives the connection that one opened, and keeps its address', async () => {
    // libp2p joined this dial to another one of the contact (kad-dht's, say); the connection they
    // shared repeated the address of one already open, so the other caller closed it as a duplicate
    // and this caller got it closed
    const opened = connection()
    const dial = node.dial
    node.dial = async (target, options) => {
      if (!Array.isArray(target)) return await dial(target, options)
      dials.push({ target: target.map(String).join(' '), signal: options?.signal })
      open = [opened]
      throw new ConnectionClosedError('Remote closed connection during opening')
    }

    expect(await finder.connect({ peerId: peer.toString() }, { signal: signal() })).toBe(opened)
    expect(dials.map(d => d.target)).toEqual([found()])
    expect((await getContact(db, contactId))?.addresses).toEqual([found()])
  })

  it('a dial that fails with no connection to the contact open rejects with its own error', async () => {
    const lost = new ConnectionClosedError('Remote closed connection during opening')
    node.dial = async () => { throw lost }
    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toBe(lost)
    expect((await getContact(db, contactId))?.addresses).toEqual([])
  })

  it('no known address and nothing found: a ContactUnreachableError in words', async () => {
    answer = async () => { throw new NotFoundError('Not found') }
    const attempt = finder.connect({ peerId: peer.toString() }, { signal: signal() })
    await expect(attempt).rejects.toBeInstanceOf(ContactUnreachableError)
    await expect(attempt).rejects.toMatchObject({ code: 'contactUnreachable' })
    expect(await rejectionWords(attempt)).toMatch(/^No address of this contact is known, and the DHT does not know where it is/)
    expect(dials).toEqual([])
  })

  it('reaching the contact clears the back-off: the next failure looks it up at once', async () => {
    stored = []
    answer = async () => { throw new NotFoundError('Not found') }
    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow(ContactUnreachableError)
    stored = [multiaddr(`${circuitVia(relay)}/p2p/${peer.toString()}`)]
    await finder.connect({ peerId: peer.toString() }, { signal: signal() })
    open = []
    dialWorks = (target) => target !== peer.toString()
    answer = async () => ({ id: peer, multiaddrs: [multiaddr(circuitVia(relay2))] })
    await finder.connect({ peerId: peer.toString() }, { signal: signal() })
    expect(lookups).toHaveLength(2)
  })

  it('callers for the same contact at the same time share one lookup', async () => {
    let release: () => void = () => {}
    answer = async () => {
      await new Promise<void>(resolve => { release = resolve })
      return { id: peer, multiaddrs: [multiaddr(circuitVia(relay2))] }
    }
    const first = finder.connect({ peerId: peer.toString() }, { signal: signal() })
    const second = finder.connect({ peerId: peer.toString() }, { signal: signal() })
    await vi.waitFor(() => { expect(lookups).toHaveLength(1) })
    release()
    await Promise.all([first, second])
    expect(lookups).toHaveLength(1)
  })

  it("a caller's abort ends its wait for the lookup with the abort reason", async () => {
    answer = async (options) => new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => { reject(options.signal?.reason as Error) })
    })
    const controller = new AbortController()
    const attempt = finder.connect({ peerId: peer.toString() }, { signal: controller.signal })
    await vi.waitFor(() => { expect(lookups).toHaveLength(1) })
    controller.abort(new Error('the user left'))
    await expect(attempt).rejects.toThrow('the user left')
  })

  it('a lookup gives up after its timeout', async () => {
    const quick = new ContactFinder({ db, logger: testLogger(), libp2p: node }, { backoff: BACKOFF, lookupTimeoutMs: 50, now: () => clock })
    answer = async (options) => new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => { reject(options.signal?.reason as Error) })
    })
    await expect(quick.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow(ContactUnreachableError)
    expect(lookups[0]?.signal?.aborted).toBe(true)
    expect((lookups[0]?.signal?.reason as Error).name).toBe('TimeoutError')
    quick.stop()
  })

  it('stop() ends a lookup under way', async () => {
    answer = async (options) => new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => { reject(options.signal?.reason as Error) })
    })
    const attempt = finder.connect({ peerId: peer.toString() }, { signal: signal() })
    await vi.waitFor(() => { expect(lookups).toHaveLength(1) })
    finder.stop()
    await expect(attempt).rejects.toThrow(ContactUnreachableError)
    expect(lookups[0]?.signal?.aborted).toBe(true)
  })

  it('keeps lookup state for at most maxTrackedLookups contacts, forgetting the oldest', async () => {
    expect(MAX_TRACKED_LOOKUPS).toBe(1000)
    answer = async () => { throw new NotFoundError('Not found') }
    const [a, b, c] = await Promise.all(Array.from({ length: 3 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    if (a == null || b == null || c == null) throw new Error('no peers')
    const small = new ContactFinder({ db, logger: testLogger(), libp2p: node }, { backoff: BACKOFF, maxTrackedLookups: 2, now: () => clock })
    const attempt = async (p: PeerId): Promise<void> => {
      await expect(small.connect({ peerId: p.toString() }, { signal: signal() })).rejects.toThrow(ContactUnreachableError)
    }
    await attempt(a)
    await attempt(b)
    await attempt(b) // backing off: not asked again
    expect(lookups).toHaveLength(2)
    await attempt(c) // a, the oldest, is forgotten to make room
    await attempt(c) // c backs off
    expect(lookups).toHaveLength(3)
    await attempt(a) // a is asked again at once
    expect(lookups).toHaveLength(4)
    small.stop()
  })
})

describe('ContactFinder.knownAddresses', () => {
  it('the peer store\'s addresses; without any, what the last lookup found though its dial failed (a device\'s mailbox relays)', async () => {
    expect(await finder.knownAddresses(peer.toString())).toEqual([])
    stored = []
    dialWorks = () => false
    await expect(finder.connect({ peerId: peer.toString() }, { signal: signal() })).rejects.toThrow()
    // nothing kept in the peer store or the row, but the lookup's answer is remembered
    expect(stored).toEqual([])
    expect(await finder.knownAddresses(peer.toString())).toEqual([found()])
    stored = [multiaddr(`${circuitVia(relay)}/p2p/${peer.toString()}`)]
    expect(await finder.knownAddresses(peer.toString())).toEqual([`${circuitVia(relay)}/p2p/${peer.toString()}`])
  })
})

describe('circuitAddressesOf', () => {
  it("keeps the circuit addresses that lead to the peer, each ending in its /p2p, without duplicates, at most MAX_CONTACT_ADDRESSES", async () => {
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const relays = Array.from({ length: MAX_CONTACT_ADDRESSES + 2 }, (_, i) => `/ip4/10.0.0.${i + 1}/tcp/443/wss/p2p/${relay}/p2p-circuit`)
    const answerAddresses = [
      `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}`, // the relay itself: not a way to the peer
      `${circuitVia(relay)}/p2p/${other.toString()}`, // someone else
      `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}/p2p-circuit/p2p/${peer.toString()}`,
      circuitVia(relay), // the same once /p2p/<peer> is added
      `/dns4/${'a'.repeat(500)}.example/tcp/443/wss/p2p/${relay}/p2p-circuit`, // too long
      ...relays
    ].map(a => multiaddr(a))

    const kept = circuitAddressesOf(peer, answerAddresses).map(String)

    expect(kept).toHaveLength(MAX_CONTACT_ADDRESSES)
    expect(kept[0]).toBe(`${circuitVia(relay)}/p2p/${peer.toString()}`)
    expect(kept.slice(1)).toEqual(relays.slice(0, MAX_CONTACT_ADDRESSES - 1).map(r => `${r}/p2p/${peer.toString()}`))
  })
})

