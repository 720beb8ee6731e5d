/** The link rendezvous as one of the relay's parts (index.ts lists it; service.ts serves it). */
import { linkRendezvousMetrics } from './metrics.ts'
import { startLinkRendezvous } from './service.ts'
import type { RelayComponents } from '../parts.ts'
import type { RendezvousService } from './service.ts'
import type { Startable } from '@libp2p/interface'

export class LinkRendezvous implements Startable {
  #service?: RendezvousService

  constructor (private readonly components: RelayComponents) {}

  async start (): Promise<void> {
    const { node, config, registry, log, state } = this.components
    this.#service = await startLinkRendezvous(node, {
      maxInboundStreams: config.maxInboundStreams,
      now: this.components.now,
      draining: () => state.draining,
      reserved: (peer) => node.services.relay.reservations.has(peer),
      log,
      metrics: linkRendezvousMetrics(registry, () => this.#service?.store.live ?? 0)
    })
  }

  async stop (): Promise<void> {
    await this.#service?.stop()
  }
}
