/**
 * Secure sessions (docs/security.md): our prekeys on our relays (and our
 * own bundle for a connected peer when none of them hands one out), and the
 * sessions with each peer that seal and open the boxes chat and group items
 * travel in.
 */
import { SessionChatBoxes } from './chat-boxes.ts'
import { SessionGroupBoxes } from './group-boxes.ts'
import { SessionNotices } from './notices.ts'
import { OwnBundleService } from './own-bundle.ts'
import { OwnKeys } from './own-keys.ts'
import { PrekeyKeeper } from './prekey-keeper.ts'
import { RelayPrekeyDirectory } from './relay-directory.ts'
import { Sessions } from './sessions.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function sessionsFeature (components: NodeComponents): Pick<NodeComponents, 'ownKeys' | 'prekeyDirectory' | 'prekeys' | 'ownBundle' | 'sessions' | 'chatBoxes' | 'groupBoxes' | 'sessionNotices'> {
  return {
    ownKeys: new OwnKeys(components),
    prekeyDirectory: new RelayPrekeyDirectory(components),
    prekeys: new PrekeyKeeper(components),
    ownBundle: new OwnBundleService(components),
    sessions: new Sessions(components),
    chatBoxes: new SessionChatBoxes(components),
    groupBoxes: new SessionGroupBoxes(components),
    sessionNotices: new SessionNotices(components)
  }
}
