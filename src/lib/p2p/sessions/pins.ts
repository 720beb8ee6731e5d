/**
 * Sessions are mandatory between apps that have them (docs/protocols.md,
 * "Sessions are mandatory"; docs/security.md): a peer that speaks sessions
 * (its hello said so, or we have had a session with it) is pinned to boxes.
 * What it sends outside one (a chat, group, action or receipts payload under
 * the static seal alone, a chat 1.x or group 1.0.0 stream) is refused, logged
 * and counted here, per path, for the diagnostics.
 */
import { speaksSessions } from './bundles.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { PinnedPath, SessionPinsPort } from '../kernel/ports/sessions.ts'
import type { Sessions } from './sessions.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface SessionPinsComponents {
  logger: ComponentLogger
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  sessions: Pick<Sessions, 'known'>
}

export class SessionPins implements SessionPinsPort {
  readonly #components: SessionPinsComponents
  readonly #log: Logger
  readonly #refused: Record<PinnedPath, number> = { mailbox: 0, chat: 0, group: 0 }

  constructor (components: SessionPinsComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:pins')
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
