/**
 * Our identity as the session code wants it: the Ed25519 secret (32-byte
 * seed), its public key and our PeerID multihash. Read when first needed
 * (the profile exists by then), and again after a restore replaced it.
 */
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { Identity as SessionIdentity } from '@parley/protocol/session/pqxdh'

export interface OwnKeysComponents {
  identity: Pick<IdentityPort, 'privateKey'>
}

export class OwnKeys {
  readonly #components: OwnKeysComponents

  constructor (components: OwnKeysComponents) {
    this.#components = components
  }

  /** Ours now (not cached: a restore swaps the identity under a running worker). */
  identity (): SessionIdentity {
    const key = this.#components.identity.privateKey()
    return { secret: key.raw.subarray(0, 32), publicKey: key.publicKey.raw, multihash: key.publicKey.toMultihash().bytes }
  }
}
