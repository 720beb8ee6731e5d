/**
 * What the live exchanges in boxes (group 2.0.0, group-boxes.ts; group
 * calls, call-boxes.ts) do alike with a box the listener or the dialer
 * opened: keep its session's new state, keep a session someone started
 * only with a contact or a group member, and seal a live box to a member
 * (a request, or the listener's reply), never kept.
 */
import { ulidOf } from '@parley/protocol/ulid'
import { sessionTables } from '../../db/sessions.ts'
import { mayExchange } from '../contacts/index.ts'
import { fetchBundle } from './bundles.ts'
import { sessionPeerOf } from './chat-boxes.ts'
import type { BundleComponents } from './bundles.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { OpenedBox } from '../kernel/ports/sessions.ts'
import type { SessionNotices } from './notices.ts'
import type { Sessions } from './sessions.ts'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'

export interface KeepOpenedComponents {
  db: ParleyDb
  sessions: Pick<Sessions, 'ready'>
  sessionNotices: Pick<SessionNotices, 'sessionReset'>
}

/**
 * Keeps `opened`'s state (a box from `from`), readies the session for its
 * next send, and tells the chat of a contact who started over; the box is
 * let go when the write fails (`log`, the exchange's own, says so).
 */
export async function keepOpened (components: KeepOpenedComponents, log: Logger, from: PeerId, opened: OpenedBox): Promise<void> {
  const { db } = components
  try {
    await db.transaction('rw', sessionTables(db), async () => { await opened.commit() })
  } catch (err) {
    opened.abandon()
    log.error('could not keep the session state after a box from %p - %e', from, err)
    throw err
  }
  void components.sessions.ready(from.toString())
  if (opened.replaced) await components.sessionNotices.sessionReset(from.toString())
}

/** Whether a session `from` started is kept: it is a contact we exchange messages with, or a member of a group we hold. */
export async function mayKeepSession (components: { contactBook: Pick<ContactBookPort, 'byPeerId'>, groupBook: Pick<GroupBookPort, 'isGroupPeer'> }, from: PeerId): Promise<boolean> {
  return mayExchange(await components.contactBook.byPeerId(from.toString())) || await components.groupBook.isGroupPeer(from.toString())
}

/**
 * `plaintext` as item `itemId` in a box of our session with member `to`,
 * started from its bundle (from the mailbox relays it named in a group we
 * hold first) when there is none; not kept: a retry seals again.
 */
export async function sealLive (components: BundleComponents & { sessions: Pick<Sessions, 'seal'>, groupBook: Pick<GroupBookPort, 'mailboxesOf'> }, to: PeerId, itemId: Uint8Array, plaintext: Uint8Array, options: AbortOptions): Promise<Uint8Array> {
  const peer = sessionPeerOf(to)
  const mailboxes = await components.groupBook.mailboxesOf(peer.peer)
  return components.sessions.seal(peer, ulidOf(itemId), itemId, plaintext, async () => fetchBundle(components, peer, mailboxes, options), { keep: false })
}
