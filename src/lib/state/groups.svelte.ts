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
import type { ContactId } from '../db/types.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { handleError } from './handle-error.ts'

export type GroupsNode = Pick<NodeManager, 'call'>

/** Which change is on its way: its kind and what it is about (a group, or a member of it). */
export interface GroupBusy {
  kind: 'create' | 'accept' | 'decline' | 'rename' | 'add' | 'remove' | 'role' | 'leave'
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
