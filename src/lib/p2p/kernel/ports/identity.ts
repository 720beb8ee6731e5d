/**
 * Ports of the identity feature: what other features use of who this node is.
 * Features depend on these interfaces, never on a feature's classes (the way
 * js-libp2p types its components by `@libp2p/interface`); the feature's
 * services implement them.
 */
import type { ProfileRow } from '../../../db/types.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** Who this node is: the profile once there is one, and its key (identity/identity.ts). */
export interface IdentityPort {
  /** the profile, once loaded or created */
  readonly profile: ProfileRow | undefined
  /** the profile; throws NoProfileError('noProfile') before the user chose a name */
  require(): ProfileRow
  /** our private key (the mailbox seals to it and from it; the sessions' identity) */
  privateKey(): Ed25519PrivateKey
  /** reads the profile from the database (none yet: undefined): the root, before it starts the network */
  load(): Promise<ProfileRow | undefined>
}
