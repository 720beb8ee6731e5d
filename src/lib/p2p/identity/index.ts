/** The identity feature: the profile and its key, backups, our invite. */
import { Identity } from './identity.ts'
import type { IdentityComponents } from './identity.ts'

/** What the feature's services read of the node's components. */
export type IdentityFeatureComponents = IdentityComponents

export function identityFeature (components: IdentityFeatureComponents) {
  return { identity: new Identity(components) }
}

export { identityHandlers } from './handlers.ts'
export { encodeInvite, parseInvite, SAFETY_QR_PREFIX, validateName } from './invite.ts'
