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
import type { OwnKeysComponents } from './own-keys.ts'
import type { RelayPrekeyDirectoryComponents } from './relay-directory.ts'
import type { PrekeyKeeperComponents } from './prekey-keeper.ts'
import type { OwnBundleServiceComponents } from './own-bundle.ts'
import type { SessionsComponents } from './sessions.ts'
import type { SessionChatBoxesComponents } from './chat-boxes.ts'
import type { SessionGroupBoxesComponents } from './group-boxes.ts'
import type { SessionNoticesComponents } from './notices.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'

/** What the feature's services read of the node's components. */
export type SessionsFeatureComponents = OwnKeysComponents & RelayPrekeyDirectoryComponents & PrekeyKeeperComponents & OwnBundleServiceComponents & SessionsComponents & SessionChatBoxesComponents & SessionGroupBoxesComponents & SessionNoticesComponents & {
  events: Pick<ParleyEventTarget, 'addEventListener'>
}

export function sessionsFeature (components: SessionsFeatureComponents) {
  const sessions = new Sessions(components)
  // a deleted contact's sessions go with it (a contact added again starts new ones)
  components.events.addEventListener('contact:deleted', ({ detail }) => { detail.waitUntil(sessions.deletePeer(detail.peerId)) })
  return {
    ownKeys: new OwnKeys(components),
    prekeyDirectory: new RelayPrekeyDirectory(components),
    prekeys: new PrekeyKeeper(components),
    ownBundle: new OwnBundleService(components),
    sessions,
    chatBoxes: new SessionChatBoxes(components),
    groupBoxes: new SessionGroupBoxes(components),
    sessionNotices: new SessionNotices(components)
  }
}

export { sessionPeerOf } from './chat-boxes.ts'
export { SessionUnreadableError } from './sessions.ts'
