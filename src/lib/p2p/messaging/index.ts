/** The messaging feature: the outbox, the inbox, the mailbox courier and the chat streams opened ahead (chat itself is the libp2p chat service). */
import { ChatStreams } from './chat-streams.ts'
import { MailboxCourier } from './courier.ts'
import { Inbox } from './inbox.ts'
import { Outbox } from './outbox.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function messagingFeature (components: NodeComponents): Pick<NodeComponents, 'inbox' | 'outbox' | 'courier' | 'chatStreams'> {
  return {
    inbox: new Inbox(components),
    outbox: new Outbox(components),
    courier: new MailboxCourier(components),
    chatStreams: new ChatStreams(components)
  }
}

export { messagingHandlers } from './handlers.ts'
