/**
 * The groups this browser holds (docs/protocols.md, "Groups"): each group's
 * operation log (verified operations, loaded from IndexedDB on first use and
 * kept for the most recently used groups), its fold written back as the
 * group row, and the desk of `/parley/group/1.0.0`: what another member may
 * send us (operations, a sync, a message) and what we answer.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_OPS_PER_GROUP } from '@parley/protocol/group/constants'
import { GroupLog } from '@parley/protocol/group/log'
import { decodeGroupMessage } from '@parley/protocol/group/message'
import { decodeGroupOp } from '@parley/protocol/group/op'
import { MAX_OPS_PER_FRAME } from '@parley/protocol/group/wire'
import { EVENT_KINDS, eventFromFrame } from '../../db/event-kinds.ts'
import { storeEvent } from '../../db/events.ts'
import { messagingSettings } from '../../db/settings.ts'
import { groupRow } from './fold.ts'
import { groupMessageRow } from './message-row.ts'
import { WaitingMessages } from './waiting.ts'
import { GroupAccounts } from './accounts.ts'
import { deviceSpeaksFor } from '@parley/protocol/group/device'
import { dropDeliveries, getGroup, GROUP_CONTACT_ID, groupOps, raiseLamport, saveGroup, setDelivery, storeGroupMessage } from '../../db/groups.ts'
import type { ChatEventFrame } from '@parley/protocol/chat/codec'
import type { GroupMessage } from '@parley/protocol/group/message'
import type { GroupOp, SignedGroupOp } from '@parley/protocol/group/op'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'
import type { AbortOptions, ComponentLogger, Logger, PeerId, Startable } from '@libp2p/interface'
import type { ParleyDb } from '../../db/db.ts'
import type { GroupMembership, GroupRow, MessageId } from '../../db/types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'

/** Group logs kept in memory; the least recently used goes first. */
export const MAX_LOADED_GROUPS = 128
/** Messages of groups not held yet (their invitation still on its way), kept until it comes; the oldest go first. */
export const MAX_WAITING_MESSAGES = 512

export interface GroupBookComponents {
  db: ParleyDb
  logger: ComponentLogger
  contactBook: Pick<ContactBookPort, 'isAccepted' | 'byPeerId'>
  /** this device's PeerID (on a linked device, not the account: devices.account) */
  libp2p: { peerId: PeerId }
  /** the account we are a member as, and its list (our own other devices) */
  devices: Pick<DevicesPort, 'account' | 'ownList'>
  /** file offers in groups: stored with their transfer, pulled from the author */
  transfers: Pick<TransfersPort, 'receive' | 'forget'>
  /** where a member's typing is told (`groupTyping`) */
  events: ParleyEventTarget
}

/** What the book asks of whoever sends for it (the courier): fetch operations a peer holds. */
export interface GroupSyncer {
  syncFrom(peer: string, group: string, signal?: AbortSignal): Promise<void>
  /** connects to `peer` if it can (a file's author, to pull the file from); never throws */
  reach(peer: string): void
}

export class GroupBook implements GroupBookPort, Startable {
  readonly #components: GroupBookComponents
  readonly #log: Logger
  readonly #logs = new Map<string, GroupLog>()
  /** the last change of each group under way (#locked); settled ones are removed */
  readonly #locks = new Map<string, Promise<void>>()
  readonly #waiting = new WaitingMessages(MAX_WAITING_MESSAGES)
  /**
   * Who said in a group we hold that its app speaks sessions: the union of
   * the rows' `sessions`, read once (asked for every item sent or taken, so
   * not read again each time) and grown as #hold writes rows. Only #hold
   * writes group rows, and a peer's word is kept for good, so it only grows;
   * it holds at most the distinct authors of the operations we hold (a
   * group holds at most 4,096).
   */
  #sessionPeers: Promise<Set<string>> | undefined
  /** set by the feature: the courier, which can reach peers */
  syncer: GroupSyncer | undefined
  /** who we are in groups, and the devices of members */
  readonly accounts: GroupAccounts

  constructor (components: GroupBookComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:groups')
    this.accounts = new GroupAccounts(components)
  }

  start (): void {}
  stop (): void {
    this.#logs.clear()
    this.#waiting.clear()
    this.#sessionPeers = undefined
  }

  /** The member we are: the account (also on a linked device, whose own PeerID is `accounts.device()`). */
  me (): string {
    return this.accounts.me()
  }

  /** The group's log, from memory or IndexedDB; undefined when we hold no such group. */
  async log (groupId: string): Promise<GroupLog | undefined> {
    const cached = this.#logs.get(groupId)
    if (cached !== undefined) {
      this.#logs.delete(groupId)
      this.#logs.set(groupId, cached)
      return cached
    }
    const rows = await groupOps(this.#components.db, groupId)
    if (rows.length === 0) return undefined
    // verified when they were stored here: not again on every load (a verify costs about a millisecond)
    const ops = rows.map((row) => decodeGroupOp(row.signed, { verified: true })).sort((a, b) => a.lamport - b.lamport)
    const create = ops.find((op) => op.kind === 'create' && op.group === groupId)
    if (create === undefined) return undefined
    const log = new GroupLog(create)
    for (const op of ops) if (op !== create) log.add(op)
    this.#remember(log)
    return log
  }

  #remember (log: GroupLog): void {
    this.#logs.set(log.id, log)
    while (this.#logs.size > MAX_LOADED_GROUPS) {
      const oldest = this.#logs.keys().next().value
      if (oldest === undefined) break
      this.#logs.delete(oldest)
    }
  }

  /**
   * Holds verified operations (ours or a member's) and writes the new fold.
   * `decided`: our own answer to an invitation, which the operations alone
   * do not say. Returns the operations that were new.
   */
  async hold (log: GroupLog, ops: readonly GroupOp[], decided?: GroupMembership): Promise<GroupOp[]> {
    const added = await this.#locked(log.id, async () => this.#hold(log, ops, decided))
    await this.#release(log.id)
    return added
  }

  /** Runs `task` after every earlier task of the same group: one change of a group's log and row at a time. */
  async #locked<T> (groupId: string, task: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(groupId) ?? Promise.resolve()
    const run = before.then(task)
    const settled = run.then(() => {}, () => {})
    this.#locks.set(groupId, settled)
    void settled.then(() => { if (this.#locks.get(groupId) === settled) this.#locks.delete(groupId) })
    return run
  }

  async #hold (log: GroupLog, ops: readonly GroupOp[], decided?: GroupMembership): Promise<GroupOp[]> {
    const added: GroupOp[] = []
    for (const op of ops) {
      const result = log.add(op)
      if (result.status === 'added') added.push(op, ...result.released)
    }
    const before = await getGroup(this.#components.db, log.id)
    if (added.length === 0 && decided === undefined && before !== undefined) return added
    const row = groupRow(log, before, decided, this.me(), Date.now())
    // a group new here: every operation the log holds (its create came with the log, not through add)
    const toStore = before === undefined ? log.ops() : added
    await saveGroup(this.#components.db, row, toStore.map((op) => ({ id: op.id, group: op.group, lamport: op.lamport, signed: op.signed })))
    this.#remember(log)
    // after the write: a read that started before it has it or gets it here; none started yet
    // will read it with the rest (holding a group does not start one: it scans every group row)
    if (this.#sessionPeers !== undefined) {
      const saidSessions = await this.#sessionPeers
      for (const peer of [...row.sessions ?? [], ...row.devices ?? []]) saidSessions.add(peer)
    }
    // whoever is no longer a member is owed nothing more (the operation saying so still goes to them)
    for (const peer of log.state().former.keys()) await dropDeliveries(this.#components.db, log.id, peer)
    // nor is a device its account's newer list in the group no longer names
    for (const peer of before?.devices ?? []) if (row.devices?.includes(peer) !== true) await dropDeliveries(this.#components.db, log.id, peer)
    return added
  }

  /** Messages that came before their group, now that it is here. */
  async #release (groupId: string): Promise<void> {
    if (!this.#logs.has(groupId)) return
    for (const { from, signed, key } of this.#waiting.take(groupId)) {
      await this.#receiveMessage(from, signed, undefined, key).catch((err: unknown) => { this.#log('a waiting message of %s refused - %e', groupId, err) })
    }
  }

  /** Whether `peer` is a member of `group` now (by our fold), or a device of one. */
  async member (groupId: string, peer: string): Promise<boolean> {
    const log = await this.log(groupId)
    return log !== undefined && await this.accounts.speakerOf(log, peer) !== undefined
  }

  /** Whether `peer` is a member of a group we are a member of, or a device of one (its row): someone we may connect to directly. */
  async sharesGroup (peer: string): Promise<boolean> {
    if (peer === this.accounts.device()) return false
    const rows = await this.#components.db.groups.where('state').equals('member').toArray()
    return rows.some((row) => named(row, peer)) || (rows.length > 0 && this.accounts.own().listed.includes(peer))
  }

  /** Whether `peer` is a member of any group we hold (or a device of one, or of our own account), whatever our own part in it: it may send us group items. */
  async isGroupPeer (peer: string): Promise<boolean> {
    if (peer === this.accounts.device()) return false
    let found = false
    let any = false
    await this.#components.db.groups.each((row) => { any = true; if (!found) found = named(row, peer) })
    return found || (any && this.accounts.own().listed.includes(peer))
  }

  /** The mailbox relays `peer` named in a group we hold (its newest `profile` there), or none. */
  async mailboxesOf (peer: string): Promise<string[]> {
    let named: string[] = []
    await this.#components.db.groups.each((row) => {
      const mailboxes = row.members.find((m) => m.peer === peer)?.mailboxes ?? []
      if (named.length === 0 && mailboxes.length > 0) named = [...mailboxes]
    })
    return named
  }

  /** Whether `peer` said, in a profile of a group we hold (its signed word), that its app speaks sessions; a linked device's app does (a `devices` operation names it). */
  async saidSessions (peer: string): Promise<boolean> {
    return (await this.#saidSessions()).has(peer)
  }

  async #saidSessions (): Promise<Set<string>> {
    if (this.#sessionPeers === undefined) {
      const reading = (async () => {
        const peers = new Set<string>()
        await this.#components.db.groups.each((row) => { for (const peer of [...row.sessions ?? [], ...row.devices ?? []]) peers.add(peer) })
        return peers
      })()
      this.#sessionPeers = reading
      // a failed read is tried again next time
      reading.catch(() => { if (this.#sessionPeers === reading) this.#sessionPeers = undefined })
    }
    return this.#sessionPeers
  }

  /** The members of `group` now (by our fold), without us; none when we do not know it. */
  async members (groupId: string): Promise<string[]> {
    const log = await this.log(groupId)
    return log?.state().members.map((m) => m.peer).filter((peer) => peer !== this.me()) ?? []
  }

  // ------------------------------------------------------------ the desk

  async receive (from: PeerId, request: GroupRequest, options: AbortOptions = {}): Promise<GroupReply> {
    try {
      switch (request.type) {
        case 'ops': return await this.#receiveOps(from.toString(), request.group, request.ops)
        case 'sync': return await this.#answerSync(from.toString(), request.group, request.heads)
        case 'message': return await this.#receiveMessage(from.toString(), request.message, options.signal, request.key)
      }
    } catch (err) {
      this.#log('group request from %p refused - %e', from, err)
      return { type: 'reject', reason: 'invalid' }
    }
  }

  async #receiveOps (from: string, groupId: string, signed: readonly SignedGroupOp[]): Promise<GroupReply> {
    const reply = await this.#locked(groupId, async (): Promise<GroupReply> => {
      let log = await this.log(groupId)
      // the operations we hold already are not checked again (a whole log, as a mailbox brings it)
      const ops = signed.map((s) => log?.decode(s) ?? decodeGroupOp(s))
      if (ops.some((op) => op.group !== groupId)) return { type: 'reject', reason: 'invalid' }
      if (log === undefined) {
        // a group we do not hold: an invitation, taken only from an accepted contact (or another device of ours: one made or taken there), only if it makes us a member
        const create = ops.find((op) => op.kind === 'create')
        if (create === undefined) return { type: 'reject', reason: 'unknown-group' }
        const ours = this.accounts.own().listed.includes(from)
        if (!ours && !await this.#components.contactBook.isAccepted(peerIdFromString(from))) return { type: 'reject', reason: 'not-a-member' }
        const trial = new GroupLog(create)
        for (const op of ops) if (op !== create) trial.add(op)
        // from the inviter (any of its devices), or from another device of ours (what we made or took there)
        if (!trial.state().members.some((m) => m.peer === this.me()) || await this.accounts.speakerOf(trial, from) === undefined) {
          return { type: 'reject', reason: 'not-a-member' }
        }
        log = new GroupLog(create)
      } else if (await this.accounts.speakerOf(log, from, true) === undefined) {
        return { type: 'reject', reason: 'not-a-member' }
      }
      if (log.size + ops.length > MAX_OPS_PER_GROUP) return { type: 'reject', reason: 'invalid' }
      await this.#hold(log, ops)
      const missing = log.missing()
      return missing.length === 0 ? { type: 'reply', status: 'ok' } : { type: 'reply', status: 'ok', missing: missing.slice(0, 64) }
    })
    await this.#release(groupId)
    return reply
  }

  async #answerSync (from: string, groupId: string, heads: readonly string[]): Promise<GroupReply> {
    const log = await this.log(groupId)
    if (log === undefined) return { type: 'reject', reason: 'unknown-group' }
    // members' devices, and whoever was one (a removed member learns of its removal)
    if (await this.accounts.speakerOf(log, from, true) === undefined) return { type: 'reject', reason: 'not-a-member' }
    const ops = log.since(heads)
    return { type: 'reply', status: 'ok', ops: ops.slice(0, MAX_OPS_PER_FRAME).map((op) => op.signed), more: ops.length > MAX_OPS_PER_FRAME }
  }

  /** A member's message; `key`, its file's key, came in a box beside it (not in the signed body). */
  async #receiveMessage (from: string, signed: { body: string, sig: string }, signal?: AbortSignal, key?: Uint8Array): Promise<GroupReply> {
    const message = decodeGroupMessage(signed)
    if (key !== undefined && (message.frame.type !== 'message' || message.frame.file === undefined)) return { type: 'reject', reason: 'invalid' }
    const row = await getGroup(this.#components.db, message.group)
    let log = await this.log(message.group)
    if (row === undefined || log === undefined) {
      this.#waiting.add(message.group, key === undefined ? { from, signed } : { from, signed, key })
      return { type: 'reject', reason: 'unknown-group' }
    }
    if (row.state !== 'member' && row.state !== 'invited') return { type: 'reject', reason: 'not-a-member' }
    if (message.ops.some((id) => !log?.has(id))) {
      // best effort: without them, membership is judged on what we hold
      await this.syncer?.syncFrom(from, message.group, signal).catch((err: unknown) => { this.#log('sync from %s failed - %e', from, err) })
      log = await this.log(message.group) ?? log
    }
    const members = log.state().members
    if (!members.some((m) => m.peer === message.author) || await this.accounts.speakerOf(log, from) === undefined) return { type: 'reject', reason: 'not-a-member' }
    // made on a device the author's set in our fold does not name (never added, or removed as we know): refused
    if (message.device !== undefined && !deviceSpeaksFor(log.state(), message.author, message.device)) return { type: 'reject', reason: 'invalid' }
    const frame = message.frame
    if (frame.type === 'typing') {
      // told only by the device it is typed on, over a direct exchange; shown, never stored
      if (from !== (message.device ?? message.author)) return { type: 'reject', reason: 'invalid' }
      if ((await messagingSettings(this.#components.db)).typing) {
        this.#components.events.safeDispatchEvent('groupTyping', { detail: { groupId: message.group, peer: message.author, typing: frame.typing } })
      }
      return { type: 'reply', status: 'ok' }
    }
    if (frame.type !== 'message') return this.#receiveAction(message, frame)
    // its author's message ends their typing, as a contact's does: told before the write starts,
    // so a tab hides the typing line before the stored row can reach it (the inbox does the same
    // for a contact's message with its 'message' event)
    this.#components.events.safeDispatchEvent('groupTyping', { detail: { groupId: message.group, peer: message.author, typing: false } })
    if (frame.file !== undefined) {
      const outcome = await this.#components.transfers.receive({
        id: frame.id as MessageId,
        contactId: GROUP_CONTACT_ID,
        fromPeerId: message.author,
        // made on a linked device of the author: that device holds the file (the account's others do not)
        ...(message.device === undefined ? {} : { device: message.device }),
        // ours, from another device of our account: shown as ours, as its text is (below)
        ...(message.author === this.me() ? { ours: true } : {}),
        body: frame.text,
        sentAt: frame.sentAt,
        receivedAt: Date.now(),
        file: key === undefined ? frame.file : { ...frame.file, key },
        ...(frame.replyTo === undefined ? {} : { replyTo: frame.replyTo as MessageId }),
        ...(frame.ttl === undefined ? {} : { ttl: frame.ttl }),
        group: { groupId: message.group, lamport: message.lamport, groupSigned: message.signed }
      })
      // the file comes from its author: be connected to it
      if (outcome === 'stored' && (message.device ?? message.author) !== from) this.syncer?.reach(message.device ?? message.author)
      await raiseLamport(this.#components.db, message.group, message.lamport)
      return { type: 'reply', status: outcome }
    }
    // ours, made on another device of our account: shown as ours, sent (that device delivers it)
    const taken = groupMessageRow(message, this.me(), Date.now())
    const outcome = await storeGroupMessage(this.#components.db, taken.direction === 'out' ? { ...taken, state: 'sent' } : taken)
    return { type: 'reply', status: outcome }
  }

  /**
   * An action in a group, as its kind says (db/event-kinds.ts `group`): a
   * reaction, an edit, a delete, … applies to the group's message as in a
   * chat (db/events.ts: only the author edits or deletes, within the
   * windows); a read receipt marks our messages read by that member. A
   * group's disappearing timer is an operation (`timer`), not an action: its
   * messages carry their `ttl` as a chat's do.
   */
  async #receiveAction (message: GroupMessage, frame: ChatEventFrame): Promise<GroupReply> {
    const { db } = this.#components
    const now = Date.now()
    const event = eventFromFrame(frame, { contactId: GROUP_CONTACT_ID, groupId: message.group, fromPeerId: message.author, receivedAt: now })
    const carried = EVENT_KINDS[event.kind].group
    if (carried === 'receipt') {
      // read by the member: on each of its devices' deliveries
      const log = await this.log(message.group)
      const devices = log === undefined ? [message.author] : await this.accounts.devicesOf(log, message.author)
      const ours = (await db.messages.bulkGet(event.targets)).filter((r) => r?.groupId === message.group && r.direction === 'out')
      for (const row of ours) for (const device of devices) if (row !== undefined) await setDelivery(db, row.id, device, 'read', now)
      return { type: 'reply', status: 'stored' }
    }
    if (carried !== 'event') return { type: 'reject', reason: 'invalid' }
    const result = await storeEvent(db, event)
    if (result.outcome === 'not-allowed') return { type: 'reject', reason: 'invalid' }
    if (result.filesGone.length > 0) await this.#components.transfers.forget(result.filesGone)
    return { type: 'reply', status: result.outcome }
  }
}

/** Whether the group's row names `peer`: a member, or a member's device. */
function named (row: GroupRow, peer: string): boolean {
  return row.members.some((m) => m.peer === peer) || row.devices?.includes(peer) === true
}
