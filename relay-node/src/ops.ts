import { createServer } from 'node:http'
import { Counter, Gauge } from 'prom-client'
import type { Libp2p } from '@libp2p/interface'
import type { Server } from 'node:http'
import type { Registry } from 'prom-client'

/** Why a reservation was refused, as counted in `parley_relay_reservation_rejections_total{reason}`. */
export type RejectionReason = 'per-ip' | 'capacity'

/** The relay's own metrics, next to libp2p's in the same registry. */
export interface RelayMetrics {
  rejected(reason: RejectionReason): void
}

/**
 * Registers Parley's relay metrics in `registry`: current reservations and
 * connections (read when scraped), and reservation refusals by reason.
 */
export function relayMetrics (registry: Registry, node: () => Libp2p | undefined, reservations: () => number): RelayMetrics {
  const rejections = new Counter({
    name: 'parley_relay_reservation_rejections_total',
    help: 'Reservation requests refused, by reason: per-ip (the address holds its share), capacity (all slots taken)',
    labelNames: ['reason'],
    registers: [registry]
  })
  for (const reason of ['per-ip', 'capacity'] satisfies RejectionReason[]) rejections.inc({ reason }, 0)
  new Gauge({
    name: 'parley_relay_reservations',
    help: 'Circuit relay reservations held now',
    registers: [registry],
    collect () { this.set(reservations()) }
  })
  new Gauge({
    name: 'parley_relay_connections',
    help: 'Open connections now',
    registers: [registry],
    collect () { this.set(node()?.getConnections().length ?? 0) }
  })
  return { rejected: (reason) => { rejections.inc({ reason }) } }
}

/** Longest a scrape or health check may take before the server drops it, in ms. */
const REQUEST_TIMEOUT_MS = 10_000

/**
 * The operations HTTP server, on a port of its own: `GET /metrics`
 * (Prometheus text format) and `GET /healthz` (200 with a small JSON body
 * while the node runs, 503 otherwise). Anything else is 404, other methods 405.
 */
export async function startOpsServer (host: string, port: number, registry: Registry, health: () => { ok: boolean, peerId: string, reservations: number }): Promise<{ server: Server, url: string, close(): Promise<void> }> {
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
      res.writeHead(status.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: status.ok ? 'ok' : 'stopping', peerId: status.peerId, reservations: status.reservations }))
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
