/** The messaging feature: the outbox, the inbox, the mailbox courier and the chat streams opened ahead (chat itself is the libp2p chat service). */
import { ChatStreams } from './chat-streams.ts'
import { MailboxCourier } from './courier.ts'
import { Inbox } from './inbox.ts'
import { Outbox } from './outbox.ts'
import type { InboxComponents } from './inbox.ts'
import type { OutboxComponents } from './outbox.ts'
import type { CourierComponents } from './courier.ts'
import type { ChatStreamsComponents } from './chat-streams.ts'

/** What the feature's services read of the node's components. */
export type MessagingFeatureComponents = InboxComponents & OutboxComponents & CourierComponents & ChatStreamsComponents

export function messagingFeature (components: MessagingFeatureComponents) {
  return {
    inbox: new Inbox(components),
    outbox: new Outbox(components),
    courier: new MailboxCourier(components),
    chatStreams: new ChatStreams(components)
  }
}

export { messagingHandlers } from './handlers.ts'
export { checkText } from './text.ts'
