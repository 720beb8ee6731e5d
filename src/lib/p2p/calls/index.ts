/**
 * 1:1 calls (docs/protocols.md, "Calls"): the signalling between two
 * contacts; the media is the tabs'.
 */
import { ownOver } from '../kernel/feature.ts'
import { CallLine } from './call-line.ts'
import { CallLog } from './call-log.ts'
import { callService } from './call-service.ts'
import { Calls } from './calls.ts'
import { callHandlers } from './handlers.ts'
import type { Feature } from '../kernel/feature.ts'
import type { CallLinePort } from '../kernel/ports/calls.ts'
import type { IceServersPort } from '../kernel/ports/relays.ts'
import type { CallLogComponents } from './call-log.ts'
import type { CallService } from './call-service.ts'
import type { CallsComponents } from './calls.ts'
import type { CallMethod } from './handlers.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type CallsFeatureComponents = CallsComponents & CallLogComponents & {
  /** the STUN and TURN servers the tab's call uses */
  ice: IceServersPort
}

/** What it adds to them. */
export interface CallsServices {
  calls: Startable
  callLog: Pick<CallLog, 'record'>
  /** one call at a time, 1:1 or group */
  callLine: CallLinePort
}

/** Its libp2p service: `/parley/call/1.0.0`. */
export type CallsProtocols = { call: CallService }

export const callsFeature: Feature<CallsFeatureComponents, CallsServices, CallMethod, CallsProtocols> = {
  name: 'calls',
  create (components) {
    const calls = new Calls(components)
    const callLine = new CallLine()
    // a 1:1 call holds the line from its first event (it rings, or our invite goes) to its end
    components.events.addEventListener('call', ({ detail }) => {
      if (detail.phase === 'ended') callLine.release(detail.callId)
      else callLine.take(detail.callId)
    })
    return {
      services: { calls, callLog: new CallLog(components), callLine },
      handlers: callHandlers(ownOver(components, { calls, callLine })),
      // the desk exists before the node starts, so before any request can arrive
      protocols: () => ({ call: callService(calls, callLine) })
    }
  }
}
