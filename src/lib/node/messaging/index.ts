/** The messaging feature: the outbox, the inbox and the mailbox courier (chat itself is the libp2p chat service). */
import { MailboxCourier } from './courier.ts'
import { Inbox } from './inbox.ts'
import { Outbox } from './outbox.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function messagingFeature (components: NodeComponents): Pick<NodeComponents, 'inbox' | 'outbox' | 'courier'> {
  return {
    inbox: new Inbox(components),
    outbox: new Outbox(components),
    courier: new MailboxCourier(components)
  }
}

export { messagingHandlers } from './handlers.ts'
