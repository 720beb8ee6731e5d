/**
 * Notification keys over `/parley/devices/1.0.0` (docs/protocols.md, "Web
 * Push", "How a sender learns the key"): every device of an account (the
 * holder and linked devices alike) gives its notification public key
 * (db/notify-setting.ts) to each contact device it has a session with, in a
 * box of that session, so that the contact can seal push hints to it; and
 * keeps the key each contact device gives it (db/notify-keys.ts), which the
 * mailbox courier seals hints with.
 *
 * When it goes: to a contact device whose identify lists the protocol (every
 * new connection), only while that device has not acknowledged this key
 * (`notifySent`), only on a session we already have (a key never starts
 * one), and only once the key exists (push or names made it). An app from
 * before the key answers `reject invalid` (an unknown payload): it is marked
 * like an acknowledgement and not asked again until our key changes.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { encodeNotifyPayload } from '@parley/protocol/devices/notify'
import { decodeDevicesReply, DEVICES_EXCHANGE_TIMEOUT_MS, DEVICES_PROTOCOL } from '@parley/protocol/devices/wire'
import { negotiatedRequest } from '@parley/protocol/one-request/client'
import { ulidOf } from '@parley/protocol/ulid'
import { markNotifySent, notifySentTo, storeNotifyKey } from '../../db/notify-keys.ts'
import { notifyPublicKey } from '../../db/notify-setting.ts'
import { sessionTables } from '../../db/sessions.ts'
import { mayExchange } from '../contacts/index.ts'
import { sessionPeerOf } from './chat-boxes.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactRow } from '../../db/types.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { OpenedBox } from '../kernel/ports/sessions.ts'
import type { Sessions } from './sessions.ts'
import type { DevicesReply } from '@parley/protocol/devices/wire'
import type { Libp2p, Logger } from '@libp2p/interface'

/** Key offers under way at once, to all contact devices (the rest go on their next connection). */
export const MAX_NOTIFY_OFFERS = 16

export interface NotifyOffersComponents {
  db: ParleyDb
  libp2p: Pick<Libp2p, 'getConnections'>
  sessions: Pick<Sessions, 'seal' | 'hasSession' | 'ready'>
  contactBook: Pick<ContactBookPort, 'byPeerId'>
}

export class NotifyOffers {
  readonly #components: NotifyOffersComponents
  readonly #log: Logger
  /** the devices an offer is under way to, at most MAX_NOTIFY_OFFERS */
  readonly #offering = new Set<string>()

  constructor (components: NotifyOffersComponents, log: Logger) {
    this.#components = components
    this.#log = log
  }

  /**
   * Gives `peer` our notification key when it is a device of a contact we
   * exchange messages with that has not taken this key, we have a session
   * with it and are connected. Never throws: what fails goes again on the
   * next connection.
   */
  async offer (peer: string, signal: AbortSignal): Promise<void> {
    const { db, contactBook, sessions, libp2p } = this.#components
    if (this.#offering.has(peer) || this.#offering.size >= MAX_NOTIFY_OFFERS) return
    this.#offering.add(peer)
    try {
      const key = await notifyPublicKey(db)
      if (key === undefined) return
      const contact = await contactBook.byPeerId(peer)
      if (!mayExchange(contact) || notifySentTo(contact, peer, key)) return
      if (!await sessions.hasSession(peer)) return
      const peerId = peerIdFromString(peer)
      const connection = libp2p.getConnections(peerId).find(c => c.status === 'open')
      if (connection === undefined) return
      const none = new Error('a notification key never starts a session')
      const reply = await negotiatedRequest({
        protocols: [DEVICES_PROTOCOL],
        maxReplyBytes: 64,
        maxPrefixBytes: 1,
        defaultTimeoutMs: DEVICES_EXCHANGE_TIMEOUT_MS,
        runOnLimitedConnection: true
      }, connection, {
        request: async () => {
          const itemId = crypto.getRandomValues(new Uint8Array(16))
          return sessions.seal(sessionPeerOf(peerId), ulidOf(itemId), itemId, encodeNotifyPayload(key), async () => { throw none }, { keep: false })
        },
        reply: async (bytes) => decodeDevicesReply(bytes)
      }, { signal: AbortSignal.any([AbortSignal.timeout(DEVICES_EXCHANGE_TIMEOUT_MS), signal]) })
      this.#log('%s answered our notification key: %o', peer, reply)
      // taken, or an app that will never take it: not again until the key changes
      if (reply.type === 'ack' || reply.reason === 'invalid') await markNotifySent(db, contact.id, peer, key)
    } catch (err) {
      this.#log('could not give %s our notification key - %e', peer, err)
    } finally {
      this.#offering.delete(peer)
    }
  }

  /**
   * The listener's half: `key`, from the opened box of `peer` (the
   * contact's own PeerID or a device of its held list), kept for that device
   * with the box's session state in one transaction; anything else changes
   * nothing and keeps nothing of the box.
   */
  async receive (contact: ContactRow, peer: string, key: string, opened: OpenedBox): Promise<DevicesReply> {
    const { db, sessions } = this.#components
    let outcome
    try {
      outcome = await db.transaction('rw', [...sessionTables(db), db.contacts], async () => {
        const stored = await storeNotifyKey(db, contact.id, peer, key)
        if (stored === 'stored' || stored === 'same') await opened.commit()
        return stored
      })
    } catch (err) {
      opened.abandon()
      throw err
    }
    if (outcome !== 'stored' && outcome !== 'same') {
      opened.abandon()
      this.#log('refused a notification key from %s: %s', peer, outcome)
      return { type: 'reject', reason: outcome === 'invalid' ? 'invalid' : 'not-a-contact' }
    }
    void sessions.ready(peer)
    this.#log('a notification key from %s: %s', peer, outcome)
    return { type: 'ack', status: outcome }
  }
}
