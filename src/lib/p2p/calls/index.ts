/**
 * 1:1 calls (docs/protocols.md, "Calls"): the signalling between two
 * contacts; the media is the tabs'.
 */
import { CallLog } from './call-log.ts'
import { Calls } from './calls.ts'
import type { CallsComponents } from './calls.ts'
import type { CallLogComponents } from './call-log.ts'

/** What the feature's services read of the node's components. */
export type CallsFeatureComponents = CallsComponents & CallLogComponents

export function callsFeature (components: CallsFeatureComponents) {
  return { calls: new Calls(components), callLog: new CallLog(components) }
}

export { callHandlers } from './handlers.ts'
