/// <reference lib="webworker" />
/**
 * The SharedWorker entry: one Parley node per browser profile, shared by every
 * open tab (DESIGN.md §1). Wiring only: NodeService does the work, RpcServer
 * carries tab calls to it.
 */
import '../lib/polyfill/promise-with-resolvers.ts'
// must stay before every import that reaches @libp2p/webrtc
import { rtcBridge } from './rtc-bridge.ts'
import { ParleyDb } from '../lib/db/db.ts'
import { fetchAppConfig } from '../lib/p2p/app-config.ts'
import { NodeService } from '../lib/p2p/node-service.ts'
import { RpcServer } from '../lib/rpc/server.ts'

declare const self: SharedWorkerGlobalScope

const db = new ParleyDb()
const service = new NodeService({
  db,
  origin: self.location.origin,
  loadConfig: async () => fetchAppConfig(self.location.origin),
  onStatus: (status) => { server.emit('status', status) }
})

/** A tab's offer to host WebRTC: `{ type: 'rtc-host', visible }` with its port in `ports[0]`. */
function onOtherMessage (data: unknown, ports: readonly MessagePort[]): boolean {
  const offer = data as { type?: unknown, visible?: unknown } | null
  const port = ports[0]
  if (offer?.type !== 'rtc-host' || typeof offer.visible !== 'boolean' || port == null) return false
  rtcBridge.addHost(port, { visible: offer.visible })
  return true
}

rtcBridge.onHostsChanged = () => { service.onRtcHostsChanged() }

const server = new RpcServer({
  getStatus: () => service.status,
  createProfile: async ({ username }) => service.createProfile(username),
  getInvite: () => ({ invite: service.getInvite() }),
  addContact: async ({ invite }) => ({ contactId: await service.addContact(invite) }),
  sendMessage: async ({ contactId, text }) => ({ messageId: await service.sendMessage(contactId, text) })
}, { onOtherMessage })

self.addEventListener('connect', (event) => {
  const port = event.ports[0]
  if (port != null) server.addPort(port)
})

service.start().catch((err: unknown) => {
  console.error('parley: the node failed to start', err)
})
