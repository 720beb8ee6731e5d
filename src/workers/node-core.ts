/// <reference lib="webworker" />
/**
 * The node itself, shared by both ways of running it (DESIGN.md §1): the
 * SharedWorker, and the dedicated Worker of the fallback. Wiring only:
 * NodeService does the work, RpcServer carries tab calls to it, the WebRTC
 * bridge runs the worker's peer connections through RTC-host tabs.
 */
import '../lib/polyfill/promise-with-resolvers.ts'
// must stay before every import that reaches @libp2p/webrtc
import { rtcBridge } from './rtc-bridge.ts'
import { ParleyDb } from '../lib/db/db.ts'
import { fetchAppConfig } from '../lib/node/kernel/app-config.ts'
import { NodeService } from '../lib/node/kernel/node-service.ts'
import { nodeContract } from '../lib/contract/index.ts'
import { RpcServer } from '../lib/rpc/server.ts'
import { setLocale } from '../lib/i18n/index.ts'

/** What an entry point needs of the running node. */
export interface NodeCore {
  /** serves one tab's RPC port */
  addPort(port: MessagePort): void
  /**
   * A tab's offer to host WebRTC: `{ type: 'rtc-host', visible }` with its
   * port in `ports[0]`. Returns false (and does nothing) for anything else.
   */
  offerRtcHost(data: unknown, ports: readonly MessagePort[]): boolean
}

/** Opens the database, starts the node and returns the entry's hooks. Call once per worker. */
export function startNode (scope: WorkerGlobalScope): NodeCore {
  const db = new ParleyDb()
  /**
   * Tabs are served once the database is read (the phase leaves 'loading'),
   * so no call meets a node that has not loaded its identity yet. This matters
   * when the fallback's node moves to another tab: the other tabs' clients
   * reconnect at once and would otherwise reach a node without its profile.
   * Until then a port's messages wait in the port (it is not started).
   */
  let markLoaded!: () => void
  const loaded = new Promise<void>((resolve) => { markLoaded = resolve })
  const service = new NodeService({
    db,
    origin: scope.location.origin,
    loadConfig: async () => fetchAppConfig(scope.location.origin),
    onStatus: (status) => {
      if (status.phase !== 'loading') markLoaded()
      server.emit('status', status)
    },
    onMessage: (event) => { server.emit('message', event) }
  })

  function offerRtcHost (data: unknown, ports: readonly MessagePort[]): boolean {
    const offer = data as { type?: unknown, visible?: unknown } | null
    const port = ports[0]
    if (offer?.type !== 'rtc-host' || typeof offer.visible !== 'boolean' || port == null) return false
    rtcBridge.addHost(port, { visible: offer.visible })
    return true
  }

  rtcBridge.onHostsChanged = () => { service.onRtcHostsChanged() }

  const server = new RpcServer(nodeContract, {
    getStatus: () => service.status,
    createProfile: async ({ username }) => service.createProfile(username),
    getInvite: () => ({ invite: service.getInvite() }),
    addContact: async ({ invite }) => ({ contactId: await service.addContact(invite) }),
    acceptContact: async ({ contactId }) => { await service.acceptContact(contactId); return null },
    declineContact: async ({ contactId }) => { await service.declineContact(contactId); return null },
    updateContact: async ({ contactId, nickname, notes }) => { await service.updateContact(contactId, nickname, notes); return null },
    setBlocked: async ({ contactId, blocked }) => { await service.setBlocked(contactId, blocked); return null },
    deleteContact: async ({ contactId, withHistory }) => { await service.deleteContact(contactId, withHistory); return null },
    getSafetyNumber: async ({ contactId }) => service.getSafetyNumber(contactId),
    checkSafetyCode: async ({ contactId, code }) => ({ result: await service.checkSafetyCode(contactId, code) }),
    setVerified: async ({ contactId, verified }) => { await service.setVerified(contactId, verified); return null },
    exportIdentity: async ({ passphrase, includeHistory }) => ({ file: await service.exportIdentity(passphrase, includeHistory) }),
    importIdentity: async ({ file, passphrase }) => service.importIdentity(file, passphrase),
    sendMessage: async ({ contactId, text }) => ({ messageId: await service.sendMessage(contactId, text) }),
    sendFile: async ({ contactId, file, name, mime, caption, thumb }) =>
      ({ messageId: await service.sendFile({ contactId, file, name, mime, caption, ...(thumb == null ? {} : { thumb }) }) }),
    cancelTransfer: async ({ id }) => { await service.cancelTransfer(id); return null },
    retryTransfer: async ({ id }) => { await service.retryTransfer(id); return null },
    getFile: async ({ id }) => ({ file: await service.getFile(id) }),
    speedTest: async ({ contactId, bytes }) => service.speedTest(contactId, bytes),
    // the URL rules are checked in db/turn-servers.ts
    addTurnServer: async (params) => ({ id: await service.addTurnServer(params) }),
    removeTurnServer: async ({ id }) => { await service.removeTurnServer(id); return null },
    setNearby: async (params) => { await service.setNearby(params); return null },
    listNearby: async () => ({ people: await service.listNearby() }),
    addNearby: async (params) => ({ contactId: await service.addNearby(params) }),
    // relay addresses are checked in words in db/relays.ts
    getNetwork: async () => service.getNetwork(),
    listRelays: async () => ({ relays: await service.listRelays() }),
    addRelay: async (params) => service.addRelay(params),
    testRelay: async (params, { signal }) => service.testRelay(params, signal),
    setRelayActive: async (params) => { await service.setRelayActive(params); return null },
    removeRelay: async (params) => ({ outcome: await service.removeRelay(params) }),
    // the node's errors and status texts follow the tab's language
    setLocale: ({ locale }) => { setLocale(locale); return null }
  }, { onOtherMessage: offerRtcHost })

  service.start().catch((err: unknown) => {
    console.error('parley: the node failed to start', err)
  }).finally(markLoaded)

  return {
    addPort: (port) => { void loaded.then(() => { server.addPort(port) }) },
    offerRtcHost
  }
}
