/**
 * Typing indicators in groups (docs/protocols.md, "Groups", typing): the
 * author signs one `typing` frame and tells each member it is connected to
 * now, directly (never forwarded, queued, stored or put in a mailbox), only
 * while the user keeps typing indicators on, and at most one "typing" per
 * TYPING_REPEAT_MS per group. A message sent to the group ends the typing
 * without a "stopped" of its own, as in a contact's chat (actions/typing.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { signGroupMessage } from '@parley/protocol/group/message'
import { getGroup } from '../../db/groups.ts'
import { newMessageId } from '../../db/messages.ts'
import { messagingSettings } from '../../db/settings.ts'
import { bestConnection } from '../kernel/connections.ts'
import { TYPING_SEND_TIMEOUT_MS, TypingThrottle } from '../kernel/typing-throttle.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { GroupBook } from './book.ts'
import type { GroupService } from './group-service.ts'
import type { ComponentLogger, Libp2p, Logger } from '@libp2p/interface'

/** Groups whose last signal is remembered (for the rate limit); the oldest is forgotten first. */
export const MAX_TYPING_GROUPS = 256

export interface GroupTypingComponents {
  db: ParleyDb
  logger: ComponentLogger
  identity: Pick<IdentityPort, 'privateKey'>
  groupBook: Pick<GroupBook, 'log' | 'me'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { group: Pick<GroupService, 'send'> } }
}

export class GroupTypingSender {
  readonly #components: GroupTypingComponents
  readonly #log: Logger
  readonly #last = new TypingThrottle<string>(MAX_TYPING_GROUPS)

  constructor (components: GroupTypingComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:groups:typing')
  }

  /** A message to the group was sent: it ends our typing there (`TypingThrottle.messageSent`). */
  messageSent (groupId: string): void {
    this.#last.messageSent(groupId, Date.now())
  }

  /** Tells the members connected now, when it makes sense; never throws for the network's sake. */
  async set (groupId: string, typing: boolean): Promise<void> {
    const { db, groupBook, libp2p } = this.#components
    const now = Date.now()
    if (!this.#last.due(groupId, typing, now)) return
    if (!(await messagingSettings(db)).typing) return
    const row = await getGroup(db, groupId)
    const log = await groupBook.log(groupId)
    const me = groupBook.me()
    if (row?.state !== 'member' || log === undefined || !log.state().members.some((m) => m.peer === me)) return
    const connected = log.state().members.flatMap((m) => {
      if (m.peer === me) return []
      const connection = bestConnection(libp2p, peerIdFromString(m.peer))
      return connection === undefined ? [] : [connection]
    })
    this.#last.sent(groupId, typing, now)
    if (connected.length === 0) return
    const signed = signGroupMessage(
      { group: groupId, author: me, lamport: Math.max(1, row.lamport), ops: log.heads().slice(0, 16) },
      { type: 'typing', id: newMessageId(now), typing },
      this.#components.identity.privateKey().raw.subarray(0, 32)
    ).signed
    await Promise.all(connected.map(async (connection) => {
      await libp2p.services.group.send(connection, { type: 'message', message: signed }, { signal: AbortSignal.timeout(TYPING_SEND_TIMEOUT_MS) })
        .catch((err: unknown) => { this.#log('typing signal in %s to %p not sent - %e', groupId, connection.remotePeer, err) })
    }))
  }
}
