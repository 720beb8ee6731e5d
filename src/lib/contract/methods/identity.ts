/** The node's status, the identity (onboarding, backups) and its invite; the tab's language. */
import { method, returns } from '../define.ts'
import { MAX_BYTES_PARAM, shortText } from '../ids.ts'
import { v } from '../schema.ts'
import type { NodeStatus } from '../types.ts'

/** Creating a profile generates a key, writes the profile and starts libp2p before it answers. */
export const CREATE_PROFILE_TIMEOUT_MS = 60_000
/**
 * Encrypting or decrypting a backup takes a while: Argon2id (about a second on
 * a phone; 2–3 s in the JavaScript fallback where WebAssembly is refused),
 * then AES-GCM over a large history.
 */
export const BACKUP_TIMEOUT_MS = 120_000

export const identityMethods = {
  /** the node's status now */
  getStatus: method({ params: v.none(), result: returns<NodeStatus>() }),
  /** onboarding: creates the identity (Ed25519) and the profile, then starts the node */
  createProfile: method({ params: v.object({ username: shortText() }), result: returns<NodeStatus>(), timeoutMs: CREATE_PROFILE_TIMEOUT_MS }),
  /**
   * our invites (docs/protocols.md, "Invites"): the short link (PeerID and
   * name), and the full invite with our addresses once we hold a reservation
   */
  getInvite: method({ params: v.none(), result: returns<{ link: string, invite?: string }>() }),
  /** this identity as a passphrase-encrypted backup file (docs/protocols.md, "Identity backup file") */
  exportIdentity: method({
    params: v.object({ passphrase: shortText(), includeHistory: v.boolean() }),
    result: returns<{ file: Uint8Array }>(),
    timeoutMs: BACKUP_TIMEOUT_MS
  }),
  /** onboarding alternative: restore an identity from a backup file, then start the node */
  importIdentity: method({
    params: v.object({ file: v.bytes({ max: MAX_BYTES_PARAM }), passphrase: shortText() }),
    result: returns<NodeStatus>(),
    timeoutMs: BACKUP_TIMEOUT_MS
  })
} as const
