/**
 * Sessions are mandatory between apps that have them (docs/protocols.md,
 * "Sessions are mandatory"; docs/security.md): a peer that speaks sessions
 * (its hello or its profile in a group we hold said so, or we have had a
 * session with it) is pinned to boxes.
 * What it sends outside one (a chat, group, action or receipts payload under
 * the static seal alone, a chat 1.x or group 1.0.0 stream) is refused, logged
 * and counted here, per path, for the diagnostics. A contact whose identify
 * (over the connection's Noise, so its own word) lists chat 2.0.0 is marked
 * as speaking sessions too: a contact from before hellos said so, or whose
 * hello has not reached us, is held to boxes from its first connection.
 */
import { CHAT_PROTOCOL_V2_0 } from '@parley/protocol/chat/constants'
import { markSpeaksSessions } from '../../db/contacts.ts'
import { speaksSessions } from './bundles.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { PinnedPath, SessionPinsPort } from '../kernel/ports/sessions.ts'
import type { Sessions } from './sessions.ts'
import type { ComponentLogger, IdentifyResult, Libp2p, Logger, Startable } from '@libp2p/interface'

export interface SessionPinsComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener'>
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  groupBook: Pick<GroupBookPort, 'saidSessions'>
  sessions: Pick<Sessions, 'known'>
}

export class SessionPins implements SessionPinsPort, Startable {
  readonly #components: SessionPinsComponents
  readonly #log: Logger
  readonly #refused: Record<PinnedPath, number> = { mailbox: 0, chat: 0, group: 0 }

  constructor (components: SessionPinsComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:pins')
  }

  start (): void {
    this.#components.libp2p.addEventListener('peer:identify', this.#onIdentify)
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('peer:identify', this.#onIdentify)
  }

  /** A peer said what it serves: a contact that serves chat 2.0.0 speaks sessions (kept on its row). */
  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols } = evt.detail
    if (!protocols.includes(CHAT_PROTOCOL_V2_0)) return
    const peer = peerId.toString()
    void this.#components.contactBook.byPeerId(peer).then(async (contact) => {
      if (contact === undefined || contact.sessions === true) return
      if (await markSpeaksSessions(this.#components.db, peer)) this.#log('%s serves chat 2.0.0: held to session boxes from now on', peer)
    }).catch((err: unknown) => { this.#log.error('could not note that %s speaks sessions - %e', peer, err) })
  }

  async pinned (peer: string): Promise<boolean> {
    return speaksSessions(this.#components, peer)
  }

  refused (path: PinnedPath, peer: string, what: string): void {
    this.#refused[path]++
    this.#log.error('refused %s from %s outside a session box (%s): it speaks sessions', what, peer, path)
  }

  get counts (): Record<PinnedPath, number> {
    return { ...this.#refused }
  }
}
