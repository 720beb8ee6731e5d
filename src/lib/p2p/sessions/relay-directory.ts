/**
 * The prekey directory over libp2p: `/parley/prekeys/1.0.0` requests to a
 * relay (a full multiaddr ending in /p2p/<relay>). Our own keys go only over
 * a connection the relay keeper holds open (never dialled here: a relay the
 * user just disabled must stay hung up); a bundle of someone else's is
 * fetched from its relays, dialled when need be, within the signal, or from
 * the peer itself over a connection already open.
 */
import { clearPrekeys, fetchBundle, fetchOwnBundle, prekeyStatus, publishPrekeys } from '@parley/protocol/prekeys/client'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { bestConnection } from '../kernel/connections.ts'
import type { FetchedBundle, PrekeyDirectory, PrekeyStatus, PrekeyUpload } from './directory.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

export interface RelayPrekeyDirectoryComponents {
  libp2p: Pick<Libp2p, 'dial' | 'getConnections'>
}

/** Our keys are published over the relay keeper's connections only. */
export class RelayNotConnectedError extends Error {
  override name = 'RelayNotConnectedError'
}

export class RelayPrekeyDirectory implements PrekeyDirectory {
  readonly #components: RelayPrekeyDirectoryComponents

  constructor (components: RelayPrekeyDirectoryComponents) {
    this.#components = components
  }

  async #connect (relay: string, signal: AbortSignal): Promise<Connection> {
    return this.#components.libp2p.dial(multiaddr(relay), { signal })
  }

  /** The open connection to one of our relays. */
  #connected (relay: string): Connection {
    const id = /\/p2p\/([^/]+)$/.exec(relay)?.[1]
    const open = id === undefined ? undefined : this.#components.libp2p.getConnections(peerIdFromString(id)).find(c => c.status === 'open')
    if (open === undefined) throw new RelayNotConnectedError(`not connected to ${relay}`)
    return open
  }

  async status (relay: string, signal: AbortSignal): Promise<PrekeyStatus> {
    return prekeyStatus(this.#connected(relay), { signal })
  }

  async publish (relay: string, upload: PrekeyUpload, signal: AbortSignal): Promise<PrekeyStatus> {
    return publishPrekeys(this.#connected(relay), upload, { signal })
  }

  async clear (relay: string, signal: AbortSignal): Promise<void> {
    await clearPrekeys(this.#connected(relay), { signal })
  }

  async fetch (relay: string, owner: Uint8Array, signal: AbortSignal): Promise<FetchedBundle> {
    return fetchBundle(await this.#connect(relay, signal), owner, { signal })
  }

  async fromOwner (owner: string, signal: AbortSignal): Promise<FetchedBundle | undefined> {
    const peer = peerIdFromString(owner)
    const connection = bestConnection(this.#components.libp2p, peer)
    return connection === undefined ? undefined : fetchOwnBundle(connection, peer, { signal })
  }
}
