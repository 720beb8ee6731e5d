/**
 * What the user does with groups (the contract's group methods): each change
 * is an operation signed with our identity key, tried on a copy of the log
 * first (a change the fold would make void is refused here, with a code),
 * then held, stored and pushed to every member — and to someone just
 * removed, so that they learn it. Messages are signed once and queued per
 * member (courier.ts).
 */
import { MAX_MEMBERS, MAX_PICTURE_CHARS } from '@parley/protocol/group/constants'
import { GroupLog } from '@parley/protocol/group/log'
import { signGroupMessage } from '@parley/protocol/group/message'
import { signGroupOp } from '@parley/protocol/group/op'
import { displayName } from '../../db/contacts.ts'
import { EVENT_KINDS, eventFrame } from '../../db/event-kinds.ts'
import { activeGroups, getGroup, GROUP_CONTACT_ID, queueGroupDeliveries, queueGroupEvent, queueGroupMessage } from '../../db/groups.ts'
import { MAX_READ_TARGETS } from '@parley/protocol/chat/constants'
import { newMessageId } from '../../db/messages.ts'
import { mailboxRelaysOf } from '../kernel/mailboxes.ts'
import { checkText } from '../messaging/index.ts'
import { groupMessageRow } from './message-row.ts'
import { deviceSetsOf } from './group-devices.ts'
import { checkName, GroupError, memberName } from './names.ts'
import { CHAT_TIMERS } from '../../contract/methods/actions.ts'
import type { GroupOp, GroupOpChange, InitialMember } from '@parley/protocol/group/op'
import type { ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, EventRow, GroupMembership, GroupRow, MessageId, MessageRow } from '../../db/types.ts'
import type { GroupsPort } from '../kernel/ports/groups.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { OutgoingFile, TransfersPort } from '../kernel/ports/transfers.ts'
import type { GroupBook } from './book.ts'
import type { GroupCourier } from './courier.ts'

export { GroupError }

/** A file a member sends to its group (the contract's sendGroupFile, checked as sendFile's). */
export type GroupFile = Omit<OutgoingFile, 'contactId' | 'fromPeerId' | 'group' | 'ttl'>

export interface GroupsComponents {
  db: ParleyDb
  logger: ComponentLogger
  identity: Pick<IdentityPort, 'privateKey' | 'require'>
  /** our account's newest list (carried in a group by a `devices` operation) */
  devices: Pick<DevicesPort, 'ownList'>
  /** `devices:changed`: our list changed (the holder gives it to our groups) */
  events: Pick<ParleyEventTarget, 'addEventListener' | 'removeEventListener'>
  groupBook: Pick<GroupBook, 'me' | 'log' | 'hold' | 'accounts'>
  groupCourier: Pick<GroupCourier, 'pushOps' | 'kick'>
  libp2p: Pick<Libp2p, 'getMultiaddrs'>
  transfers: Pick<TransfersPort, 'sendFile'>
}

export class Groups implements GroupsPort, Startable {
  readonly #components: GroupsComponents
  readonly #logger: Logger
  /** the profiles that say we speak sessions, made after a start (saySessions) */
  #saying: Promise<void> | undefined
  /** the device list given to our groups (shareDeviceList), under way */
  #sharing: Promise<void> = Promise.resolve()

  constructor (components: GroupsComponents) {
    this.#components = components
    this.#logger = components.logger.forComponent('parley:groups:ops')
  }

  start (): void {
    this.#components.events.addEventListener('devices:changed', this.#onDevices)
  }

  /** Once the node runs: a profile saying we speak sessions in each group whose newest profile of ours does not (made by an app from before). */
  afterStart (): void {
    this.#saying = this.saySessions().then(() => {}, (err: unknown) => { this.#logger.error('could not tell our groups that we speak sessions - %e', err) })
  }

  async stop (): Promise<void> {
    this.#components.events.removeEventListener('devices:changed', this.#onDevices)
    await this.#saying
    await this.#sharing
  }

  /** our list changed: the holder tells each group, one change at a time */
  readonly #onDevices = (): void => {
    this.#sharing = this.#sharing.then(async () => { await this.shareDeviceList() })
      .catch((err: unknown) => { this.#logger.error('could not give our groups our device list - %e', err) })
  }

  /**
   * Our profile, as every profile we sign: our name, the relays our circuit
   * addresses go through (where members leave what we miss while away), and
   * that our app speaks sessions (docs/protocols.md, "Sessions are
   * mandatory"): members then hold us to session boxes.
   */
  #profile (): Extract<GroupOpChange, { kind: 'profile' }> {
    const name = memberName(this.#components.identity.require().username)
    const mailboxes = mailboxRelaysOf({ addresses: this.#components.libp2p.getMultiaddrs().map((a) => a.toString()) })
    return { kind: 'profile', name, mailboxes, sessions: true }
  }

  /**
   * In each group we are a member of whose newest profile of ours (applied
   * in the fold) lacks `sessions` — we joined or made it with an app from
   * before, or made it before a create came with a profile — signs one
   * profile with the same name and mailboxes and `sessions`, once: after it
   * our newest profile says so. What members show of us does not change;
   * they hold us to session boxes from then on. Resolves the groups it told.
   */
  async saySessions (): Promise<string[]> {
    const me = this.#me()
    const told: string[] = []
    for (const row of await activeGroups(this.#components.db)) {
      if (row.state !== 'member') continue
      const log = await this.#components.groupBook.log(row.id)
      if (log === undefined || !log.state().members.some((m) => m.peer === me)) continue
      const voided = log.state().void
      const newest = log.ops().filter((op): op is GroupOp & { kind: 'profile' } => op.kind === 'profile' && op.author === me && !voided.has(op.id)).at(-1)
      if (newest?.sessions === true) continue
      await this.#change(row.id, { kind: 'profile', name: newest?.name ?? '', mailboxes: newest?.mailboxes ?? [], sessions: true })
      told.push(row.id)
    }
    return told
  }

  #secret (): Uint8Array {
    return this.#components.identity.privateKey().raw.subarray(0, 32)
  }

  #me (): string {
    return this.#components.groupBook.me()
  }

  #signer (): { author: string, device?: string } {
    return this.#components.groupBook.accounts.signer()
  }

  /** The contacts to add, each with our word that its app speaks sessions where its row is marked (members who are not its contacts then hold it to boxes before its own profile reaches them). */
  async #contactsToAdd (ids: readonly ContactId[]): Promise<InitialMember[]> {
    const people: InitialMember[] = []
    for (const id of new Set(ids)) {
      const contact = await this.#components.db.contacts.get(id)
      if (contact === undefined || contact.state !== 'accepted' || contact.blocked) throw new GroupError('groupMemberNotContact')
      people.push({ peer: contact.peerId, name: memberName(displayName(contact)), ...(contact.sessions === true ? { sessions: true } : {}) })
    }
    return people
  }

  async create (name: string, contactIds: readonly ContactId[]): Promise<string> {
    const members = await this.#contactsToAdd(contactIds)
    if (members.length + 1 > MAX_MEMBERS) throw new GroupError('groupFull', { max: MAX_MEMBERS })
    const me = this.#me()
    const myName = memberName(this.#components.identity.require().username)
    const signer = this.#signer()
    // made on a linked device: the create carries the account's list, which names this device (it speaks for us from the start)
    const list = signer.device === undefined ? undefined : this.#components.devices.ownList()?.signed
    const create = signGroupOp(
      { kind: 'create', name: checkName(name), members: [{ peer: me, name: myName }, ...members], ...(list === undefined ? {} : { list }) },
      { ...signer, lamport: 1, deps: [], at: Date.now() }, this.#secret()
    )
    // and our profile, as a member who accepted signs one: the members learn our mailboxes and that we speak sessions
    const profile = signGroupOp(this.#profile(), { group: create.group, ...signer, lamport: 2, deps: [create.id], at: Date.now() }, this.#secret())
    const log = new GroupLog(create)
    log.add(profile)
    await this.#components.groupBook.hold(log, log.ops(), 'member')
    this.#components.groupCourier.pushOps(log.id, await this.#components.groupBook.accounts.targets(log))
    return log.id
  }

  /**
   * On the holder, whose list changed (a device linked or removed): the new
   * list in each group we are a member of whose set for us is older
   * (docs/protocols.md, "Groups", "Made on a linked device"): members who
   * are not our contacts learn it there, and a removed device speaks for us
   * no more. Resolves the groups told.
   */
  async shareDeviceList (): Promise<string[]> {
    const list = this.#components.devices.ownList()
    const me = this.#me()
    if (list === undefined || this.#signer().device !== undefined) return []
    const told: string[] = []
    for (const row of await activeGroups(this.#components.db)) {
      if (row.state !== 'member') continue
      const log = await this.#components.groupBook.log(row.id)
      if (log === undefined || !log.state().members.some((m) => m.peer === me)) continue
      const set = deviceSetsOf(log).get(me)
      // a group that never heard of our devices, and we have none but this one: nothing to say
      if (set === undefined ? list.devices.every((d) => d.peer === me) : set.version >= list.version) continue
      await this.#change(row.id, { kind: 'devices', list: list.signed })
      told.push(row.id)
    }
    return told
  }

  /** Before a message made on a linked device: the account's list in the group (a `devices` operation) when the group does not name this device yet. */
  async #listed (log: GroupLog): Promise<void> {
    const op = this.#components.groupBook.accounts.devicesOp(log, this.#secret())
    if (op === undefined) return
    await this.#components.groupBook.hold(log, [op])
    this.#components.groupCourier.pushOps(log.id, await this.#components.groupBook.accounts.targets(log), [op.id])
  }

  async #log (groupId: string): Promise<GroupLog> {
    const log = await this.#components.groupBook.log(groupId)
    if (log === undefined) throw new GroupError('groupNotFound')
    return log
  }

  /** Signs `change`, refuses it when the fold would make it void, holds it and tells the members. */
  async #change (groupId: string, change: GroupOpChange, options: { decided?: GroupMembership, alsoTell?: string[] } = {}): Promise<GroupOp> {
    const log = await this.#log(groupId)
    const row = await getGroup(this.#components.db, groupId)
    if (row === undefined || (row.state !== 'member' && row.state !== 'invited')) throw new GroupError('groupNotMember')
    const trial = new GroupLog(log.ops()[0] as GroupOp)
    for (const held of log.ops().slice(1)) trial.add(held)
    // made on a linked device the group does not know yet as ours: the account's list first
    const listed = this.#components.groupBook.accounts.devicesOp(trial, this.#secret())
    if (listed !== undefined) trial.add(listed)
    const deps = trial.heads().slice(0, 16)
    const lamport = 1 + Math.max(...deps.map((d) => trial.get(d)?.lamport ?? 0))
    const op = signGroupOp(change, { group: groupId, ...this.#signer(), lamport, deps, at: Date.now() }, this.#secret())
    trial.add(op)
    const why = trial.state().void.get(op.id)
    if (why === 'not-a-member') throw new GroupError('groupNotMember')
    if (why === 'group-full') throw new GroupError('groupFull', { max: MAX_MEMBERS })
    if (why === 'already-member') throw new GroupError('groupAlreadyMember')
    if (why !== undefined) throw new GroupError('groupNotEntitled')
    const { accounts } = this.#components.groupBook
    const before = await accounts.targets(log)
    const made = listed === undefined ? [op] : [listed, op]
    await this.#components.groupBook.hold(log, made, options.decided)
    const after = await accounts.targets(log)
    // every device of the members that stay holds the rest and needs only these; someone new (or just removed) gets the whole log
    this.#components.groupCourier.pushOps(groupId, before.filter((p) => after.includes(p)), made.map((o) => o.id))
    const told = (await Promise.all((options.alsoTell ?? []).map(async (peer) => accounts.devicesOf(log, peer)))).flat()
    this.#components.groupCourier.pushOps(groupId, [...new Set([...after.filter((p) => !before.includes(p)), ...before.filter((p) => !after.includes(p)), ...told])])
    return op
  }

  async add (groupId: string, contactId: ContactId): Promise<void> {
    const [person] = await this.#contactsToAdd([contactId])
    if (person === undefined) throw new GroupError('groupMemberNotContact')
    await this.#change(groupId, { kind: 'add', ...person })
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

  async setPicture (groupId: string, picture: string): Promise<void> {
    if (picture !== '' && (picture.length > MAX_PICTURE_CHARS || !/^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/.test(picture))) {
      throw new GroupError('groupPictureInvalid', { max: MAX_PICTURE_CHARS })
    }
    await this.#change(groupId, { kind: 'picture', picture })
  }

  async accept (groupId: string): Promise<void> {
    const row = await getGroup(this.#components.db, groupId)
    if (row?.state !== 'invited') throw new GroupError('groupNotInvited')
    await this.#change(groupId, this.#profile(), { decided: 'member' })
  }

  async decline (groupId: string): Promise<void> {
    const row = await getGroup(this.#components.db, groupId)
    if (row?.state !== 'invited') throw new GroupError('groupNotInvited')
    await this.#change(groupId, { kind: 'leave' }, { decided: 'declined' })
  }

  async leave (groupId: string): Promise<void> {
    await this.#change(groupId, { kind: 'leave' })
  }

  /** Any member sets the group's disappearing-messages timer (0 = off); the same value again changes nothing. */
  async setTimer (groupId: string, ttl: number): Promise<void> {
    if (!(CHAT_TIMERS as readonly number[]).includes(ttl)) throw new GroupError('chatTimerInvalid', { seconds: ttl })
    const row = await getGroup(this.#components.db, groupId)
    if (row?.state === 'member' && (row.timer?.ttl ?? 0) === ttl) return
    await this.#change(groupId, { kind: 'timer', ttl })
  }

  /** The timer our messages to the group carry now: its seconds when it is on. */
  #ttl (row: GroupRow): { ttl: number } | Record<string, never> {
    const ttl = row.timer?.ttl ?? 0
    return ttl > 0 ? { ttl } : {}
  }

  async #sendable (groupId: string): Promise<{ log: GroupLog, row: GroupRow }> {
    const log = await this.#log(groupId)
    const row = await getGroup(this.#components.db, groupId)
    if (row?.state !== 'member' || !log.state().members.some((m) => m.peer === this.#me())) throw new GroupError('groupNotMember')
    await this.#listed(log)
    return { log, row }
  }

  /**
   * Stores a file for the group and prepares it (hashing, our copy) as a
   * chat's file is; once ready (fileReady), its offer is signed and sent.
   */
  async sendFile (groupId: string, file: GroupFile): Promise<MessageId> {
    const { row } = await this.#sendable(groupId)
    return this.#components.transfers.sendFile({ ...file, contactId: GROUP_CONTACT_ID, fromPeerId: this.#me(), group: { groupId, lamport: row.lamport + 1 }, ...this.#ttl(row) })
  }

  /** A group file's offer is ready (hashed): sign it with its final hashes and queue it for every other member. */
  async fileReady (id: MessageId): Promise<void> {
    const { db } = this.#components
    const message = await db.messages.get(id)
    if (message?.groupId === undefined || message.file === undefined || message.lamport === undefined) return
    const log = await this.#log(message.groupId)
    await this.#listed(log)
    const signed = signGroupMessage(
      { group: message.groupId, ...this.#signer(), lamport: message.lamport, ops: log.heads().slice(0, 16) },
      {
        type: 'message', id, text: message.body, sentAt: message.sentAt, file: message.file,
        ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }), ...(message.ttl === undefined ? {} : { ttl: message.ttl })
      },
      this.#secret()
    )
    const targets = await this.#components.groupBook.accounts.targets(log)
    await queueGroupDeliveries(db, id, message.groupId, signed.signed, targets, Date.now())
    for (const peer of targets) this.#components.groupCourier.kick(peer)
  }

  /**
   * Sends our stored event about a group message (a reaction, an edit, a
   * delete for everyone, …: each kind a group carries as an event, db/event-kinds.ts;
   * MessageActions stored it with its effect here) to every other member,
   * signed as a group message whose frame is the action, as a chat's outbox
   * would send it.
   */
  async sendEvent (event: EventRow): Promise<void> {
    const { db } = this.#components
    if (event.groupId === undefined || EVENT_KINDS[event.kind].group !== 'event' || event.targets[0] === undefined) return
    const { log, row } = await this.#sendable(event.groupId)
    const signed = signGroupMessage({ group: event.groupId, ...this.#signer(), lamport: row.lamport + 1, ops: log.heads().slice(0, 16) }, eventFrame(event), this.#secret())
    const targets = await this.#components.groupBook.accounts.targets(log)
    await queueGroupEvent(db, event.id, event.groupId, signed.signed, targets, Date.now())
    for (const peer of targets) this.#components.groupCourier.kick(peer)
  }

  /**
   * These received group messages were on screen: marked read here, and,
   * with read receipts on, each author told (only the authors: a receipt
   * is for whoever wrote the message).
   */
  async markRead (groupId: string, ids: readonly MessageId[], receipts: boolean): Promise<void> {
    const { db } = this.#components
    const rows = (await db.messages.bulkGet([...new Set(ids)]))
      .filter((r): r is MessageRow => r !== undefined && r.groupId === groupId && r.direction === 'in' && r.state === 'delivered')
    if (rows.length === 0) return
    const now = Date.now()
    await db.transaction('rw', db.messages, async () => {
      for (const row of rows) await db.messages.update(row.id, { state: 'read', readAt: now })
    })
    if (!receipts) return
    const row = await getGroup(db, groupId)
    const log = await this.#components.groupBook.log(groupId)
    if (row?.state !== 'member' || log === undefined) return
    await this.#listed(log)
    const byAuthor = new Map<string, MessageId[]>()
    for (const r of rows) byAuthor.set(r.fromPeerId, [...byAuthor.get(r.fromPeerId) ?? [], r.id])
    for (const [author, targets] of byAuthor) {
      // to each device of the author (ours, read on another device of ours: to nobody)
      const devices = author === this.#me() ? [] : await this.#components.groupBook.accounts.devicesOf(log, author)
      if (devices.length === 0) continue
      for (let i = 0; i < targets.length; i += MAX_READ_TARGETS) {
        const id = newMessageId(now)
        const receipt = { fromPeerId: this.#me(), kind: 'read' as const, targets: targets.slice(i, i + MAX_READ_TARGETS), sentAt: now }
        const signed = signGroupMessage({ group: groupId, ...this.#signer(), lamport: row.lamport + 1, ops: log.heads().slice(0, 16) }, eventFrame({ id, ...receipt }), this.#secret())
        await queueGroupEvent(db, id, groupId, signed.signed, devices, now, receipt)
      }
      for (const device of devices) this.#components.groupCourier.kick(device)
    }
  }

  /** Signs a text once and queues it for every other member. */
  async send (groupId: string, text: string, replyTo?: MessageId): Promise<MessageId> {
    checkText(text)
    const { log, row } = await this.#sendable(groupId)
    const id = newMessageId()
    const now = Date.now()
    const message = signGroupMessage(
      { group: groupId, ...this.#signer(), lamport: row.lamport + 1, ops: log.heads().slice(0, 16) },
      { type: 'message', id, text, sentAt: now, ...(replyTo === undefined ? {} : { replyTo }), ...this.#ttl(row) },
      this.#secret()
    )
    const targets = await this.#components.groupBook.accounts.targets(log)
    await queueGroupMessage(this.#components.db, { ...groupMessageRow(message, this.#components.groupBook.me(), now), state: 'sent' }, targets, now)
    for (const peer of targets) this.#components.groupCourier.kick(peer)
    return id
  }
}
