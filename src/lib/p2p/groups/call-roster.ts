/**
 * Who a group call rings and whom it takes frames from (docs/protocols.md,
 * "Group calls"): the devices group delivery knows for each member, and the
 * member a device speaks for, by our fold; only in a group we are a member
 * of (an invitation is not membership).
 */
import { getGroup } from '../../db/groups.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { GroupCallRosterPort } from '../kernel/ports/groups.ts'
import type { GroupBook } from './book.ts'
import type { GroupLog } from '@parley/protocol/group/log'

export interface GroupCallRosterComponents {
  db: ParleyDb
  groupBook: Pick<GroupBook, 'log' | 'accounts' | 'me'>
}

export class GroupCallRoster implements GroupCallRosterPort {
  readonly #components: GroupCallRosterComponents

  constructor (components: GroupCallRosterComponents) {
    this.#components = components
  }

  me (): string {
    return this.#components.groupBook.me()
  }

  device (): string {
    return this.#components.groupBook.accounts.device()
  }

  async devices (groupId: string): Promise<string[] | undefined> {
    const log = await this.#ours(groupId)
    return log === undefined ? undefined : this.#components.groupBook.accounts.targets(log)
  }

  async memberOf (groupId: string, peer: string): Promise<string | undefined> {
    const log = await this.#ours(groupId)
    if (log === undefined) return undefined
    if (peer === this.device()) return this.me()
    return this.#components.groupBook.accounts.speakerOf(log, peer)
  }

  /** The group's log when we are a member of it now; else undefined. */
  async #ours (groupId: string): Promise<GroupLog | undefined> {
    const { groupBook, db } = this.#components
    const log = await groupBook.log(groupId)
    if (log === undefined || !log.state().members.some((m) => m.peer === groupBook.me())) return undefined
    return (await getGroup(db, groupId))?.state === 'member' ? log : undefined
  }
}
