/**
 * Group chats (docs/protocols.md, "Groups"): signed membership operations
 * every member folds the same way, and messages signed by their author and
 * carried pairwise to each member.
 */
import { GroupBook } from './book.ts'
import { GroupCourier } from './courier.ts'
import { Groups } from './groups.ts'
import { GroupTypingSender } from './typing.ts'
import type { GroupBookComponents } from './book.ts'
import type { GroupCourierComponents } from './courier.ts'
import type { GroupsComponents } from './groups.ts'
import type { GroupTypingComponents } from './typing.ts'

/** What the feature's services read of the node's components. */
export type GroupsFeatureComponents = GroupBookComponents & GroupCourierComponents & GroupsComponents & GroupTypingComponents

export function groupsFeature (components: GroupsFeatureComponents) {
  return {
    groupBook: new GroupBook(components),
    groupCourier: new GroupCourier(components),
    groups: new Groups(components),
    groupTyping: new GroupTypingSender(components)
  }
}

export { groupHandlers } from './handlers.ts'
