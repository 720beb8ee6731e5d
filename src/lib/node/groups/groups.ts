/**
 * What the user does with groups (the contract's group methods): each change
 * is an operation signed with our identity key, tried on a copy of the log
 * first (a change the fold would make void is refused here, with a code),
 * then held, stored and pushed to every member — and to someone just
 * removed, so that they learn it. Messages are signed once and queued per
 * member (courier.ts).
 */
import { MAX_GROUP_NAME_CHARS, MAX_MEMBERS } from '@parley/protocol/group/constants'
import { GroupLog } from '@parley/protocol/group/log'
import { signGroupMessage } from '@parley/protocol/group/message'
import { signGroupOp } from '@parley/protocol/group/op'
import { displayName } from '../../db/contacts.ts'
import { getGroup, queueGroupMessage } from '../../db/groups.ts'
import { newMessageId } from '../../db/messages.ts'
import { checkText } from '../messaging/text.ts'
import { mailboxRelaysOf } from '../messaging/courier.ts'
import { errorClass } from '../../contract/errors.ts'
import type { GroupOp, GroupOpChange } from '@parley/protocol/group/op'
import type { Libp2p } from '@libp2p/interface'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, GroupMembership, MessageId } from '../../db/types.ts'
import type { Identity } from '../identity/identity.ts'
import type { GroupBook } from './book.ts'
import type { GroupCourier } from './courier.ts'

export const GroupError = errorClass('GroupError')

export interface GroupsComponents {
  db: ParleyDb
  identity: Pick<Identity, 'privateKey' | 'require'>
  groupBook: GroupBook
  groupCourier: Pick<GroupCourier, 'pushOps' | 'kick'>
  libp2p: Pick<Libp2p, 'getMultiaddrs'>
}

function checkName (name: string): string {
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > MAX_GROUP_NAME_CHARS || /[\u0000-\u001f\u007f]/.test(trimmed)) throw new GroupError('groupNameInvalid', { max: MAX_GROUP_NAME_CHARS })
  return trimmed
}

export class Groups {
  readonly #components: GroupsComponents

  constructor (components: GroupsComponents) {
    this.#components = components
  }

  #secret (): Uint8Array {
    return this.#components.identity.privateKey().raw.subarray(0, 32)
  }

  #me (): string {
    return this.#components.groupBook.me()
  }

  async #contactsToAdd (ids: readonly ContactId[]): Promise<Array<{ peer: string, name: string }>> {
    const people: Array<{ peer: string, name: string }> = []
    for (const id of new Set(ids)) {
      const contact = await this.#components.db.contacts.get(id)
      if (contact === undefined || contact.state !== 'accepted' || contact.blocked) throw new GroupError('groupMemberNotContact')
      people.push({ peer: contact.peerId, name: displayName(contact).slice(0, 64).trim() })
    }
    return people
  }

  async create (name: string, contactIds: readonly ContactId[]): Promise<string> {
    const members = await this.#contactsToAdd(contactIds)
    if (members.length + 1 > MAX_MEMBERS) throw new GroupError('groupFull', { max: MAX_MEMBERS })
    const me = this.#me()
    const myName = this.#components.identity.require().username.slice(0, 64).trim()
    const create = signGroupOp({ kind: 'create', name: checkName(name), members: [{ peer: me, name: myName }, ...members] }, { author: me, lamport: 1, deps: [], at: Date.now() }, this.#secret())
    const log = new GroupLog(create)
    await this.#components.groupBook.hold(log, [create], 'member')
    this.#components.groupCourier.pushOps(log.id, members.map((m) => m.peer))
    return log.id
  }

  async #log (groupId: string): Promise<GroupLog> {
    const log = await this.#components.groupBook.log(groupId)
    if (log === undefined) throw new GroupError('groupNotFound')
    return log
  }

  /** Signs `change`, refuses it when the fold would make it void, holds it and tells the members. */
  async #change (groupId: string, change: GroupOpChange, options: { decided?: GroupMembership, alsoTell?: string[] } = {}): Promise<GroupOp> {
    const log = await this.#log(groupId)
    const me = this.#me()
    const row = await getGroup(this.#components.db, groupId)
    if (row === undefined || (row.state !== 'member' && row.state !== 'invited')) throw new GroupError('groupNotMember')
    const deps = log.heads().slice(0, 16)
    const lamport = 1 + Math.max(...deps.map((d) => log.get(d)?.lamport ?? 0))
    const op = signGroupOp(change, { group: groupId, author: me, lamport, deps, at: Date.now() }, this.#secret())
    const trial = new GroupLog(log.ops()[0] as GroupOp)
    for (const held of log.ops().slice(1)) trial.add(held)
    trial.add(op)
    const why = trial.state().void.get(op.id)
    if (why === 'not-a-member') throw new GroupError('groupNotMember')
    if (why === 'group-full') throw new GroupError('groupFull', { max: MAX_MEMBERS })
    if (why === 'already-member') throw new GroupError('groupAlreadyMember')
    if (why !== undefined) throw new GroupError('groupNotEntitled')
    const before = log.state().members.map((m) => m.peer)
    await this.#components.groupBook.hold(log, [op], options.decided)
    const after = log.state().members.map((m) => m.peer)
    this.#components.groupCourier.pushOps(groupId, [...new Set([...before, ...after, ...options.alsoTell ?? []])])
    return op
  }

  async add (groupId: string, contactId: ContactId): Promise<void> {
    const [person] = await this.#contactsToAdd([contactId])
    if (person === undefined) throw new GroupError('groupMemberNotContact')
    await this.#change(groupId, { kind: 'add', peer: person.peer, name: person.name })
  }

  async remove (groupId: string, peer: string): Promise<void> {
    await this.#change(groupId, { kind: 'remove', peer }, { alsoTell: [peer] })
  }

  async setRole (groupId: string, peer: string, role: 'admin' | 'member'): Promise<void> {
    await this.#change(groupId, { kind: 'role', peer, role })
  }

  async rename (groupId: string, name: string): Promise<void> {
    await this.#change(groupId, { kind: 'rename', name: checkName(name) })
  }

  async accept (groupId: string): Promise<void> {
    const row = await getGroup(this.#components.db, groupId)
    if (row?.state !== 'invited') throw new GroupError('groupNotInvited')
    const myName = this.#components.identity.require().username.slice(0, 64).trim()
    // the relays our circuit addresses go through: where members leave what we miss while away
    const mailboxes = mailboxRelaysOf({ addresses: this.#components.libp2p.getMultiaddrs().map((a) => a.toString()) })
    await this.#change(groupId, { kind: 'profile', name: myName, mailboxes }, { decided: 'member' })
  }

  async decline (groupId: string): Promise<void> {
    const row = await getGroup(this.#components.db, groupId)
    if (row?.state !== 'invited') throw new GroupError('groupNotInvited')
    await this.#change(groupId, { kind: 'leave' }, { decided: 'declined' })
  }

  async leave (groupId: string): Promise<void> {
    await this.#change(groupId, { kind: 'leave' })
  }

  /** Signs a text once and queues it for every other member. */
  async send (groupId: string, text: string, replyTo?: MessageId): Promise<MessageId> {
    checkText(text)
    const log = await this.#log(groupId)
    const row = await getGroup(this.#components.db, groupId)
    const me = this.#me()
    if (row?.state !== 'member' || !log.state().members.some((m) => m.peer === me)) throw new GroupError('groupNotMember')
    const id = newMessageId()
    const now = Date.now()
    const message = signGroupMessage(
      { group: groupId, author: me, lamport: row.lamport + 1, ops: log.heads().slice(0, 16) },
      { type: 'message', id, text, sentAt: now, ...(replyTo === undefined ? {} : { replyTo }) },
      this.#secret()
    )
    const others = log.state().members.map((m) => m.peer).filter((p) => p !== me)
    await queueGroupMessage(this.#components.db, { ...this.#components.groupBook.messageRow(message, now), state: 'sent' }, others, now)
    for (const peer of others) this.#components.groupCourier.kick(peer)
    return id
  }
}
