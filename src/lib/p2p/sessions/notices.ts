/**
 * Notices in a chat about its secure session (docs/security.md, "Recovery"):
 * when the session with a contact is started again, because the contact
 * could not open our boxes (we reset it) or because the contact started a
 * new one over the one we had (it lost or reset its own), the chat says
 * "Secure session reset", as Signal does. The safety number does not change
 * (it is the identity keys'), so nothing else is asked of the user. Nothing
 * is sent: each side writes what it saw. With the chat's timer on, the
 * notice disappears like a message.
 */
import { getContactByPeerId } from '../../db/contacts.ts'
import { noticeRow } from '../../db/messages.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { SessionNoticesPort } from '../kernel/ports/sessions.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface SessionNoticesComponents {
  db: ParleyDb
  logger: ComponentLogger
}

export class SessionNotices implements SessionNoticesPort {
  readonly #components: SessionNoticesComponents
  readonly #log: Logger

  constructor (components: SessionNoticesComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:notices')
  }

  /** Tells the chat with `peer` (when it is a contact) that the session was reset; a failure is logged, never thrown. */
  async sessionReset (peer: string): Promise<void> {
    const { db } = this.#components
    try {
      await db.transaction('rw', db.contacts, db.messages, async () => {
        const contact = await getContactByPeerId(db, peer)
        if (contact === undefined) return
        await db.messages.add(noticeRow(contact, 'session-reset', Date.now()))
      })
    } catch (err) {
      this.#log.error('could not tell the chat with %s that its session was reset - %e', peer, err)
    }
  }
}
