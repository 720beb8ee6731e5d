import { addTurnServer, listTurnServers, removeTurnServer, toIceServers } from '../../db/turn-servers.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { IceServer } from '../kernel/app-config.ts'
import type { ServedConfig } from '../kernel/components.ts'
import type { IceServersPort } from '../kernel/ports/relays.ts'
import type { Startable } from '@libp2p/interface'

/**
 * libp2p's default STUN servers (@libp2p/webrtc 6, `DEFAULT_ICE_SERVERS` in
 * dist/src/constants.js, not exported; tests/unit/p2p/relays/ice-servers.test.ts
 * checks the copy). libp2p uses them when a configuration has no
 * `iceServers`; a configuration that lists the user's TURN servers must name
 * them itself to keep them.
 */
export const LIBP2P_DEFAULT_STUN_URLS = [
  'stun:stun.l.google.com:19302',
  'stun:global.stun.twilio.com:3478',
  'stun:stun.cloudflare.com:3478',
  'stun:stun.services.mozilla.com:3478'
] as const

/**
 * The ICE servers of the worker's node: the served ones (`/config.json`
 * `iceServers`) followed by the user's TURN servers (the `turnServers` table).
 * The node asks {@link rtcConfiguration} for every new RTCPeerConnection, so
 * a TURN server added or removed in Settings applies to the next connection,
 * without a restart. The worker is the only writer of the table, so the copy
 * kept here is refreshed after each of its own writes.
 */
export interface IceServersComponents {
  db: ParleyDb
  /** `iceServers` of the served config: undefined when it has none (libp2p's defaults apply); []: host candidates only */
  served: Pick<ServedConfig, 'iceServers'>
}

export class IceServers implements IceServersPort, Startable {
  readonly #components: IceServersComponents
  #user: ReturnType<typeof toIceServers> = []
  #loads = 0

  constructor (components: IceServersComponents) {
    this.#components = components
  }

  async start (): Promise<void> {
    await this.load()
  }

  stop (): void {}

  /** Reads the user's TURN servers from the database. */
  async load (): Promise<void> {
    // two tabs adding at once: only the read that started last may set the list
    const load = ++this.#loads
    const rows = await listTurnServers(this.#components.db)
    if (load === this.#loads) this.#user = toIceServers(rows)
  }

  /** Adds a TURN server (the RPC params, checked in db/turn-servers.ts) and returns its id. */
  async add (params: unknown): Promise<number> {
    const id = await addTurnServer(this.#components.db, params, Date.now())
    await this.load()
    return id
  }

  async remove (id: unknown): Promise<void> {
    await removeTurnServer(this.#components.db, id)
    await this.load()
  }

  /**
   * A new configuration object for one peer connection: `{}` when neither
   * the config nor the user names a server (libp2p's defaults), else the
   * served servers (or libp2p's default STUN servers when the config has
   * none) followed by the user's TURN servers.
   */
  rtcConfiguration (): RTCConfiguration {
    const user = this.#user.map(copyServer)
    const fromConfig = this.#components.served.iceServers
    if (user.length === 0) return fromConfig === undefined ? {} : { iceServers: fromConfig.map(copyServer) }
    const served = fromConfig?.map(copyServer) ?? [{ urls: [...LIBP2P_DEFAULT_STUN_URLS] }]
    return { iceServers: [...served, ...user] }
  }
}

function copyServer (server: IceServer): RTCIceServer {
  const copy: RTCIceServer = { urls: Array.isArray(server.urls) ? [...server.urls] : server.urls }
  if (server.username !== undefined) copy.username = server.username
  if (server.credential !== undefined) copy.credential = server.credential
  return copy
}
