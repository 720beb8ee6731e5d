/**
 * Boxes for a peer known by its PeerID alone (kernel/ports/sessions.ts
 * PeerBoxesPort): our account's other devices (p2p/sync), which are neither
 * contacts nor group members, but whose sessions start as any other's, from
 * the prekey bundle the device keeps on its relays or hands out itself.
 */
import { ulidOf } from '@parley/protocol/ulid'
import { fetchBundle } from './bundles.ts'
import { sessionPeerOf } from './chat-boxes.ts'
import type { PeerBoxesPort } from '../kernel/ports/sessions.ts'
import type { BundleComponents } from './bundles.ts'
import type { Sessions } from './sessions.ts'
import type { AbortOptions, PeerId } from '@libp2p/interface'

export interface SessionPeerBoxesComponents extends BundleComponents {
  sessions: Pick<Sessions, 'seal'>
}

export class SessionPeerBoxes implements PeerBoxesPort {
  readonly #components: SessionPeerBoxesComponents

  constructor (components: SessionPeerBoxesComponents) {
    this.#components = components
  }

  async seal (to: PeerId, itemId: Uint8Array, plaintext: Uint8Array, relays: readonly string[], options: AbortOptions & { mailbox?: boolean } = {}): Promise<Uint8Array> {
    const peer = sessionPeerOf(to)
    return this.#components.sessions.seal(peer, ulidOf(itemId), itemId, plaintext, async () => fetchBundle(this.#components, peer, relays, options),
      { keep: false, pad: options.mailbox === true ? 'mailbox' : 'live' })
  }
}
