/**
 * A node's services as their own classes, for the tests that look inside a
 * feature: the node's components type them by their ports (what other
 * features may use), not by everything the class can do.
 */
import type { MailboxCourier } from '../../src/lib/p2p/messaging/courier.ts'
import type { InstanceWatch } from '../../src/lib/p2p/instances/instance-watch.ts'
import type { NodeRoot } from '../../src/lib/p2p/root/root.ts'
import type { Sessions } from '../../src/lib/p2p/sessions/sessions.ts'

export interface NodeInternals {
  courier: MailboxCourier
  instances: InstanceWatch
  sessions: Sessions
}

export function internals (node: NodeRoot): NodeInternals {
  // the components hold these very objects (root/features.ts)
  return node.components as unknown as NodeInternals
}
