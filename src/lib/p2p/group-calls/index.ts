/**
 * Group calls (docs/protocols.md, "Group calls"): the signalling of a mesh
 * among a group's members' devices, in their sessions; the media is the
 * tabs'.
 */
import { ownOver } from '../kernel/feature.ts'
import { GroupCallLog } from './call-record.ts'
import { groupCallService } from './group-call-service.ts'
import { GroupCalls } from './group-calls.ts'
import { groupCallHandlers } from './handlers.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { Feature } from '../kernel/feature.ts'
import type { GroupCallBoxesPort } from '../kernel/ports/sessions.ts'
import type { GroupCallsComponents } from './call-core.ts'
import type { GroupCallService } from './group-call-service.ts'
import type { GroupCallMethod } from './handlers.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type GroupCallsFeatureComponents = Omit<GroupCallsComponents, 'groupCallLog'> & {
  db: ParleyDb
  /** the frames' session boxes (the sessions feature) */
  callBoxes: GroupCallBoxesPort
}

/** What it adds to them. */
export interface GroupCallsServices {
  groupCalls: Startable
}

/** Its libp2p service: `/parley/group-call/1.0.0`. */
export type GroupCallsProtocols = { groupCall: GroupCallService }

export const groupCallsFeature: Feature<GroupCallsFeatureComponents, GroupCallsServices, GroupCallMethod, GroupCallsProtocols> = {
  name: 'group-calls',
  create (components) {
    const groupCalls = new GroupCalls(ownOver(components, { groupCallLog: new GroupCallLog(components) }))
    return {
      services: { groupCalls },
      handlers: groupCallHandlers({ groupCalls }),
      // the desk exists before the node starts, so before any request can arrive
      protocols: () => ({ groupCall: groupCallService(groupCalls, components.callBoxes) })
    }
  }
}
