import { pathTo } from '../kernel/connections.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { Connection, Libp2p, Startable } from '@libp2p/interface'

export interface PathsComponents {
  events: ParleyEventTarget
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'>
  status: Pick<StatusBoard, 'current' | 'update'>
}

/**
 * How each connected peer is reached now, direct or relayed, in the node's
 * status (`paths`, the badge in a chat's header): updated when a connection
 * opens or closes, and when a direct one passes its probe.
 */
export class Paths implements Startable {
  readonly #components: PathsComponents

  constructor (components: PathsComponents) {
    this.#components = components
  }

  start (): void {
    this.#components.libp2p.addEventListener('connection:open', this.#onChange)
    this.#components.libp2p.addEventListener('connection:close', this.#onChange)
    this.#components.events.addEventListener('connection:usable', this.#onChange)
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('connection:open', this.#onChange)
    this.#components.libp2p.removeEventListener('connection:close', this.#onChange)
    this.#components.events.removeEventListener('connection:usable', this.#onChange)
  }

  readonly #onChange = (evt: CustomEvent<Connection>): void => {
    const { libp2p, status } = this.#components
    const peerId = evt.detail.remotePeer
    const key = peerId.toString()
    const path = pathTo(libp2p, peerId)
    if (status.current.paths[key] === path) return
    const paths = { ...status.current.paths }
    if (path == null) delete paths[key]
    else paths[key] = path
    status.update({ paths })
  }
}
