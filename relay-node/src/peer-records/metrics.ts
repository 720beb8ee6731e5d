/**
 * The peer records' metrics: records and bytes held (read when scraped),
 * records stored, lookups answered (found or not), refusals by operation and
 * code, re-replicating PUTs by outcome, and records expired.
 */
import { Counter, Gauge } from 'prom-client'
import { PEER_RECORD_PROBLEMS } from '@parley/protocol/peer-record/record'
import type { PeerRecordProblem } from '@parley/protocol/peer-record/record'
import type { Registry } from 'prom-client'

/** Why a relay refuses a peer record request: the record's own problems, and the relay's. */
export type PeerRecordRefusal = PeerRecordProblem | 'unknown-relay' | 'stale' | 'full' | 'rate'

export const PEER_RECORD_REFUSALS: readonly PeerRecordRefusal[] = [...PEER_RECORD_PROBLEMS, 'unknown-relay', 'stale', 'full', 'rate']

export interface PeerRecordsMetrics {
  stored(): void
  lookedUp(found: boolean): void
  refused(op: 'put' | 'get', code: PeerRecordRefusal): void
  replicated(outcome: 'sent' | 'failed'): void
  expired(n: number): void
}

export function peerRecordsMetrics (registry: Registry, usage: () => { records: number, bytes: number }): PeerRecordsMetrics {
  new Gauge({ name: 'parley_peer_records', help: 'Peer records held now', registers: [registry], collect () { this.set(usage().records) } })
  new Gauge({ name: 'parley_peer_records_bytes', help: 'Bytes of peer records held now', registers: [registry], collect () { this.set(usage().bytes) } })
  const stored = new Counter({ name: 'parley_peer_records_stored_total', help: 'Peer records stored (new, or newer than the one held)', registers: [registry] })
  const lookups = new Counter({ name: 'parley_peer_record_lookups_total', help: 'Peer record lookups (GET_VALUE) answered, by whether a record was held', labelNames: ['found'], registers: [registry] })
  const refused = new Counter({ name: 'parley_peer_record_rejections_total', help: 'Peer record requests refused, by operation (put, get) and code', labelNames: ['op', 'code'], registers: [registry] })
  const replicated = new Counter({ name: 'parley_peer_records_replicated_total', help: 'Peer records sent to relays that became closest to their key, by outcome', labelNames: ['outcome'], registers: [registry] })
  const expired = new Counter({ name: 'parley_peer_records_expired_total', help: 'Peer records dropped when their time was up', registers: [registry] })
  for (const code of PEER_RECORD_REFUSALS) refused.inc({ op: 'put', code }, 0)
  refused.inc({ op: 'get', code: 'rate' }, 0)
  for (const found of ['true', 'false']) lookups.inc({ found }, 0)
  for (const outcome of ['sent', 'failed']) replicated.inc({ outcome }, 0)
  return {
    stored: () => { stored.inc() },
    lookedUp: (found) => { lookups.inc({ found: String(found) }) },
    refused: (op, code) => { refused.inc({ op, code }) },
    replicated: (outcome) => { replicated.inc({ outcome }) },
    expired: (n) => { expired.inc(n) }
  }
}
