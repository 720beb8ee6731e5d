import { peerIdFromString } from '@libp2p/peer-id'
import { bestConnection } from '../kernel/connections.ts'
import type { MessageId, TransferRow } from '../../db/types.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

/** A member that said it cannot serve a file (it has no whole copy yet) is not asked again for this long. */
export const DECLINED_MS = 60_000
/** With no source connected: the author and at most this many other members are dialled at once. */
export const REACH_MEMBERS = 2
/** Least time between two rounds of dials for one file, doubling after each round up to REACH_MAX_MS. */
export const REACH_FIRST_MS = 5_000
export const REACH_MAX_MS = 120_000

export interface GroupSourcesInit {
  libp2p(): Pick<Libp2p, 'getConnections'>
  /** the group's members now, without us */
  members(groupId: string): Promise<readonly string[]>
  /** connects to `peer` if it can; never throws */
  reach(peer: string): void
  /** most files remembered at once (the oldest forgotten) */
  maxFiles: number
  /** for tests: the clock and the random source */
  now?(): number
  random?(): number
}

export interface Source {
  peer: string
  connection: Connection
}

/**
 * Where a group's file is pulled from (issue 24: "from the sender or from any
 * member who already has it"): its author when connected, else any member we
 * are connected to who has not just said it lacks the file. Every copy is
 * checked against the author's signed offer (the whole-file hash and the
 * chunk-list hash), so a member can only serve the author's bytes. With no
 * such member connected, the author and a few others are dialled, in rounds
 * that grow further apart; a new connection makes the pulls look again.
 */
export class GroupSources {
  readonly #init: GroupSourcesInit
  /** file → member → until when it is not asked again */
  readonly #declined = new Map<MessageId, Map<string, number>>()
  /** file → when the next round of dials may go, and the pause after it */
  readonly #rounds = new Map<MessageId, { next: number, pause: number }>()

  constructor (init: GroupSourcesInit) {
    this.#init = init
  }

  /** A connected source of `row` (a group's incoming file), or undefined after dialling some when it is time. */
  async find (row: TransferRow & { groupId: string }): Promise<Source | undefined> {
    const now = this.#now()
    const declined = this.#declined.get(row.id)
    const author = row.peer
    const members = (await this.#init.members(row.groupId)).filter(p => p !== author && (declined?.get(p) ?? 0) <= now)
    const candidates = author === undefined ? members : [author, ...members]
    const libp2p = this.#init.libp2p()
    for (const peer of candidates) {
      const connection = bestConnection(libp2p, peerIdFromString(peer))
      if (connection !== undefined) return { peer, connection }
    }
    this.#dial(row.id, author, members, now)
    return undefined
  }

  /** `peer` (not the author) could not serve `id`: ask others first. */
  declined (id: MessageId, peer: string): void {
    const members = this.#declined.get(id) ?? new Map<string, number>()
    members.set(peer, this.#now() + DECLINED_MS)
    this.#remember(this.#declined, id, members)
  }

  /** `id` is pulled, cancelled or gone: nothing about it is kept. */
  forget (id: MessageId): void {
    this.#declined.delete(id)
    this.#rounds.delete(id)
  }

  #dial (id: MessageId, author: string | undefined, members: readonly string[], now: number): void {
    const round = this.#rounds.get(id) ?? { next: 0, pause: REACH_FIRST_MS }
    if (now < round.next) return
    const random = this.#init.random ?? Math.random
    const pool = [...members]
    const picked: string[] = []
    while (picked.length < REACH_MEMBERS && pool.length > 0) picked.push(...pool.splice(Math.floor(random() * pool.length), 1))
    for (const peer of author === undefined ? picked : [author, ...picked]) this.#init.reach(peer)
    this.#remember(this.#rounds, id, { next: now + round.pause, pause: Math.min(REACH_MAX_MS, round.pause * 2) })
  }

  #remember<V> (map: Map<MessageId, V>, id: MessageId, value: V): void {
    map.delete(id)
    if (map.size >= this.#init.maxFiles) map.delete(map.keys().next().value as MessageId)
    map.set(id, value)
  }

  #now (): number {
    return this.#init.now?.() ?? Date.now()
  }
}
