/**
 * The node's features, each one line: the one list the root takes their
 * services, contract methods and libp2p protocols from (kernel/feature.ts).
 * Listed in start order (services start in it and stop in reverse); what
 * each may import is another order, docs/architecture.md's "The order of
 * features".
 */
import { actionsFeature } from '../actions/index.ts'
import { callsFeature } from '../calls/index.ts'
import { contactsFeature } from '../contacts/index.ts'
import { devicesFeature } from '../devices/index.ts'
import { diagnosticsFeature } from '../diagnostics/index.ts'
import { groupCallsFeature } from '../group-calls/index.ts'
import { groupsFeature } from '../groups/index.ts'
import { identityFeature } from '../identity/index.ts'
import { instancesFeature } from '../instances/index.ts'
import { linkFeature } from '../link/index.ts'
import { messagingFeature } from '../messaging/index.ts'
import { nearbyFeature } from '../nearby/index.ts'
import { presenceFeature } from '../presence/index.ts'
import { pushFeature } from '../push/index.ts'
import { relaysFeature } from '../relays/index.ts'
import { sessionsFeature } from '../sessions/index.ts'
import { syncFeature } from '../sync/index.ts'
import { transfersFeature } from '../transfers/index.ts'
import type { Feature } from '../kernel/feature.ts'

export const FEATURES = [
  identityFeature,
  devicesFeature,
  contactsFeature,
  relaysFeature,
  presenceFeature,
  messagingFeature,
  transfersFeature,
  actionsFeature,
  groupsFeature,
  callsFeature,
  groupCallsFeature,
  nearbyFeature,
  pushFeature,
  instancesFeature,
  sessionsFeature,
  diagnosticsFeature,
  syncFeature,
  linkFeature
] as const

type AnyFeature = (typeof FEATURES)[number]

/** `A | B` as `A & B`. */
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never
// (each part inferred: a feature's protocols appear in its type both ways, so no wider type matches it)
type ServicesOf<F> = F extends Feature<never, infer S, infer _M, infer _P> ? S : never
type MethodsOf<F> = F extends Feature<never, infer _S, infer M, infer _P> ? M : never
type ProtocolsOf<F> = F extends Feature<never, infer _S, infer _M, infer P> ? P : never

/** What the features add to the node's components, each typed by its ports. */
export type FeatureServices = Intersection<ServicesOf<AnyFeature>>

/** The contract methods the features implement (root/handlers.ts: all of them, or it does not compile). */
export type FeatureMethods = MethodsOf<AnyFeature>

/** The libp2p services the features bring. */
export type FeatureProtocols = Intersection<ProtocolsOf<AnyFeature>>
