/**
 * Group items in session boxes (docs/protocols.md, "Sessions", "Groups in
 * boxes"): the box of a group item for one member's mailboxes, on our session
 * with that member (members need not be contacts: a member's bundle comes
 * from the mailbox relays it named in its `profile`).
 *
 * A group item's box is kept from its seal until a relay took it: a deposit
 * that reached no relay goes again with the same bytes (no key is spent on a
 * box nobody will see); once stored, the group courier never deposits it
 * again, and the box goes.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { dropBoxes } from '../../db/sessions.ts'
import { mailboxSeal } from './bundles.ts'
import { sessionPeerOf } from './chat-boxes.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { BundleComponents } from './bundles.ts'
import type { Sessions } from './sessions.ts'
import type { AbortOptions, ComponentLogger, Logger } from '@libp2p/interface'

export interface SessionGroupBoxesComponents extends BundleComponents {
  db: ParleyDb
  logger: ComponentLogger
  sessions: Pick<Sessions, 'seal' | 'known'>
}

/** The key a group item's box is kept under: apart from chat items' (their ULIDs). */
export function groupBoxKey (id: Uint8Array): string {
  return `group:${Array.from(id, b => b.toString(16).padStart(2, '0')).join('')}`
}

export class SessionGroupBoxes {
  readonly #components: SessionGroupBoxesComponents
  readonly #log: Logger

  constructor (components: SessionGroupBoxesComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:groups')
  }

  /**
   * The box of a group mailbox item (`payload`, a `group-ops` or
   * `group-message` item, with its id) for member `to`, whose bundle is
   * fetched from `mailboxes` first; undefined when `to` has no sessions as far
   * as we know (then it goes under the static seal, as before).
   */
  async mailboxItem (to: string, id: Uint8Array, payload: Uint8Array, mailboxes: readonly string[], options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    return mailboxSeal(this.#components, this.#log, sessionPeerOf(peerIdFromString(to)), { key: groupBoxKey(id), id, plaintext: payload }, mailboxes, options)
  }

  /** A relay took the item: its box is not needed any more. */
  async deposited (to: string, id: Uint8Array): Promise<void> {
    await dropBoxes(this.#components.db, to, [groupBoxKey(id)])
  }
}
