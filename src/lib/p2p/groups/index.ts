/**
 * Group chats (docs/protocols.md, "Groups"): signed membership operations
 * every member folds the same way, and messages signed by their author and
 * carried pairwise to each member.
 */
import { GroupBook } from './book.ts'
import { GroupCallRoster } from './call-roster.ts'
import { GroupCourier } from './courier.ts'
import { groupService } from './group-service.ts'
import { Groups } from './groups.ts'
import { groupHandlers } from './handlers.ts'
import { groupTyping } from './typing.ts'
import type { Feature } from '../kernel/feature.ts'
import type { GroupBookPort, GroupCallRosterPort, GroupCourierPort, GroupsPort } from '../kernel/ports/groups.ts'
import type { GroupBoxesPort, SessionPinsPort } from '../kernel/ports/sessions.ts'
import type { GroupBookComponents } from './book.ts'
import type { GroupCourierComponents } from './courier.ts'
import type { GroupService } from './group-service.ts'
import type { GroupsComponents } from './groups.ts'
import type { GroupMethod } from './handlers.ts'
import type { GroupTypingComponents } from './typing.ts'

/** What the feature reads of the node's components. */
export type GroupsFeatureComponents = GroupBookComponents & GroupCourierComponents & GroupsComponents & GroupTypingComponents & {
  /** group 2.0.0's session boxes (the sessions feature) */
  groupBoxes: GroupBoxesPort
  /** who is held to group 2.0.0 (the sessions feature) */
  sessionPins: SessionPinsPort
}

/** What it adds to them. */
export interface GroupsServices {
  /** with what the courier, the groups and the typing sender do with the logs */
  groupBook: GroupBookPort & Pick<GroupBook, 'me' | 'log' | 'hold' | 'syncer' | 'accounts'>
  /** with what the groups ask of it */
  groupCourier: GroupCourierPort & Pick<GroupCourier, 'pushOps' | 'kick'>
  groups: GroupsPort
  /** whom a group call rings and takes frames from */
  groupCallRoster: GroupCallRosterPort
}

/** Its libp2p service: `/parley/group/*`. */
export type GroupsProtocols = { group: GroupService }

export const groupsFeature: Feature<GroupsFeatureComponents, GroupsServices, GroupMethod, GroupsProtocols> = {
  name: 'groups',
  create (components) {
    const groupBook = new GroupBook(components)
    const groups = new Groups(components)
    const typing = groupTyping(components)
    return {
      services: { groupBook, groupCourier: new GroupCourier(components), groups, groupCallRoster: new GroupCallRoster({ db: components.db, groupBook }) },
      handlers: groupHandlers({ groups, groupTyping: typing, db: components.db }),
      // the desk exists before the node starts, so before any request can arrive
      protocols: () => ({ group: groupService(groupBook, components.groupBoxes, components.sessionPins) })
    }
  }
}
