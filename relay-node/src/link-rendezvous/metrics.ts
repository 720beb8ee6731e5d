/** The link rendezvous' metrics (/metrics): entries held now, PUTs, GETs by result, withdrawals and refusals by code. */
import { Counter, Gauge } from 'prom-client'
import { LinkRendezvousErrorCode } from '@parley/protocol/link-code/codec'
import { RENDEZVOUS_GET_RESULTS } from './service.ts'
import type { RendezvousMetrics } from './service.ts'
import type { Registry } from 'prom-client'

export function linkRendezvousMetrics (registry: Registry, live: () => number): RendezvousMetrics {
  new Gauge({ name: 'parley_link_rendezvous_entries', help: 'Link offers held now under a short code\'s rendezvous id (tombstones not counted)', registers: [registry], collect () { this.set(live()) } })
  const put = new Counter({ name: 'parley_link_rendezvous_puts_total', help: 'Link offers deposited or renewed', registers: [registry] })
  const got = new Counter({ name: 'parley_link_rendezvous_gets_total', help: 'Link offer GETs answered, by result: found, not-found, expired, used', labelNames: ['result'], registers: [registry] })
  const withdrawn = new Counter({ name: 'parley_link_rendezvous_withdrawn_total', help: 'Link offers withdrawn by the device that deposited them', registers: [registry] })
  const refused = new Counter({ name: 'parley_link_rendezvous_rejections_total', help: 'Link rendezvous requests refused, by code (a GET that found nothing counts here too)', labelNames: ['code'], registers: [registry] })
  for (const result of RENDEZVOUS_GET_RESULTS) got.inc({ result }, 0)
  for (const code of Object.keys(LinkRendezvousErrorCode)) refused.inc({ code }, 0)
  return {
    put: () => { put.inc() },
    got: (result) => { got.inc({ result }) },
    withdrawn: () => { withdrawn.inc() },
    refused: (code) => { refused.inc({ code }) }
  }
}
