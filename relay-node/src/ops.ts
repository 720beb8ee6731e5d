import { createServer } from 'node:http'
import { Counter, Gauge } from 'prom-client'
import { MailboxErrorCode } from '@parley/protocol/mailbox/codec'
import { PrekeysErrorCode } from '@parley/protocol/prekeys/codec'
import { CIRCUIT_REJECTIONS, CONNECTION_REJECTIONS, RESERVATION_REJECTIONS } from './limits.ts'
import { InstanceErrorCode } from '@parley/protocol/instance/codec'
import { NearbyErrorCode } from '@parley/protocol/nearby/codec'
import { NEARBY_REMOVALS } from './nearby.ts'
import type { MailboxMetrics } from './mailbox/service.ts'
import type { PrekeysMetrics } from './prekeys/service.ts'
import type { InstanceMetrics } from './instances.ts'
import type { NearbyMetrics } from './nearby.ts'
import type { CircuitRejection, ConnectionRejection, ReservationRejection } from './limits.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Server } from 'node:http'
import type { Registry } from 'prom-client'

/** The relay's own metrics, next to libp2p's in the same registry. */
export interface RelayMetrics {
  reservationRefused(reason: ReservationRejection): void
  connectionRefused(reason: ConnectionRejection): void
  circuitRefused(reason: CircuitRejection): void
}

/** What the relay's gauges read when scraped. */
export interface RelayReadings {
  reservations(): number
  connections(): number
  /** relayed connections open now */
  circuits(): number
  /** bytes the relay has forwarded on relayed connections since it started */
  relayedBytes(): Promise<number>
  /** peers in the DHT routing table */
  dhtPeers(): number
}

/**
 * Registers Parley's relay metrics in `registry`: reservations, connections,
 * circuits, relayed bytes and DHT peers (read when scraped), and refusals of
 * reservations, connections and circuits by reason.
 */
export function relayMetrics (registry: Registry, read: RelayReadings): RelayMetrics {
  const counter = <R extends string>(name: string, help: string, reasons: readonly R[]): Counter<'reason'> => {
    const c = new Counter({ name, help, labelNames: ['reason'], registers: [registry] })
    for (const reason of reasons) c.inc({ reason }, 0)
    return c
  }
  const reservations = counter('parley_relay_reservation_rejections_total',
    'Reservation requests refused, by reason: per-ip (the address holds its share), capacity (all slots taken), rate (too many requests from the address), draining (shutting down)',
    RESERVATION_REJECTIONS)
  const connections = counter('parley_relay_connection_rejections_total',
    'Inbound connections refused or closed early, by reason: per-ip, per-peer (open connections), rate (new connections per second), pending (too many in their handshake), handshake-timeout, frame-too-large (WebSocket message over the limit), draining',
    CONNECTION_REJECTIONS)
  const circuits = counter('parley_relay_circuit_rejections_total',
    'Relayed connections (hop CONNECT) refused, by reason: draining', CIRCUIT_REJECTIONS)
  const gauge = (name: string, help: string, value: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect () { this.set(value()) } })
  }
  gauge('parley_relay_reservations', 'Circuit relay reservations held now', read.reservations)
  gauge('parley_relay_connections', 'Open connections now', read.connections)
  gauge('parley_relay_circuits', 'Relayed connections open now', read.circuits)
  gauge('parley_relay_dht_peers', 'Peers in the DHT routing table', read.dhtPeers)
  new Counter({
    name: 'parley_relay_relayed_bytes_total',
    help: 'Bytes forwarded on relayed connections (both directions; handshakes included)',
    registers: [registry],
    async collect () {
      const bytes = await read.relayedBytes()
      this.reset()
      this.inc(bytes)
    }
  })
  return {
    reservationRefused: (reason) => { reservations.inc({ reason }) },
    connectionRefused: (reason) => { connections.inc({ reason }) },
    circuitRefused: (reason) => { circuits.inc({ reason }) }
  }
}

/**
 * The mailbox's metrics: items and bytes stored (read when scraped),
 * deposits, items fetched, deleted and expired, and refusals by code.
 */
export function mailboxMetrics (registry: Registry, usage: () => { items: number, bytes: number }): MailboxMetrics & { expired(n: number): void } {
  new Gauge({ name: 'parley_mailbox_items', help: 'Mailbox items stored now', registers: [registry], collect () { this.set(usage().items) } })
  new Gauge({ name: 'parley_mailbox_bytes', help: 'Bytes of mailbox items stored now', registers: [registry], collect () { this.set(usage().bytes) } })
  const deposits = new Counter({ name: 'parley_mailbox_deposits_total', help: 'Items deposited (duplicate="true": the same item again, nothing stored)', labelNames: ['duplicate'], registers: [registry] })
  const fetched = new Counter({ name: 'parley_mailbox_fetched_total', help: 'Items handed to their recipient', registers: [registry] })
  const deleted = new Counter({ name: 'parley_mailbox_deleted_total', help: 'Items deleted by their recipient', registers: [registry] })
  const expired = new Counter({ name: 'parley_mailbox_expired_total', help: 'Items removed unfetched when their time was up', registers: [registry] })
  const refused = new Counter({ name: 'parley_mailbox_rejections_total', help: 'Mailbox requests refused, by code', labelNames: ['code'], registers: [registry] })
  const shares = new Counter({ name: 'parley_mailbox_share_rejections_total', help: 'Deposits refused (recipient-quota) because the depositor\'s share of the recipient\'s quota was full', registers: [registry] })
  for (const code of Object.keys(MailboxErrorCode)) refused.inc({ code }, 0)
  for (const duplicate of ['false', 'true']) deposits.inc({ duplicate }, 0)
  return {
    deposited: (duplicate) => { deposits.inc({ duplicate: String(duplicate) }) },
    fetched: (n) => { fetched.inc(n) },
    deleted: (n) => { deleted.inc(n) },
    expired: (n) => { expired.inc(n) },
    refused: (code) => { refused.inc({ code }) },
    shareFull: () => { shares.inc() }
  }
}

/**
 * The prekey store's metrics: owners and bytes held (read when scraped),
 * PUBLISHes stored, bundles handed out (by their PQ record: one-time or
 * last-resort), CLEARs, owners dropped unseen, and refusals by code.
 */
export function prekeysMetrics (registry: Registry, usage: () => { owners: number, bytes: number }): PrekeysMetrics & { dropped(n: number): void } {
  new Gauge({ name: 'parley_prekeys_owners', help: 'Owners whose prekeys are held now', registers: [registry], collect () { this.set(usage().owners) } })
  new Gauge({ name: 'parley_prekeys_bytes', help: 'Bytes of prekey records held now', registers: [registry], collect () { this.set(usage().bytes) } })
  const published = new Counter({ name: 'parley_prekeys_published_total', help: 'PUBLISH requests stored', registers: [registry] })
  const fetched = new Counter({ name: 'parley_prekeys_fetched_total', help: 'Bundles handed out, by their PQ prekey (one-time, or last-resort when none was left or the requester had its share)', labelNames: ['pq'], registers: [registry] })
  const cleared = new Counter({ name: 'parley_prekeys_cleared_total', help: 'Owners who cleared their prekeys', registers: [registry] })
  const dropped = new Counter({ name: 'parley_prekeys_dropped_total', help: 'Owners whose prekeys were dropped, unseen too long', registers: [registry] })
  const refused = new Counter({ name: 'parley_prekeys_rejections_total', help: 'Prekey requests refused, by code', labelNames: ['code'], registers: [registry] })
  const spent = new Counter({ name: 'parley_prekeys_share_spent_total', help: 'Bundles handed out with the last-resort key because a share of one-time keys was spent: the requester PeerID\'s (by="peer") or its network\'s (by="network")', labelNames: ['by'], registers: [registry] })
  for (const code of Object.keys(PrekeysErrorCode)) refused.inc({ code }, 0)
  for (const by of ['peer', 'network']) spent.inc({ by }, 0)
  for (const pq of ['one-time', 'last-resort']) fetched.inc({ pq }, 0)
  return {
    published: () => { published.inc() },
    fetched: (pqOneTime) => { fetched.inc({ pq: pqOneTime ? 'one-time' : 'last-resort' }) },
    cleared: () => { cleared.inc() },
    dropped: (n) => { dropped.inc(n) },
    refused: (code) => { refused.inc({ code }) },
    shareSpent: (by) => { spent.inc({ by }) }
  }
}

/**
 * Nearby's metrics: registrations held now (read when scraped), registrations
 * made, ended by reason, LISTs answered, and refusals by code.
 */
export function nearbyMetrics (registry: Registry, registrations: () => number): NearbyMetrics {
  new Gauge({ name: 'parley_nearby_registrations', help: 'Peers registered as nearby now', registers: [registry], collect () { this.set(registrations()) } })
  const registered = new Counter({ name: 'parley_nearby_registered_total', help: 'Nearby registrations made (a peer renaming itself counts again)', registers: [registry] })
  const removed = new Counter({ name: 'parley_nearby_removed_total', help: 'Nearby registrations ended, by reason: withdrawn (UNREGISTER), disconnected (the peer\'s last connection closed)', labelNames: ['reason'], registers: [registry] })
  const listed = new Counter({ name: 'parley_nearby_lists_total', help: 'Nearby LIST requests answered', registers: [registry] })
  const refused = new Counter({ name: 'parley_nearby_rejections_total', help: 'Nearby requests refused, by code', labelNames: ['code'], registers: [registry] })
  for (const reason of NEARBY_REMOVALS) removed.inc({ reason }, 0)
  for (const code of Object.keys(NearbyErrorCode)) refused.inc({ code }, 0)
  return {
    registered: () => { registered.inc() },
    removed: (reason) => { removed.inc({ reason }) },
    listed: () => { listed.inc() },
    refused: (code) => { refused.inc({ code }) }
  }
}

/**
 * The instance protocol's metrics: instance streams open now and PeerIDs with
 * two or more live instances (read when scraped), streams registered, and
 * refusals by code.
 */
export function instanceMetrics (registry: Registry, read: { streams(): number, copies(): number }): InstanceMetrics {
  new Gauge({ name: 'parley_instance_streams', help: 'Instance streams open now (about one per browser connection)', registers: [registry], collect () { this.set(read.streams()) } })
  new Gauge({ name: 'parley_instance_copies', help: 'PeerIDs with two or more running copies connected now (one identity open in two places)', registers: [registry], collect () { this.set(read.copies()) } })
  const registered = new Counter({ name: 'parley_instance_registered_total', help: 'Instance streams registered', registers: [registry] })
  const refused = new Counter({ name: 'parley_instance_rejections_total', help: 'Instance streams refused, by code', labelNames: ['code'], registers: [registry] })
  for (const code of Object.keys(InstanceErrorCode)) refused.inc({ code }, 0)
  return {
    registered: () => { registered.inc() },
    refused: (code) => { refused.inc({ code }) }
  }
}

/** The multistream id of the circuit relay v2 STOP protocol: the relay opens one per relayed connection. */
const STOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/stop'
const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'

/** Relayed connections open now: the STOP streams this relay opened to their destinations. */
export function countCircuits (node: Libp2p): number {
  let n = 0
  for (const connection of node.getConnections()) {
    for (const stream of connection.streams) {
      if (stream.protocol === STOP_PROTOCOL && stream.direction === 'outbound' && stream.status === 'open') n++
    }
  }
  return n
}

/** Bytes the relay sent on HOP and STOP streams, as libp2p's metrics counted them. */
export async function relayedBytes (registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric('libp2p_data_transfer_bytes_total')
  if (metric == null) return 0
  const { values } = await metric.get()
  let sum = 0
  for (const { labels, value } of values) {
    const protocol = String(labels.protocol ?? '')
    if (protocol === `${STOP_PROTOCOL} sent` || protocol === `${HOP_PROTOCOL} sent`) sum += value
  }
  return sum
}

/** Longest a scrape or health check may take before the server drops it, in ms. */
const REQUEST_TIMEOUT_MS = 10_000

/**
 * The operations HTTP server, on a port of its own: `GET /metrics`
 * (Prometheus text format) and `GET /healthz` (200 with a small JSON body
 * while the node runs, 503 while it drains or stops). Anything else is 404, other methods 405.
 */
export async function startOpsServer (host: string, port: number, registry: Registry, health: () => { status: 'ok' | 'draining' | 'stopping', peerId: string, reservations: number }): Promise<{ server: Server, url: string, close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => { res.writeHead(200, { 'content-type': registry.contentType }).end(text) },
        (err: unknown) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`) })
      return
    }
    if (path === '/healthz') {
      const status = health()
      res.writeHead(status.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(status))
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
  server.requestTimeout = REQUEST_TIMEOUT_MS
  server.headersTimeout = REQUEST_TIMEOUT_MS
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  const bound = typeof address === 'object' && address != null ? address.port : port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`
  return {
    server,
    url,
    close: async () => new Promise<void>((resolve) => {
      server.close(() => { resolve() })
      server.closeAllConnections()
    })
  }
}
