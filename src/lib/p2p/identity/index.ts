/** The identity feature: the profile and its key, backups, our invite. */
import { ownOver } from '../kernel/feature.ts'
import { identityHandlers } from './handlers.ts'
import { Identity } from './identity.ts'
import type { Feature } from '../kernel/feature.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { IdentityHandlerComponents, IdentityMethods } from './handlers.ts'
import type { IdentityComponents } from './identity.ts'

/** What the feature reads of the node's components. */
export type IdentityFeatureComponents = IdentityComponents & Omit<IdentityHandlerComponents, 'identity'>

/** What it adds to them. */
export interface IdentityServices {
  identity: IdentityPort
}

export const identityFeature: Feature<IdentityFeatureComponents, IdentityServices, IdentityMethods> = {
  name: 'identity',
  create (components) {
    const identity = new Identity(components)
    return { services: { identity }, handlers: identityHandlers(ownOver(components, { identity })) }
  }
}

export { encodeInvite, parseInvite, SAFETY_QR_PREFIX, validateName } from './invite.ts'
