/**
 * What the user does with groups (the contract's group methods), for the
 * chats list's invitations, the New group screen and the group's info: one
 * change at a time, its failure in words. Each screen makes its own; the
 * rows the changes lead to come back through liveQuery.
 *
 * ```ts
 * const groups = new GroupActions(getNodeManager())
 * await groups.accept(groupId)   // groups.busy names it meanwhile; groups.error says why it failed
 * ```
 */
import { toBase64 } from '@parley/protocol/base64'
import { MAX_PICTURE_CHARS } from '@parley/protocol/group/constants'
import type { NodeStatus } from '../contract/index.ts'
import type { ContactId, GroupMemberRow, GroupRow } from '../db/types.ts'
import { makeThumbnail } from '../files/media.ts'
import { t } from '../i18n/index.ts'
import { mayManage, sortedMembers } from '../model/group-rules.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { handleError } from '../i18n/handle-error.ts'

export type GroupsNode = Pick<NodeManager, 'call'>

/** A group picture's longer side, in pixels: it shows at most 3.5 rem across. */
export const GROUP_PICTURE_PX = 160

/**
 * `file` as a group picture: scaled down and encoded (WebP, else JPEG) to fit
 * the protocol's MAX_PICTURE_CHARS as a data: URL; null when it is no image
 * this browser can decode.
 */
export async function groupPicture (file: Blob): Promise<string | null> {
  const prefix = 'data:image/webp;base64,'.length
  const thumb = await makeThumbnail(file, { maxPx: GROUP_PICTURE_PX, maxBytes: Math.floor((MAX_PICTURE_CHARS - prefix) * 3 / 4) })
  return thumb === null ? null : `data:${thumb.mime};base64,${toBase64(thumb.bytes)}`
}

/** Group info's members as we stand among them. */
export interface MembersView {
  /** the member we are: our account's PeerID; undefined before the node knows it */
  me: string | undefined
  /** by role, ours first among its role, then by name */
  members: GroupMemberRow[]
  /** whether we rename the group, add and remove members (the owner and admins) */
  manage: boolean
}

/**
 * The members of `row` from where we stand: we are the account (`status.account`),
 * also on a linked device, whose own PeerID (`status.peerId`) is no member.
 */
export function membersView (row: GroupRow | undefined, status: Pick<NodeStatus, 'account'>): MembersView {
  const me = status.account
  return { me, members: sortedMembers(row?.members ?? [], me), manage: mayManage(row, me) }
}

/** Which change is on its way: its kind and what it is about (a group, or a member of it). */
export interface GroupBusy {
  kind: 'create' | 'accept' | 'decline' | 'rename' | 'picture' | 'add' | 'remove' | 'role' | 'leave'
  /** the group's id (none while creating) */
  groupId?: string
  /** the member it is about (remove, role) */
  peer?: string
}

export class GroupActions {
  readonly #node: GroupsNode
  #busy = $state.raw<GroupBusy | undefined>(undefined)
  #error = $state('')

  constructor (node: GroupsNode) {
    this.#node = node
  }

  /** The change on its way (the screens disable their buttons meanwhile). */
  get busy (): GroupBusy | undefined {
    return this.#busy
  }

  /** Why the last change failed, in words; '' when it did not. */
  get error (): string {
    return this.#error
  }

  /** Runs `change` unless another one is on its way; true when it went through. */
  async #run (busy: GroupBusy, method: string, change: () => Promise<unknown>): Promise<boolean> {
    if (this.#busy !== undefined) return false
    this.#busy = busy
    this.#error = ''
    try {
      await change()
      return true
    } catch (err) {
      this.#error = handleError(err, method)
      return false
    } finally {
      this.#busy = undefined
    }
  }

  /** Makes a group with these contacts; its id, or undefined when it failed (see `error`). */
  async create (name: string, contactIds: readonly ContactId[]): Promise<string | undefined> {
    let made: string | undefined
    await this.#run({ kind: 'create' }, 'createGroup', async () => {
      made = (await this.#node.call('createGroup', { name: name.trim(), contactIds: [...contactIds] })).groupId
    })
    return made
  }

  async accept (groupId: string): Promise<boolean> {
    return this.#run({ kind: 'accept', groupId }, 'acceptGroup', async () => this.#node.call('acceptGroup', { groupId }))
  }

  async decline (groupId: string): Promise<boolean> {
    return this.#run({ kind: 'decline', groupId }, 'declineGroup', async () => this.#node.call('declineGroup', { groupId }))
  }

  async rename (groupId: string, name: string): Promise<boolean> {
    return this.#run({ kind: 'rename', groupId }, 'renameGroup', async () => this.#node.call('renameGroup', { groupId, name: name.trim() }))
  }

  /** Sets the group's picture from an image file ('' removes it); a file that is no image is said in words. */
  async setPicture (groupId: string, file: Blob | ''): Promise<boolean> {
    return this.#run({ kind: 'picture', groupId }, 'setGroupPicture', async () => {
      const picture = file === '' ? '' : await groupPicture(file)
      if (picture === null) throw new Error(t('groups.pictureNotImage'))
      await this.#node.call('setGroupPicture', { groupId, picture })
    })
  }

  /** Adds contacts one after another; stops at the first that fails (those before it are in). */
  async add (groupId: string, contactIds: readonly ContactId[]): Promise<boolean> {
    return this.#run({ kind: 'add', groupId }, 'addGroupMember', async () => {
      for (const contactId of contactIds) await this.#node.call('addGroupMember', { groupId, contactId })
    })
  }

  async remove (groupId: string, peer: string): Promise<boolean> {
    return this.#run({ kind: 'remove', groupId, peer }, 'removeGroupMember', async () => this.#node.call('removeGroupMember', { groupId, peerId: peer }))
  }

  async setRole (groupId: string, peer: string, role: 'admin' | 'member'): Promise<boolean> {
    return this.#run({ kind: 'role', groupId, peer }, 'setGroupRole', async () => this.#node.call('setGroupRole', { groupId, peerId: peer, role }))
  }

  async leave (groupId: string): Promise<boolean> {
    return this.#run({ kind: 'leave', groupId }, 'leaveGroup', async () => this.#node.call('leaveGroup', { groupId }))
  }

  /** Forgets the last failure. */
  clearError (): void {
    this.#error = ''
  }

  reset (): void {
    this.#busy = undefined
    this.#error = ''
  }
}
