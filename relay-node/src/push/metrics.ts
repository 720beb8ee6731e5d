/**
 * Web Push's metrics (README.md, "Web Push"): subscriptions held, pushes
 * sent, items coalesced into a push already waiting, items that needed none
 * (their recipient was connected), failed POSTs by reason,
 * subscriptions dropped by reason, registrations and removals taken, and
 * requests refused by code. Never an endpoint or a PeerID.
 */
import { Counter, Gauge } from 'prom-client'
import { PushErrorCode } from '@parley/protocol/push/constants'
import type { PushErrorName } from '@parley/protocol/push/constants'
import type { Registry } from 'prom-client'

/** Why a subscription was dropped: a push service said so, its device removed it, it was not renewed, a newer one took its place. */
export const PUSH_DROP_REASONS = ['gone', 'removed', 'expired', 'replaced'] as const
export type PushDropReason = typeof PUSH_DROP_REASONS[number]
/** Why a POST failed. */
export const PUSH_FAILURES = ['gone', 'refused', 'rate-limited', 'server-error', 'timeout', 'network'] as const

export interface PushMetrics {
  sent(): void
  coalesced(): void
  failed(reason: string): void
  skipped(n: number): void
  dropped(reason: PushDropReason, n?: number): void
  registered(): void
  removed(): void
  refused(code: PushErrorName): void
}

export function pushMetrics (registry: Registry, subscriptions: () => number): PushMetrics {
  new Gauge({ name: 'parley_push_subscriptions', help: 'Web Push subscriptions held now', registers: [registry], collect () { this.set(subscriptions()) } })
  const sent = new Counter({ name: 'parley_push_sent_total', help: 'Pushes a push service took (2xx)', registers: [registry] })
  const coalesced = new Counter({ name: 'parley_push_coalesced_total', help: 'Mailbox items that joined a push already waiting (no push of their own)', registers: [registry] })
  const failed = new Counter({ name: 'parley_push_failed_total', help: 'POSTs to push services that failed, by reason', labelNames: ['reason'], registers: [registry] })
  const skipped = new Counter({ name: 'parley_push_skipped_total', help: 'Mailbox items for a subscribed recipient that needed no push: it was connected here', registers: [registry] })
  const dropped = new Counter({ name: 'parley_push_subscriptions_dropped_total', help: 'Subscriptions forgotten, by reason', labelNames: ['reason'], registers: [registry] })
  const registered = new Counter({ name: 'parley_push_registrations_total', help: 'Registrations taken (new or renewed)', registers: [registry] })
  const removed = new Counter({ name: 'parley_push_removals_total', help: 'Removal requests taken', registers: [registry] })
  const refused = new Counter({ name: 'parley_push_rejections_total', help: 'Push requests refused, by code', labelNames: ['code'], registers: [registry] })
  for (const code of Object.keys(PushErrorCode)) refused.inc({ code }, 0)
  for (const reason of PUSH_DROP_REASONS) dropped.inc({ reason }, 0)
  for (const reason of PUSH_FAILURES) failed.inc({ reason }, 0)
  return {
    sent: () => { sent.inc() },
    coalesced: () => { coalesced.inc() },
    failed: (reason) => { failed.inc({ reason }) },
    skipped: (n) => { skipped.inc(n) },
    dropped: (reason, n = 1) => { dropped.inc({ reason }, n) },
    registered: () => { registered.inc() },
    removed: () => { removed.inc() },
    refused: (code) => { refused.inc({ code }) }
  }
}
