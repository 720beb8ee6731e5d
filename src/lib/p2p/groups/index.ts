/**
 * Group chats (docs/protocols.md, "Groups"): signed membership operations
 * every member folds the same way, and messages signed by their author and
 * carried pairwise to each member.
 */
import { GroupBook } from './book.ts'
import { GroupCourier } from './courier.ts'
import { Groups } from './groups.ts'
import { GroupTypingSender } from './typing.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function groupsFeature (components: NodeComponents): Pick<NodeComponents, 'groupBook' | 'groupCourier' | 'groups' | 'groupTyping'> {
  return {
    groupBook: new GroupBook(components),
    groupCourier: new GroupCourier(components),
    groups: new Groups(components),
    groupTyping: new GroupTypingSender(components)
  }
}

export { groupHandlers } from './handlers.ts'
