import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { expect, vi } from 'vitest'
import { createRelayNode, parseConfig } from '../../relay-node/src/index.ts'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { NodeService } from '../../src/lib/p2p/node-service.ts'
import type { RelayConfig, RelayNode } from '../../relay-node/src/index.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { AppConfig } from '../../src/lib/p2p/app-config.ts'
import type { IncomingMessageEvent } from '../../src/lib/rpc/protocol.ts'

/**
 * The worker's NodeService, run in Node against a real relay-node: the same
 * code path as the browser minus the SharedWorker, WebRTC and the UI.
 */

export const WAIT = { timeout: 20_000, interval: 50 }

export interface Peer {
  service: NodeService
  db: ParleyDb
  factory: IDBFactory
  /** what the service announced to the tabs */
  events: IncomingMessageEvent[]
  stop(): Promise<void>
}

export interface Harness {
  readonly relay: RelayNode
  /** (re)starts the relay; pass the old port to restart it in place */
  startRelay(port?: number): Promise<RelayNode>
  /** a NodeService on its own (or the given) IndexedDB, online; with `name`, a new profile */
  startPeer(factory?: IDBFactory, name?: string, config?: Partial<AppConfig>): Promise<Peer>
  /** stops every peer and the relay, removes the relay's data directory */
  close(): Promise<void>
}

export async function startHarness (): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-relay-'))
  const peers: Peer[] = []
  let relay: RelayNode
  const startRelay = async (port = 0): Promise<RelayNode> => {
    // no WebRTC-Direct listener: its UDP port is released only when the process exits,
    // and tests restart the relay inside one process
    const relayConfig: RelayConfig = { ...(parseConfig([], {}) as RelayConfig), port, dataDir, webrtcDirectPort: null }
    relay = await createRelayNode(relayConfig)
    return relay
  }
  relay = await startRelay()
  return {
    get relay () { return relay },
    startRelay,
    async startPeer (factory = new IDBFactory(), name?: string, config: Partial<AppConfig> = {}) {
      const peer = await startServicePeer(() => relay.multiaddrs, factory, name, config)
      const stop = peer.stop
      peer.stop = async () => {
        peers.splice(peers.indexOf(peer), 1)
        await stop()
      }
      peers.push(peer)
      return peer
    },
    async close () {
      await Promise.all([...peers].map(async p => p.stop()))
      await relay.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/**
 * A NodeService on its own (or the given) IndexedDB, online through the
 * relays `relays()` names; with `name`, a new profile. For relays outside a
 * Harness (a relay-node process).
 */
export async function startServicePeer (relays: () => string[], factory = new IDBFactory(), name?: string, config: Partial<AppConfig> = {}): Promise<Peer> {
  const db = new ParleyDb('parley', { indexedDB: factory, IDBKeyRange })
  const events: IncomingMessageEvent[] = []
  const service = new NodeService({
    db,
    origin: 'http://127.0.0.1:5173',
    // no STUN: host candidates only (and the test runs in a loopback-only namespace)
    loadConfig: async () => ({ relays: relays(), iceServers: [], ...config }),
    onStatus: () => {},
    onMessage: (event) => { events.push(event) }
  })
  await service.start()
  if (name != null) await service.createProfile(name)
  await vi.waitFor(() => { expect(service.status.phase).toBe('online') }, WAIT)
  return {
    service,
    db,
    events,
    factory,
    stop: async () => {
      await service.stop()
      db.close()
    }
  }
}

/** Each adds the other from its invite; returns each one's contact id of the other. */
export async function befriend (a: Peer, b: Peer): Promise<{ aToB: ContactId, bToA: ContactId }> {
  const aToB = await a.service.addContact(b.service.getInvite())
  const bToA = await b.service.addContact(a.service.getInvite())
  return { aToB, bToA }
}
