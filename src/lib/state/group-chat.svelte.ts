/**
 * The other side of an open group chat (routes/Chat.svelte): the group's
 * row, read live, and what the screen says of its members: their names
 * (the group's word for each, else our contact's, else the start of the
 * PeerID), who is online and who types, the names a mention may use, where
 * each of our messages stands with the members (all read it: read), the
 * files' transfers, and the deliveries of the message whose Info is open.
 * Create it during the screen's initialisation; it follows `groupId`
 * (nothing while that is undefined: a contact's chat).
 *
 * ```ts
 * const group = new GroupChat(getNodeManager(), () => groupId, () => chat.shown, () => infoMessage)
 * group.sender(message), group.delivery(message), group.online
 * ```
 */
import type { NodeStatus } from '../contract/index.ts'
import type { ParleyDb } from '../db/db.ts'
import { deliveriesOfMany, groupMessageState } from '../db/group-reads.ts'
import { deliveriesOf } from '../db/groups.ts'
import type { GroupDeliveryRow, GroupMemberRow, GroupRow, MessageId, MessageRow, TransferRow } from '../db/types.ts'
import { memberName, nameInGroup, onlineMembers } from '../model/group-rules.ts'
import { ContactList, GroupView } from './contacts.svelte.ts'
import { getDb, live, type Live } from './live.svelte.ts'

/** What the group's chat reads of the node: our account (the member we are, also on a linked device) and the paths to the members. */
export interface GroupChatNode {
  readonly status: Pick<NodeStatus, 'account' | 'paths'>
}

/** Where our message stands with one member, under the name the group shows. */
export interface MemberDelivery {
  peer: string
  name: string
  state: GroupDeliveryRow['state']
  at: number
}

/** The deliveries of one message, and which. */
interface InfoAnswer {
  id: MessageId | undefined
  rows: readonly GroupDeliveryRow[]
}

const NO_INFO: InfoAnswer = { id: undefined, rows: [] }

/** The ids of `rows` that `keep` keeps, as one key (a change of set is a new query; a change of rows is not). */
function idsKey (rows: readonly MessageRow[], keep: (row: MessageRow) => boolean): string {
  return rows.filter(keep).map(m => m.id).join(' ')
}

export class GroupChat {
  readonly #node: GroupChatNode
  readonly #id: () => string | undefined
  readonly #group: GroupView
  readonly #contacts: ContactList
  readonly #deliveryRows: Live<GroupDeliveryRow[]>
  readonly #transferRows: Live<Array<TransferRow | undefined>>
  readonly #info: Live<InfoAnswer>
  /** our messages on screen, for the state under each */
  readonly #outIds: string
  /** the file messages on screen, for their transfers (a group's files belong to no contact) */
  readonly #fileIds: string
  /** the message whose Info is open */
  readonly #infoId: MessageId | undefined
  readonly #me: string | undefined
  readonly #row: GroupRow | undefined
  readonly #others: readonly GroupMemberRow[]
  readonly #online: readonly GroupMemberRow[]
  readonly #mentions: { names: readonly string[], me: string | undefined }
  readonly #deliveries: ReadonlyMap<string, readonly GroupDeliveryRow[]>
  readonly #transfers: ReadonlyMap<MessageId, TransferRow>
  /** the Info's deliveries, once read for the message it shows (not the one before) */
  readonly #infoRows: readonly MemberDelivery[] | undefined

  /**
   * `shown`: the messages on screen (their deliveries and transfers are
   * read); `info`: the message whose Info is open (its deliveries are read).
   */
  constructor (node: GroupChatNode, groupId: () => string | undefined, shown: () => readonly MessageRow[], info: () => MessageRow | undefined, db: ParleyDb = getDb()) {
    this.#node = node
    this.#id = groupId
    this.#group = new GroupView(groupId, db)
    this.#contacts = new ContactList(() => groupId() !== undefined, db)
    this.#outIds = $derived(groupId() === undefined ? '' : idsKey(shown(), m => m.direction === 'out'))
    this.#fileIds = $derived(groupId() === undefined ? '' : idsKey(shown(), m => m.kind === 'file'))
    this.#infoId = $derived(groupId() === undefined ? undefined : info()?.id)
    this.#deliveryRows = live(async () => {
      const ids = this.#outIds
      return deliveriesOfMany(db, ids === '' ? [] : ids.split(' '))
    }, [], () => this.#outIds)
    this.#transferRows = live(async (): Promise<Array<TransferRow | undefined>> => {
      const ids = this.#fileIds
      return ids === '' ? [] : db.transfers.bulkGet(ids.split(' ') as MessageId[])
    }, [], () => this.#fileIds)
    this.#info = live(async (): Promise<InfoAnswer> => {
      const id = this.#infoId
      return { id, rows: id === undefined ? [] : await deliveriesOf(db, id) }
    }, NO_INFO, () => this.#infoId)
    this.#me = $derived(this.#node.status.account)
    this.#row = $derived(this.#group.row)
    this.#others = $derived((this.#row?.members ?? []).filter(m => m.peer !== this.#me))
    this.#online = $derived(onlineMembers(this.#row, this.#me, this.#node.status.paths))
    this.#mentions = $derived({ names: (this.#row?.members ?? []).map(m => m.name), me: this.#row?.members.find(m => m.peer === this.#me)?.name })
    this.#deliveries = $derived.by(() => {
      // a plain value handed out whole, never changed after
      // eslint-disable-next-line svelte/prefer-svelte-reactivity
      const by = new Map<string, GroupDeliveryRow[]>()
      for (const d of this.#deliveryRows.current) by.set(d.message, [...by.get(d.message) ?? [], d])
      return by
    })
    // a plain value handed out whole, never changed after
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.#transfers = $derived(new Map(this.#transferRows.current.filter((r): r is TransferRow => r !== undefined).map(r => [r.id, r])))
    this.#infoRows = $derived(this.#info.current.id !== this.#infoId
      ? undefined
      : this.#info.current.rows
        .map(d => ({ peer: d.peer, name: this.nameOf(d.peer), state: d.state, at: d.at }))
        .sort((a, b) => a.name.localeCompare(b.name)))
  }

  /** The group's row; undefined while loading, or when there is no such group. */
  get row (): GroupRow | undefined { return this.#row }
  get loaded (): boolean { return this.#group.loaded }
  get error (): unknown { return this.#group.error }
  /** We are a member (not invited, not gone): we can write. */
  get member (): boolean { return this.#row?.state === 'member' }
  /** The other members, whom a mention may name. */
  get others (): readonly GroupMemberRow[] { return this.#others }
  /** The other members we have a connection to now. */
  get online (): readonly GroupMemberRow[] { return this.#online }
  /** Every name a mention may use (members now, and ourselves to mark), and ours. */
  get mentions (): { names: readonly string[], me: string | undefined } { return this.#mentions }

  /** A member's name: the group's word for it, else our contact's, else the start of the PeerID (someone who left). */
  nameOf (peer: string): string {
    return nameInGroup(this.#row, peer, this.#contacts.nameOf(peer))
  }

  /** Who wrote `message`: the group's name for ours (quotes say "You" anyway), the member's for theirs. */
  sender (message: MessageRow): string {
    return message.direction === 'out' ? this.#row?.name ?? '' : this.nameOf(message.fromPeerId)
  }

  /** How the node reaches the author of an incoming message now (none for ours, or offline). */
  pathOf (message: MessageRow): 'direct' | 'relayed' | undefined {
    if (message.direction === 'out') return undefined
    const path = this.#node.status.paths[message.fromPeerId]
    return path === 'direct' || path === 'relayed' ? path : undefined
  }

  /** Our message's state over its deliveries (all members read it: read); undefined for theirs. */
  delivery (message: MessageRow): MessageRow['state'] | undefined {
    return message.direction === 'out' ? groupMessageState(this.#deliveries.get(message.id) ?? []) : undefined
  }

  /** A file message's transfer. */
  transfer (id: MessageId): TransferRow | undefined { return this.#transfers.get(id) }

  /** The members typing to us now, by name (someone no longer a member is not shown); `typers` are PeerIDs. */
  typing (typers: readonly string[]): string[] {
    const row = this.#row
    return typers.filter(peer => row?.members.some(m => m.peer === peer) === true).map(peer => memberName(row, peer))
  }

  /** Who set the disappearing timer, by name; undefined when we did (or no one). */
  get timerSetBy (): string | undefined {
    const timer = this.#row?.timer
    return timer === undefined || timer.by === this.#me ? undefined : this.nameOf(timer.by)
  }

  /** The deliveries of the message whose Info is open, by member name; `loaded` false until read for it. */
  get infoDeliveries (): { rows: readonly MemberDelivery[], loaded: boolean } {
    const rows = this.#infoRows
    return { rows: rows ?? [], loaded: rows !== undefined }
  }

  /** The group this follows now, if any. */
  get groupId (): string | undefined { return this.#id() }
}
