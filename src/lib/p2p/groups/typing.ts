/**
 * Typing indicators in groups (docs/protocols.md, "Groups", typing): what
 * kernel/typing.ts says of every chat, and here the author signs one
 * `typing` frame and tells each device of the other members it is connected to now, directly
 * (never forwarded), while it is a member.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { signGroupMessage } from '@parley/protocol/group/message'
import { getGroup } from '../../db/groups.ts'
import { newMessageId } from '../../db/messages.ts'
import { bestConnection } from '../kernel/connections.ts'
import { TypingSignals } from '../kernel/typing.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { TypingSignalsComponents } from '../kernel/typing.ts'
import type { GroupBook } from './book.ts'
import type { GroupService } from './group-service.ts'
import type { ComponentLogger, Libp2p } from '@libp2p/interface'

/** Groups whose last signal is remembered (for the rate limit); the oldest is forgotten first. */
export const MAX_TYPING_GROUPS = 256

export interface GroupTypingComponents extends TypingSignalsComponents {
  logger: ComponentLogger
  identity: Pick<IdentityPort, 'privateKey'>
  groupBook: Pick<GroupBook, 'log' | 'me' | 'accounts'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { group: Pick<GroupService, 'send'> } }
}

/** The typing signals of groups, keyed by group id. */
export function groupTyping (components: GroupTypingComponents): TypingSignals<string> {
  const log = components.logger.forComponent('parley:groups:typing')
  return new TypingSignals<string>(components, MAX_TYPING_GROUPS, async (groupId, typing, now) => {
    // read when a signal goes: the book is this feature's own service, a component only once the feature is made
    const { db, groupBook, libp2p } = components
    const row = await getGroup(db, groupId)
    const groupLog = await groupBook.log(groupId)
    const me = groupBook.me()
    if (row?.state !== 'member' || groupLog === undefined || !groupLog.state().members.some((m) => m.peer === me)) return undefined
    // every device of the others (not ours: typing here is not shown on our other devices)
    const ours = new Set(await groupBook.accounts.devicesOf(groupLog, me))
    const connected = (await groupBook.accounts.targets(groupLog)).flatMap((device) => {
      if (ours.has(device)) return []
      const connection = bestConnection(libp2p, peerIdFromString(device))
      return connection === undefined ? [] : [connection]
    })
    const device = groupBook.accounts.device()
    return async (signal) => {
      if (connected.length === 0) return
      const signed = signGroupMessage(
        { group: groupId, author: me, ...(device === me ? {} : { device }), lamport: Math.max(1, row.lamport), ops: groupLog.heads().slice(0, 16) },
        { type: 'typing', id: newMessageId(now), typing },
        components.identity.privateKey().raw.subarray(0, 32)
      ).signed
      await Promise.all(connected.map(async (connection) => {
        await libp2p.services.group.send(connection, { type: 'message', message: signed }, { signal })
          .catch((err: unknown) => { log('typing signal in %s to %p not sent - %e', groupId, connection.remotePeer, err) })
      }))
    }
  })
}
