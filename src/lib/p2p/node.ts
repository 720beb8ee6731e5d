import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { chat } from './protocols/chat/chat.ts'
import type { ChatInbox, ChatService } from './protocols/chat/chat.ts'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

// a type alias (not an interface) so that it satisfies libp2p's ServiceMap index signature
export type ParleyServices = {
  identify: Identify
  ping: Ping
  chat: ChatService
}

export type ParleyNode = Libp2p<ParleyServices>

export interface ParleyNodeInit {
  privateKey: PrivateKey
  inbox: ChatInbox
}

/**
 * The Parley node: WebSockets to relays, circuit relay v2 to each other,
 * Noise + yamux, identify, ping and the chat protocol. Configuration only —
 * behaviour lives in the services and in NodeService.
 *
 * It listens on `/p2p-circuit` (search mode): the relay transport reserves a
 * slot on whichever relay we are connected to, so start-up never depends on a
 * relay being up; RelayKeeper dials the configured relays after start.
 */
export async function createParleyNode (init: ParleyNodeInit): Promise<ParleyNode> {
  return createLibp2p({
    privateKey: init.privateKey,
    start: false,
    addresses: {
      listen: ['/p2p-circuit']
    },
    transports: [
      webSockets(),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // Parley dials only relays from the served config and contacts' circuit
      // addresses, which are loopback or private-network addresses in
      // development; the browser default gater refuses those and plain ws://.
      denyDialMultiaddr: () => false
    },
    services: {
      identify: identify(),
      ping: ping(),
      chat: chat({ inbox: init.inbox })
    }
  })
}
