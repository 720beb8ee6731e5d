/** The messaging feature: the outbox, the inbox, the mailbox courier, the chat protocol and the chat streams opened ahead. */
import { OUTBOUND_IDLE_MS } from '@parley/protocol/chat/constants'
import { ownOver } from '../kernel/feature.ts'
import { chat } from './chat-service.ts'
import { ChatStreams } from './chat-streams.ts'
import { MailboxCourier } from './courier.ts'
import { messagingHandlers } from './handlers.ts'
import { Inbox } from './inbox.ts'
import { Outbox } from './outbox.ts'
import type { Feature } from '../kernel/feature.ts'
import type { ChatBoxes, ChatInbox, MailboxCourierPort, OutboxPort } from '../kernel/ports/messaging.ts'
import type { ChatService } from './chat-service.ts'
import type { ChatStreamsComponents } from './chat-streams.ts'
import type { CourierComponents } from './courier.ts'
import type { MessagingHandlerComponents, MessagingMethod } from './handlers.ts'
import type { InboxComponents } from './inbox.ts'
import type { OutboxComponents } from './outbox.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type MessagingFeatureComponents = InboxComponents & OutboxComponents & CourierComponents & ChatStreamsComponents & Omit<MessagingHandlerComponents, 'outbox'> & {
  /** chat 2.0.0's session boxes (the sessions feature) */
  chatBoxes: ChatBoxes
}

/** What it adds to them. */
export interface MessagingServices {
  /** with what the mailbox courier stores (batches, and its items one by one) */
  inbox: ChatInbox & Pick<Inbox, 'receive' | 'receiveMany'>
  outbox: OutboxPort
  /** with the outbox's deposits */
  courier: MailboxCourierPort & Pick<MailboxCourier, 'deposit'>
  chatStreams: Startable
}

/** Its libp2p service: `/parley/chat/*`. */
export type MessagingProtocols = { chat: ChatService }

export const messagingFeature: Feature<MessagingFeatureComponents, MessagingServices, MessagingMethod, MessagingProtocols> = {
  name: 'messaging',
  create (components) {
    const inbox = new Inbox(components)
    const outbox = new Outbox(components)
    return {
      services: { inbox, outbox, courier: new MailboxCourier(components), chatStreams: new ChatStreams(components) },
      handlers: messagingHandlers(ownOver(components, { outbox })),
      protocols: () => ({ chat: chat({ inbox, boxes: components.chatBoxes, pins: components.sessionPins, keepStreamsOpenMs: OUTBOUND_IDLE_MS }) })
    }
  }
}

export { checkText } from './text.ts'
