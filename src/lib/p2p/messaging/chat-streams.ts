import { mayExchange } from '../contacts/index.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ChatService } from './chat-service.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, Startable } from '@libp2p/interface'

/** Opening a chat stream ahead of the first message gives up after this long (the next delivery opens one itself). */
export const PREPARE_STREAM_TIMEOUT_MS = 10_000

export interface ChatStreamsComponents {
  events: ParleyEventTarget
  logger: ComponentLogger
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { chat: Pick<ChatService, 'prepare'> } }
}

/**
 * Opens the outgoing chat stream to a contact as soon as a direct connection
 * to it is usable (`connection:usable`), so the first message over it does
 * not wait for a new data channel and a protocol negotiation (tens of ms on
 * WebRTC: libp2p 3 negotiates every stream in full). The stream is kept as
 * the chat service keeps one after a delivery, and closes the same way when
 * no message comes.
 */
export class ChatStreams implements Startable {
  readonly #components: ChatStreamsComponents
  readonly #log: Logger
  #started = false

  constructor (components: ChatStreamsComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:chat-streams')
  }

  start (): void {
    this.#started = true
    this.#components.events.addEventListener('connection:usable', this.#onUsable)
  }

  stop (): void {
    this.#started = false
    this.#components.events.removeEventListener('connection:usable', this.#onUsable)
  }

  readonly #onUsable = (evt: CustomEvent<Connection>): void => {
    void this.#prepare(evt.detail).catch((err: unknown) => {
      this.#log.error('could not open a chat stream ahead to %p - %e', evt.detail.remotePeer, err)
    })
  }

  async #prepare (connection: Connection): Promise<void> {
    const contact = await this.#components.contactBook.byPeerId(connection.remotePeer.toString())
    if (!this.#started || connection.status !== 'open' || !mayExchange(contact)) return
    await this.#components.libp2p.services.chat.prepare(connection, { signal: AbortSignal.timeout(PREPARE_STREAM_TIMEOUT_MS) })
  }
}
