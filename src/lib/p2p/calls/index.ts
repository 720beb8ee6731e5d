/**
 * 1:1 calls (docs/protocols.md, "Calls"): the signalling between two
 * contacts; the media is the tabs'.
 */
import { CallLog } from './call-log.ts'
import { Calls } from './calls.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function callsFeature (components: NodeComponents): Pick<NodeComponents, 'calls' | 'callLog'> {
  return { calls: new Calls(components), callLog: new CallLog(components) }
}

export { callHandlers } from './handlers.ts'
