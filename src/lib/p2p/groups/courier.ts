/**
 * Carries group traffic to each member over the best path there is
 * (docs/protocols.md, "Groups", "Delivery"): pairwise, one member at a time,
 * over an open connection or a new one the finder makes (direct or through a
 * relay), never through a relay that could read it. Per member: first the
 * operations it may lack (an invitation is the whole log), then the messages
 * owed to it (`groupDeliveries`), oldest first. A member that cannot be
 * reached is tried again with back-off, and at once when it connects.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { opsParts } from '@parley/protocol/group/boxed'
import { encodeGroupItem, withoutKey } from '@parley/protocol/group/wire'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { KeyedSingleFlight } from '@parley/protocol/scheduling/single-flight'
import { ulidBytes } from '@parley/protocol/ulid'
import { getGroup, owedTo, peersOwed, setDelivery } from '../../db/groups.ts'
import { bestConnection } from '../kernel/connections.ts'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'
import type { ParleyDb } from '../../db/db.ts'
import type { GroupDeliveryRow, MessageId } from '../../db/types.ts'
import type { GroupOp } from '@parley/protocol/group/op'
import type { GroupItem, GroupReply, GroupRequest } from '@parley/protocol/group/wire'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { GroupCourierPort } from '../kernel/ports/groups.ts'
import type { MailboxCourierPort } from '../kernel/ports/messaging.ts'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { GroupBoxesPort } from '../kernel/ports/sessions.ts'
import type { GroupBook, GroupSyncer } from './book.ts'
import type { GroupService } from './group-service.ts'

/** Members whose deliveries are tracked at once (retry plans, owed operations). */
export const MAX_GROUP_PEERS = 4096
/**
 * Back-off of a member that could not be reached, or whose exchange failed
 * (timed out on a loaded node, say). At most a minute: a member that is
 * online but was slow gets what it is owed within a minute of the load
 * going, and one that is offline costs a try a minute (what it is owed is in
 * its mailboxes after the first, and a try with nothing owed ends at once).
 */
export const GROUP_RETRY = { initialMs: 2000, maxMs: 60_000 }
/** Members delivered to at once (the fan-out of one message to a large group goes this wide). */
export const MAX_PARALLEL_DELIVERIES = 8
/** Pages of a sync one exchange may take (MAX_OPS_PER_FRAME each). */
const MAX_SYNC_PAGES = 16

export interface GroupCourierComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'getConnections'> & { services: { group: Pick<GroupService, 'send'> } }
  dialer: Pick<ContactDialer, 'connect' | 'knownAddresses'>
  groupBook: Pick<GroupBook, 'me' | 'log' | 'hold' | 'syncer' | 'accounts'>
  courier: Pick<MailboxCourierPort, 'depositFor'>
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  /** boxes the items for a member's mailboxes on our session with it */
  groupBoxes: Pick<GroupBoxesPort, 'mailboxItem' | 'deposited'>
}

export class GroupCourier implements GroupCourierPort, GroupSyncer, Startable {
  readonly #components: GroupCourierComponents
  readonly #log: Logger
  /** member → group → the operations it may lack ('all': the whole log, as for an invitation) */
  readonly #opsOwed = new Map<string, Map<string, Set<string> | 'all'>>()
  readonly #flights: KeyedSingleFlight<string>
  readonly #retry: KeyedRetry<string>
  /** deliveries running now, and those waiting for one of them to end */
  #running = 0
  #stopped = false
  readonly #queue: Array<() => void> = []
  readonly #onConnect = (event: CustomEvent<PeerId>): void => {
    const peer = event.detail.toString()
    if (this.#opsOwed.has(peer) || this.#retry.planned(peer)) this.kick(peer)
  }

  constructor (components: GroupCourierComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:groups:courier')
    this.#flights = new KeyedSingleFlight<string>({
      run: async (peer) => { await this.#limited(async () => { await this.#deliver(peer) }) },
      onError: (peer, err) => { this.#log.error('delivery to %s failed - %e', peer, err) },
      maxKeys: MAX_GROUP_PEERS
    })
    this.#retry = new KeyedRetry<string>({ backoff: GROUP_RETRY, maxKeys: MAX_GROUP_PEERS, onDue: (peer) => { this.kick(peer) } })
  }

  async start (): Promise<void> {
    this.#stopped = false
    this.#components.groupBook.syncer = this
    this.#components.libp2p.addEventListener('peer:connect', this.#onConnect)
    for (const peer of await peersOwed(this.#components.db)) this.kick(peer)
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('peer:connect', this.#onConnect)
    this.#retry.stop()
    this.#flights.stop()
    this.#opsOwed.clear()
    this.#stopped = true
    for (const release of this.#queue.splice(0)) release()
  }

  /** Runs `task` when fewer than MAX_PARALLEL_DELIVERIES run. */
  async #limited (task: () => Promise<void>): Promise<void> {
    if (this.#running >= MAX_PARALLEL_DELIVERIES) await new Promise<void>((resolve) => { this.#queue.push(resolve) })
    if (this.#stopped) return
    this.#running++
    try {
      await task()
    } finally {
      this.#running--
      this.#queue.shift()?.()
    }
  }

  /** Sends `peer` what is owed to it, now (or right after the run under way). */
  kick (peer: string): void {
    if (peer === this.#components.groupBook.accounts.device()) return
    void this.#flights.request(peer)
  }

  /**
   * `peers` may lack operations of `group`: `only` these (members who hold
   * the rest), or the whole log (a new member, someone just removed).
   */
  pushOps (group: string, peers: readonly string[], only?: readonly string[]): void {
    for (const peer of peers) {
      if (peer === this.#components.groupBook.accounts.device()) continue
      if (!this.#opsOwed.has(peer) && this.#opsOwed.size >= MAX_GROUP_PEERS) continue
      const groups = this.#opsOwed.get(peer) ?? new Map<string, Set<string> | 'all'>()
      const owed = groups.get(group)
      if (only === undefined || owed === 'all') groups.set(group, 'all')
      else groups.set(group, new Set([...owed ?? [], ...only]))
      this.#opsOwed.set(peer, groups)
      this.kick(peer)
    }
  }

  async #connect (peer: string, signal?: AbortSignal): Promise<Connection> {
    const timeout = AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS)
    try {
      return await this.#components.dialer.connect({ peerId: peer }, { signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]) })
    } catch (err) {
      // two members dialling each other at once (both have something to send, as when several
      // accept an invitation together): the dial that loses the race is closed while the other
      // one's connection stays open; use that rather than wait out a retry back-off
      const open = bestConnection(this.#components.libp2p, peerIdFromString(peer))
      if (open !== undefined) return open
      throw err
    }
  }

  async #deliver (peer: string): Promise<void> {
    const owedGroups = this.#opsOwed.get(peer)
    const owed = await owedTo(this.#components.db, peer)
    if ((owedGroups === undefined || owedGroups.size === 0) && owed.length === 0) return
    let connection: Connection
    try {
      connection = await this.#connect(peer)
    } catch (err) {
      this.#log('member %s unreachable - %e', peer, err)
      await this.#toMailbox(peer, owed).catch((e: unknown) => { this.#log('deposit for member %s failed - %e', peer, e) })
      this.#retry.failed(peer)
      return
    }
    const { group: service } = this.#components.libp2p.services
    try {
      for (const [groupId, which] of [...owedGroups ?? []]) {
        const log = await this.#components.groupBook.log(groupId)
        if (log !== undefined) {
          const all = log.ops()
          const reply = await this.#sendOps(connection, groupId, which === 'all' ? all : all.filter((op) => which.has(op.id)))
          // it lacks what these follow: the whole log (what it holds is a duplicate there)
          if (which !== 'all' && reply?.type === 'reply' && (reply.missing?.length ?? 0) > 0) await this.#sendOps(connection, groupId, all)
        }
        // what was sent is settled; what was pushed meanwhile (a new set in its place) stays owed
        if (owedGroups?.get(groupId) === which) owedGroups.delete(groupId)
      }
      if (owedGroups?.size === 0) this.#opsOwed.delete(peer)
      for (const delivery of owed) {
        const request = await this.#requestOf(delivery.message)
        if (request === undefined) {
          await setDelivery(this.#components.db, delivery.message, peer, 'failed', Date.now())
          continue
        }
        let reply = await service.send(connection, request)
        if (reply.type === 'reject' && reply.reason === 'unknown-group') {
          // it lacks the group (an invitation that did not reach it): the log first, then again
          const log = await this.#components.groupBook.log(delivery.group)
          if (log !== undefined) await this.#sendOps(connection, delivery.group, log.ops())
          reply = await service.send(connection, request)
        }
        // over its rate, or our box did not open on its side (our session is new now): again later
        const state = reply.type === 'reply' ? 'delivered' : reply.reason === 'rate-limited' || reply.reason === 'session' ? undefined : 'failed'
        if (state === undefined) throw new Error(`refused for now: ${reply.type === 'reject' ? reply.reason : ''}`)
        await setDelivery(this.#components.db, delivery.message, peer, state, Date.now())
      }
      this.#retry.succeeded(peer)
    } catch (err) {
      this.#log('delivery to %s stopped - %e', peer, err)
      this.#retry.failed(peer)
    }
  }

  /**
   * `peer` cannot be reached: seal what it is owed into its mailboxes, each
   * item in a box of our session with it where it has sessions
   * (docs/protocols.md, "Groups", "Through mailboxes"): the operations of each
   * group it may lack, then each message, which is then 'stored' (on a relay).
   */
  async #toMailbox (peer: string, owed: readonly GroupDeliveryRow[]): Promise<void> {
    const { contactBook, groupBook, db } = this.#components
    const contact = await contactBook.byPeerId(peer)
    const groups = [...new Set([...this.#opsOwed.get(peer)?.keys() ?? [], ...owed.map((d) => d.group)])]
    let mailboxes: string[] = []
    for (const groupId of groups) {
      const row = await getGroup(db, groupId)
      const named = row?.members.find((m) => m.peer === peer)?.mailboxes ?? []
      if (named.length > 0) mailboxes = named
    }
    // a member's linked device (or one of ours): where it was last known to be, which leads to its own relays
    const addresses = contact?.peerId === peer ? contact.addresses : await this.#components.dialer.knownAddresses(peer).catch(() => [])
    const to = { peerId: peer, addresses, mailboxes }
    // a mailbox item carries the whole log: the member may drain it long after other changes
    for (const [groupId, owedNow] of [...this.#opsOwed.get(peer) ?? []]) {
      const log = await groupBook.log(groupId)
      if (log === undefined) continue
      let stored = true
      for (const part of opsParts(log.ops())) {
        // the sender is in the id: the same operations from two members are two items (a relay refuses an id
        // another sender holds for the recipient, and an invitation is taken only from the inviter)
        const id = sha256(new TextEncoder().encode(`parley/mailbox/group-ops/${groupId}/${groupBook.accounts.device()}/${part.map((op) => op.id).join(',')}`)).subarray(0, 16)
        if (!await this.#deposit(to, id, groupId, { type: 'ops', group: groupId, ops: part.map((op) => op.signed) })) stored = false
      }
      if (stored && this.#opsOwed.get(peer)?.get(groupId) === owedNow) this.#opsOwed.get(peer)?.delete(groupId)
    }
    if (this.#opsOwed.get(peer)?.size === 0) this.#opsOwed.delete(peer)
    for (const delivery of owed) {
      const request = await this.#requestOf(delivery.message)
      if (request === undefined) continue
      if (!await this.#deposit(to, ulidBytes(delivery.message), delivery.group, request)) return
      await setDelivery(db, delivery.message, peer, 'stored', Date.now())
    }
  }

  /**
   * Deposits one item for a member, in a box of our session with it where it
   * has sessions (a file's key only there), with a push hint naming `group`
   * where the member gave us its notification key; resolves whether a relay took it.
   */
  async #deposit (to: { peerId: string, addresses: string[], mailboxes: string[] }, id: Uint8Array, group: string, item: GroupItem): Promise<boolean> {
    const { courier, groupBoxes } = this.#components
    const box = await groupBoxes.mailboxItem(to.peerId, id, encodeGroupItem(item), to.mailboxes)
    if (await courier.depositFor(to, box ?? encodeGroupItem(withoutKey(item)), { kind: 'group', chat: group }) === 0) return false
    if (box !== undefined) await groupBoxes.deposited(to.peerId, id)
    return true
  }

  /** Sends operations in frames that each fit a session box; resolves the last reply. */
  async #sendOps (connection: Connection, groupId: string, ops: readonly GroupOp[]): Promise<GroupReply | undefined> {
    let reply: GroupReply | undefined
    for (const part of opsParts(ops)) {
      reply = await this.#components.libp2p.services.group.send(connection, { type: 'ops', group: groupId, ops: part.map((op) => op.signed) })
      // our box did not open on its side (our session is new now): they stay owed, and go again later
      if (reply.type === 'reject' && reply.reason === 'session') throw new Error('the member could not open our box')
      if (reply.type === 'reject') this.#log('refused the operations of %s: %s', groupId, reply.reason)
    }
    return reply
  }

  /**
   * What a delivery carries: a message of ours (with its file's key, which
   * goes only in a box), or an event (reaction, edit, delete, read) of ours;
   * undefined when it is gone.
   */
  async #requestOf (id: string): Promise<Extract<GroupRequest, { type: 'message' }> | undefined> {
    const { db } = this.#components
    const row = await db.messages.get(id as MessageId) ?? await db.events.get(id)
    if (row?.groupSigned === undefined) return undefined
    const key = 'file' in row && row.file !== undefined ? (await db.transfers.get(id as MessageId))?.key : undefined
    return key === undefined ? { type: 'message', message: row.groupSigned } : { type: 'message', message: row.groupSigned, key }
  }

  reach (peer: string): void {
    this.#connect(peer).catch((err: unknown) => { this.#log('could not reach %s - %e', peer, err) })
  }

  /** Fetches the operations `peer` holds of `group` that we lack. */
  async syncFrom (peer: string, group: string, signal?: AbortSignal): Promise<void> {
    const book = this.#components.groupBook
    const connection = await this.#connect(peer, signal)
    for (let page = 0; page < MAX_SYNC_PAGES; page++) {
      const log = await book.log(group)
      if (log === undefined) return
      const reply = await this.#components.libp2p.services.group.send(connection, { type: 'sync', group, heads: log.heads() }, signal === undefined ? {} : { signal })
      if (reply.type === 'reject' || reply.ops === undefined) return
      await book.hold(log, reply.ops.map((s) => log.decode(s)))
      if (reply.more !== true) return
    }
  }
}

