/**
 * Our own account's list to our own devices over `/parley/devices/1.0.0`
 * (docs/protocols.md, "Our list to our own devices"; issue 58): the holder
 * gives its signed list to each sibling (a device its list names, not
 * itself) in a box of their session, as it gives it to contacts
 * (device-lists.ts), so that a device linked later becomes a sibling of
 * the others at once, and to each device a newer list no longer names
 * (departed), so that a removed device that is reachable learns it at once
 * and stops. A linked device takes a box of this protocol only from its
 * account's PeerID (the holder), and the list in it only when it opens
 * under the ACCOUNT key and is newer than the held one
 * (DevicesPort.takeOwnList: a list without this device marks it removed).
 *
 * Unlike a contact's, a sibling's session may start here (from the prekey
 * bundle it hands out itself: we only offer on an open connection). The
 * holder's marks (the version each device acknowledged) live in memory, at
 * most 2 × MAX_DEVICES: after a restart each sibling is offered the list
 * again on its next connection, and answers 'same'. A departed device not
 * reached before the holder stops learns the removal from the DHT
 * (presence/own-list.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_DEVICES } from '@parley/protocol/devices/constants'
import { DeviceListError, openDeviceList } from '@parley/protocol/devices/list'
import { decodeDevicesPayload, decodeDevicesReply, DEVICES_EXCHANGE_TIMEOUT_MS, DEVICES_PROTOCOL, encodeDevicesPayload } from '@parley/protocol/devices/wire'
import { negotiatedRequest } from '@parley/protocol/one-request/client'
import { ulidOf } from '@parley/protocol/ulid'
import { sessionTables } from '../../db/sessions.ts'
import { fetchBundle } from './bundles.ts'
import { sessionPeerOf } from './chat-boxes.ts'
import { openOrSay } from './unreadable.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { DevicesPort, OwnListOutcome } from '../kernel/ports/devices.ts'
import type { BundleComponents } from './bundles.ts'
import type { Sessions } from './sessions.ts'
import type { DevicesReply } from '@parley/protocol/devices/wire'
import type { Connection, Logger, PeerId } from '@libp2p/interface'

export interface SiblingListsComponents extends BundleComponents {
  db: ParleyDb
  sessions: Pick<Sessions, 'seal' | 'open' | 'ready'>
  devices: Pick<DevicesPort, 'account' | 'holder' | 'ownList' | 'takeOwnList'>
}

/** What a linked device answers for each outcome of taking a list (docs/protocols.md, "Our list to our own devices"). */
export function siblingReply (outcome: OwnListOutcome): DevicesReply {
  switch (outcome) {
    case 'newer':
    case 'removed':
      return { type: 'ack', status: 'stored' }
    case 'same':
    case 'older':
      return { type: 'ack', status: outcome }
    case 'conflict':
      return { type: 'reject', reason: 'invalid' }
    case 'ignored':
      // a device removed already (or no account row): it takes no list any more
      return { type: 'reject', reason: 'not-a-contact' }
  }
}

export class SiblingLists {
  readonly #components: SiblingListsComponents
  readonly #log: Logger
  /** the siblings of the list last seen (the holder) */
  #listed = new Set<string>()
  /** devices an earlier list named and the current one does not, not yet told (at most MAX_DEVICES, oldest dropped) */
  readonly #departed = new Set<string>()
  /** the version each device acknowledged */
  readonly #sent = new Map<string, number>()

  constructor (components: SiblingListsComponents, log: Logger) {
    this.#components = components
    this.#log = log
  }

  /** On the holder: the devices our list names but this one. */
  #siblings (): string[] {
    const { devices } = this.#components
    if (!devices.holder) return []
    return (devices.ownList()?.devices ?? []).map(d => d.peer).filter(peer => peer !== devices.account)
  }

  /** At start (the devices feature started before): the list's siblings, no marks. */
  start (): void {
    this.#listed = new Set(this.#siblings())
    this.#departed.clear()
    this.#sent.clear()
  }

  /** On the holder, when our list changed: the devices it no longer names are departed (to be told once). */
  noteList (): void {
    const siblings = new Set(this.#siblings())
    for (const peer of this.#listed) {
      if (siblings.has(peer)) continue
      this.#departed.add(peer)
      const oldest = this.#departed.values().next().value
      if (this.#departed.size > MAX_DEVICES && oldest !== undefined) this.#departed.delete(oldest)
    }
    for (const peer of siblings) this.#departed.delete(peer)
    this.#listed = siblings
    for (const peer of this.#sent.keys()) if (!siblings.has(peer) && !this.#departed.has(peer)) this.#sent.delete(peer)
  }

  /** Whether `peer` is one of our own devices the holder gives its list to (a sibling, or one a newer list dropped). */
  targets (peer: string): boolean {
    return this.#components.devices.holder && (this.#listed.has(peer) || this.#departed.has(peer))
  }

  /** Whether a devices box from `peer` is our own account's list: we are a linked device and `peer` is the account. */
  fromOurAccount (peer: string): boolean {
    const { devices } = this.#components
    return !devices.holder && devices.account === peer
  }

  /**
   * On the holder: gives `peer` (see {@link targets}) our list over the open
   * `connection` when it has not acknowledged this version, starting a
   * session from its own bundle when we have none. Throws what fails (the
   * caller logs it; it goes again on the next connection or list change).
   */
  async offer (peer: string, connection: Connection, signal: AbortSignal): Promise<void> {
    const { devices, sessions } = this.#components
    const list = devices.ownList()
    if (!devices.holder || list === undefined || (this.#sent.get(peer) ?? 0) >= list.version) return
    const to = sessionPeerOf(peerIdFromString(peer))
    const reply = await negotiatedRequest({
      protocols: [DEVICES_PROTOCOL],
      maxReplyBytes: 64,
      maxPrefixBytes: 1,
      defaultTimeoutMs: DEVICES_EXCHANGE_TIMEOUT_MS,
      runOnLimitedConnection: true
    }, connection, {
      request: async () => {
        const itemId = crypto.getRandomValues(new Uint8Array(16))
        return sessions.seal(to, ulidOf(itemId), itemId, encodeDevicesPayload(list.signed), async () => fetchBundle(this.#components, to, [], { signal }), { keep: false })
      },
      reply: async (bytes) => decodeDevicesReply(bytes)
    }, { signal })
    this.#log('our device %s answered our list of version %d: %o', peer, list.version, reply)
    // taken, or one it will never take: not again until the next version
    if (reply.type === 'ack' || reply.reason === 'invalid' || reply.reason === 'not-a-contact') {
      this.#sent.set(peer, list.version)
      if (!this.#listed.has(peer)) this.#departed.delete(peer)
    }
  }

  /**
   * On a linked device: a box from our account's holder carrying its list.
   * The session's state is kept once the box opened and its list opens under
   * the account key; the list is then handed to the devices feature (which
   * may find this device removed and stop the node).
   */
  async receive (from: PeerId, box: Uint8Array): Promise<DevicesReply> {
    const { db, sessions, devices } = this.#components
    const peer = from.toString()
    const opened = await openOrSay(async () => sessions.open(sessionPeerOf(from), box), this.#log, `a devices box from our account ${peer}`)
    if (opened === 'malformed') return { type: 'reject', reason: 'invalid' }
    if (opened === 'duplicate') return { type: 'ack', status: 'same' }
    if (opened === 'session') return { type: 'reject', reason: 'session' }
    let list
    try {
      list = openDeviceList(decodeDevicesPayload(opened.plaintext).list, { account: peer })
    } catch (err) {
      opened.abandon()
      if (!(err instanceof DeviceListError) && !(err instanceof Error && err.name === 'InvalidMessageError')) throw err
      this.#log('refused a list from our account %s - %e', peer, err)
      return { type: 'reject', reason: 'invalid' }
    }
    // the box is used up before the list is taken: taking one that removes this device stops the node
    try {
      await db.transaction('rw', sessionTables(db), async () => { await opened.commit() })
    } catch (err) {
      opened.abandon()
      throw err
    }
    void sessions.ready(peer)
    const outcome = await devices.takeOwnList(list)
    this.#log('our account\'s list of version %d from %s: %s', list.version, peer, outcome)
    return siblingReply(outcome)
  }
}
