/**
 * The prekey directory over libp2p: `/parley/prekeys/1.0.0` requests to a
 * relay (a full multiaddr ending in /p2p/<relay>), dialled (or its open
 * connection reused) within each request's signal.
 */
import { clearPrekeys, fetchBundle, prekeyStatus, publishPrekeys } from '@parley/protocol/prekeys/client'
import { multiaddr } from '@multiformats/multiaddr'
import type { FetchedBundle, PrekeyDirectory, PrekeyStatus, PrekeyUpload } from './directory.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

export interface RelayPrekeyDirectoryComponents {
  libp2p: Pick<Libp2p, 'dial'>
}

export class RelayPrekeyDirectory implements PrekeyDirectory {
  readonly #components: RelayPrekeyDirectoryComponents

  constructor (components: RelayPrekeyDirectoryComponents) {
    this.#components = components
  }

  async #connect (relay: string, signal: AbortSignal): Promise<Connection> {
    return this.#components.libp2p.dial(multiaddr(relay), { signal })
  }

  async status (relay: string, signal: AbortSignal): Promise<PrekeyStatus> {
    return prekeyStatus(await this.#connect(relay, signal), { signal })
  }

  async publish (relay: string, upload: PrekeyUpload, signal: AbortSignal): Promise<PrekeyStatus> {
    return publishPrekeys(await this.#connect(relay, signal), upload, { signal })
  }

  async clear (relay: string, signal: AbortSignal): Promise<void> {
    await clearPrekeys(await this.#connect(relay, signal), { signal })
  }

  async fetch (relay: string, owner: Uint8Array, signal: AbortSignal): Promise<FetchedBundle> {
    return fetchBundle(await this.#connect(relay, signal), owner, { signal })
  }
}
