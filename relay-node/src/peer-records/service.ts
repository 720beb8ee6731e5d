/**
 * Peer records on relay-node (docs/protocols.md, "Peer records"): the DHT's
 * PUT_VALUE and GET_VALUE for the `/parley-peer/` namespace, served from
 * {@link PeerRecordStore}, and re-replication to the relays that become
 * closest to a record's key.
 *
 * PUT_VALUE: at most so many per peer (relays, which re-replicate, get a
 * larger share than browsers; a browser's own record and the others it
 * corrects after a lookup have separate shares), then the record must open
 * (record.ts: size, signature by the key's owner, circuit addresses only,
 * time), every relay it names must exist (this relay, one in its routing
 * table, or one the DHT finds with a direct address), and it must be newer
 * than the one held. A refusal resets the stream (kad-dht's way for a failed
 * request) and is counted by code. Any other namespace is refused
 * but `/parley-devices/` (an account's signed device list, devices/dht.ts:
 * it must open as the list of the account its key names, and be of a higher
 * version than the one held; held in a {@link DeviceListStore}, counted with
 * the peer records' refusals) is refused (`bad-key`), as before.
 * GET_VALUE: at most so many per peer; kad-dht's own answer (closer peers,
 * `/pk/` keys) with the record held for the key, if any.
 *
 * @libp2p/kad-dht 16.4 has no hooks for this: the handlers of its RPC are
 * replaced, and re-replication sends through its network, as dht.ts does;
 * the version is pinned and {@link servePeerRecords} throws at start if the
 * shape differs.
 */
import { MessageType } from '@libp2p/kad-dht'
import { Libp2pRecord } from '@libp2p/record'
import { deviceListKey, isDeviceListKey, openDeviceListRecord } from '@parley/protocol/devices/dht'
import { DeviceListError } from '@parley/protocol/devices/list'
import { PeerRecordError, isPeerRecordKey, openPeerRecord, peerRecordKey } from '@parley/protocol/peer-record/record'
import { RateLimiter } from '@parley/protocol/rate-limit'
import { DhtInternalsError, equalBytes } from '../dht.ts'
import { DeviceListStore } from './device-lists.ts'
import { PeerRecordRefusedError, PeerRecordStore } from './store.ts'
import { routingTableOf } from './kad-internals.ts'
import { RelayBook } from './relay-book.ts'
import { Replicator } from './replicator.ts'
import type { PeerRecordsMetrics, PeerRecordRefusal } from './metrics.ts'
import type { Logger } from '../log.ts'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** PUT_VALUEs of its own record a browser may send: this many at once, refilled over a minute (a browser publishes every 20 min and when it moves). */
export const PEER_RECORD_PUTS_PER_MINUTE = 6
/**
 * PUT_VALUEs of other peers' records a browser may send: this many at once,
 * refilled over a minute. kad-dht sends them after a lookup (a correction: the
 * newest record found, to each relay that gave an older one), so a browser
 * that looks up contacts does not spend its own publications on them.
 */
export const PEER_RECORD_CORRECTIONS_PER_MINUTE = 30
/** GET_VALUEs a browser may send: this many at once, refilled over a minute. */
export const PEER_RECORD_GETS_PER_MINUTE = 120
/** PUT_VALUEs and GET_VALUEs a relay (a peer in the routing table) may send a second, each; a burst of ten times that. */
export const RELAY_RECORD_OPS_PER_SECOND = 200
/** Expired records are swept this often. */
export const PEER_RECORD_SWEEP_INTERVAL_MS = 60_000

interface Handler {
  handle(peer: PeerId, msg: { key?: Uint8Array, record?: Uint8Array }): Promise<{ record?: Uint8Array } | undefined>
}

export interface PeerRecordServiceInit {
  log: Logger
  metrics: PeerRecordsMetrics
  store?: PeerRecordStore
  deviceLists?: DeviceListStore
  now?: () => number
}

export interface PeerRecordService {
  readonly store: PeerRecordStore
  readonly deviceLists: DeviceListStore
  stop(): void
}

function handlersOf (dht: unknown): Record<string, Partial<Handler> | undefined> {
  const handlers = (dht as { rpc?: { handlers?: Record<string, Partial<Handler> | undefined> } } | undefined)?.rpc?.handlers
  if (handlers == null || typeof handlers[MessageType.GET_VALUE]?.handle !== 'function' || !(MessageType.PUT_VALUE in handlers)) {
    throw new DhtInternalsError('the DHT has no GET_VALUE and PUT_VALUE handlers to replace: has @libp2p/kad-dht changed?')
  }
  return handlers
}

export function servePeerRecords (node: Libp2p<{ dht: SingleKadDHT }>, init: PeerRecordServiceInit): PeerRecordService {
  const now = init.now ?? Date.now
  const store = init.store ?? new PeerRecordStore({ now })
  const deviceLists = init.deviceLists ?? new DeviceListStore({ now })
  const { metrics, log } = init
  const dht = node.services.dht
  const handlers = handlersOf(dht)
  const getValue = handlers[MessageType.GET_VALUE] as Handler
  const table = routingTableOf(dht)
  const relays = new RelayBook(node, table, { now })
  const replicator = new Replicator(table, store, { log, replicated: metrics.replicated })
  const browserPuts = new RateLimiter(PEER_RECORD_PUTS_PER_MINUTE, PEER_RECORD_PUTS_PER_MINUTE / 60_000, now)
  const browserCorrections = new RateLimiter(PEER_RECORD_CORRECTIONS_PER_MINUTE, PEER_RECORD_CORRECTIONS_PER_MINUTE / 60_000, now)
  const browserGets = new RateLimiter(PEER_RECORD_GETS_PER_MINUTE, PEER_RECORD_GETS_PER_MINUTE / 60_000, now)
  const relayPuts = new RateLimiter(RELAY_RECORD_OPS_PER_SECOND * 10, RELAY_RECORD_OPS_PER_SECOND / 1000, now)
  const relayGets = new RateLimiter(RELAY_RECORD_OPS_PER_SECOND * 10, RELAY_RECORD_OPS_PER_SECOND / 1000, now)

  const refuse = (op: 'put' | 'get', code: PeerRecordRefusal, message: string): never => {
    metrics.refused(op, code)
    throw new PeerRecordRefusedError(code, message)
  }
  const allowed = async (peer: PeerId, asRelay: RateLimiter, asBrowser: RateLimiter): Promise<boolean> => {
    const isRelay = await table.find(peer) != null
    return (isRelay ? asRelay : asBrowser).take(peer.toString())
  }

  /** A device list's PUT_VALUE: it opens as the list of the account its key names, and is newer than the one held. */
  const putDeviceList = <M>(record: Libp2pRecord, msg: M): M => {
    let list
    try {
      list = openDeviceListRecord(record.key, record.value)
    } catch (err) {
      if (!(err instanceof DeviceListError)) throw err
      return refuse('put', err.code === 'too-large' || err.code === 'bad-signature' ? err.code : err.code === 'wrong-account' ? 'wrong-key' : 'malformed', err.message)
    }
    try {
      if (deviceLists.put(record.key, record.value, list)) log.debug('holding a device list', { account: list.account, version: list.version, devices: list.devices.length })
    } catch (err) {
      if (err instanceof PeerRecordRefusedError) return refuse('put', err.code, err.message)
      throw err
    }
    return msg
  }

  handlers[MessageType.PUT_VALUE] = {
    handle: async (peer, msg) => {
      const own = msg.key != null && (equalBytes(msg.key, peerRecordKey(peer)) || equalBytes(msg.key, deviceListKey(peer)))
      if (!await allowed(peer, relayPuts, own ? browserPuts : browserCorrections)) refuse('put', 'rate', `${peer.toString()} ${own ? 'publishes' : 'corrects records'} too often`)
      if (msg.key == null || msg.record == null) return refuse('put', 'malformed', 'a PUT_VALUE needs a key and a record')
      let record: Libp2pRecord
      try {
        record = Libp2pRecord.deserialize(msg.record)
      } catch {
        return refuse('put', 'malformed', 'the PUT_VALUE record does not decode')
      }
      if (!equalBytes(record.key, msg.key)) refuse('put', 'malformed', 'the record is for another key than the request')
      if (isDeviceListKey(record.key)) return putDeviceList(record, msg)
      let opened
      try {
        opened = await openPeerRecord(record.key, record.value, now())
      } catch (err) {
        if (err instanceof PeerRecordError) return refuse('put', err.code, err.message)
        throw err
      }
      // the cheap check first: a replay or the same record again needs no relay looked up
      const compared = store.compare(record.key, record.value, opened)
      if (compared === 'same') return msg
      if (compared === 'stale') refuse('put', 'stale', `a record as new as this one (made at ${opened.seq}) or newer is held for this peer`)
      for (const relay of opened.relays) {
        if (!await relays.exists(relay)) refuse('put', 'unknown-relay', `no relay ${relay} is known to this one`)
      }
      try {
        if (store.put(record.key, record.value, opened)) {
          metrics.stored()
          log.debug('holding a peer record', { peer: opened.peer, seq: opened.seq.toString(), relays: opened.relays })
        }
      } catch (err) {
        if (err instanceof PeerRecordRefusedError) return refuse('put', err.code, err.message)
        throw err
      }
      return msg
    }
  }

  handlers[MessageType.GET_VALUE] = {
    handle: async (peer, msg) => {
      if (!await allowed(peer, relayGets, browserGets)) refuse('get', 'rate', `${peer.toString()} looks up too often`)
      const response = await getValue.handle(peer, msg)
      if (response != null && isDeviceListKey(msg.key)) {
        const list = deviceLists.get(msg.key)
        if (list != null) response.record = new Libp2pRecord(list.key, list.bytes, new Date(list.receivedAt)).serialize()
        return response
      }
      if (response == null || !isPeerRecordKey(msg.key)) return response
      const held = store.get(msg.key)
      metrics.lookedUp(held != null)
      if (held != null) response.record = new Libp2pRecord(held.key, held.bytes, new Date(held.receivedAt)).serialize()
      return response
    }
  }

  replicator.start()
  const sweeper = setInterval(() => {
    const n = store.sweep()
    if (n > 0) metrics.expired(n)
    deviceLists.sweep()
  }, PEER_RECORD_SWEEP_INTERVAL_MS)
  sweeper.unref()

  return {
    store,
    deviceLists,
    stop () {
      clearInterval(sweeper)
      replicator.stop()
      relays.stop()
    }
  }
}
