/**
 * The listener of `/parley/sync/1.0.0` (docs/protocols.md, "Own devices in
 * step"): a box from a sibling, a device that our account's signed list
 * names (verified against the account key, devices/), is opened on our
 * session with it and its item applied (apply.ts) in the transaction that
 * keeps the session's new state. A box from any other peer is refused
 * unopened ('not-a-sibling'): nothing is stored, no session is started.
 * It also takes the items a sibling left in our mailbox (SyncIntakePort:
 * messaging's intake opens their boxes).
 */
import { InvalidMessageError } from '@libp2p/interface'
import { decodeSyncItem } from '@parley/protocol/sync/wire'
import { sessionTables } from '../../db/sessions.ts'
import { authorOf } from '../kernel/author.ts'
import { tell } from '../kernel/events.ts'
import { openOrSay, sessionPeerOf } from '../sessions/index.ts'
import { applySyncItem, applyTables } from './apply.ts'
import { siblingsOf } from './courier.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { Desk } from '../kernel/desk-service.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { OpenedBox, SessionsPort } from '../kernel/ports/sessions.ts'
import type { SyncIntakePort } from '../kernel/ports/sync.ts'
import type { Applied } from './apply.ts'
import type { SyncItem, SyncReply } from '@parley/protocol/sync/wire'
import type { AbortOptions, ComponentLogger, Logger, PeerId } from '@libp2p/interface'

export interface SyncListenerComponents {
  db: ParleyDb
  logger: ComponentLogger
  identity: Pick<IdentityPort, 'require'>
  devices: Pick<DevicesPort, 'ownList' | 'account'>
  sessions: SessionsPort
  /** told `contact:deleted` when an item deleted a contact (its sessions go, presence forgets it) */
  events: Pick<ParleyEventTarget, 'safeDispatchEvent'>
}

export class SyncListener implements Desk<Uint8Array, SyncReply>, SyncIntakePort {
  readonly #components: SyncListenerComponents
  readonly #log: Logger
  readonly #now: () => number

  constructor (components: SyncListenerComponents, now: () => number = Date.now) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sync:listener')
    this.#now = now
  }

  async receive (from: PeerId, box: Uint8Array, _options: AbortOptions): Promise<SyncReply> {
    const { sessions } = this.#components
    const peer = from.toString()
    if (!this.isSibling(peer)) {
      this.#log('refused a sync box from %s: not a device of our list', peer)
      return { type: 'reject', reason: 'not-a-sibling' }
    }
    const opened = await openOrSay(async () => sessions.open(sessionPeerOf(from), box), this.#log, `a sync box from ${peer}`)
    if (opened === 'malformed') return { type: 'reject', reason: 'invalid' }
    // this very box, opened and taken before (a retry)
    if (opened === 'duplicate') return { type: 'ack' }
    if (opened === 'session') return { type: 'reject', reason: 'session' }
    let outcome: 'taken' | 'invalid'
    try {
      outcome = await this.#apply(peer, opened.plaintext, opened)
    } catch (err) {
      opened.abandon()
      throw err
    }
    if (outcome === 'invalid') {
      opened.abandon()
      return { type: 'reject', reason: 'invalid' }
    }
    void sessions.ready(peer)
    return { type: 'ack' }
  }

  isSibling (peer: string): boolean {
    return siblingsOf(this.#components).includes(peer)
  }

  /** An item from our mailbox (messaging's intake opened its box, and keeps the session once the batch is stored). */
  async take (from: string, plaintext: Uint8Array): Promise<'taken' | 'invalid'> {
    if (!this.isSibling(from)) return 'invalid'
    return this.#apply(from, plaintext)
  }

  /** Decodes and applies an item of `peer`'s, with the session's new state when it came live; 'invalid' when it is malformed (nothing stored). */
  async #apply (peer: string, plaintext: Uint8Array, opened?: OpenedBox): Promise<'taken' | 'invalid'> {
    const { db } = this.#components
    let item: SyncItem
    try {
      item = decodeSyncItem(plaintext)
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err
      this.#log('refused a sync item from %s - %e', peer, err)
      return 'invalid'
    }
    const tables = opened === undefined ? applyTables(db) : [...sessionTables(db), ...applyTables(db)]
    const applied: Applied = await db.transaction('rw', tables, async () => {
      // our rows name the account, whichever of its devices made them (kernel/author.ts)
      const result = await applySyncItem(db, authorOf(this.#components.identity, this.#components.devices), item, this.#now())
      await opened?.commit()
      return result
    })
    this.#log('sync item %s (%s) from %s: %s', item.id, item.kind, peer, applied.outcome)
    if (applied.deleted !== undefined) {
      const { id, peerId, blocked } = applied.deleted
      await tell(this.#components.events, 'contact:deleted', { contactId: id, peerId, blocked })
    }
    return 'taken'
  }
}
