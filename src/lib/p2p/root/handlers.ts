import { actionHandlers } from '../actions/index.ts'
import { callHandlers } from '../calls/index.ts'
import { contactHandlers } from '../contacts/index.ts'
import { diagnosticsHandlers } from '../diagnostics/index.ts'
import { groupHandlers } from '../groups/index.ts'
import { identityHandlers } from '../identity/index.ts'
import { messagingHandlers } from '../messaging/index.ts'
import { nearbyHandlers } from '../nearby/index.ts'
import { relayHandlers } from '../relays/index.ts'
import { transferHandlers } from '../transfers/index.ts'
import type { NodeHandlers } from '../../contract/index.ts'
import type { NodeComponents } from './components.ts'

/**
 * The contract's methods, each implemented by the feature it belongs to.
 * The type is the whole contract: a method without a handler does not compile.
 */
export function nodeHandlers (components: NodeComponents): NodeHandlers {
  return {
    ...identityHandlers(components),
    ...contactHandlers(components),
    ...messagingHandlers(components),
    ...actionHandlers(components),
    ...groupHandlers(components),
    ...callHandlers(components),
    ...transferHandlers(components),
    ...relayHandlers(components),
    ...nearbyHandlers(components),
    ...diagnosticsHandlers(components)
  }
}
