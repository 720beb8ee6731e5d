/**
 * Secure sessions (docs/security.md): our prekeys on our relays (and our
 * own bundle for a connected peer when none of them hands one out), and the
 * sessions with each peer that seal and open the boxes chat and group items
 * travel in.
 */
import { SessionCallBoxes } from './call-boxes.ts'
import { SessionChatBoxes } from './chat-boxes.ts'
import { DeviceListExchange } from './device-lists.ts'
import { FreshPrekeyDirectory } from './fresh-bundles.ts'
import { SessionGroupBoxes } from './group-boxes.ts'
import { SessionNotices } from './notices.ts'
import { OwnBundleService } from './own-bundle.ts'
import { OwnKeys } from './own-keys.ts'
import { SessionPeerBoxes } from './peer-boxes.ts'
import { SessionPins } from './pins.ts'
import { PrekeyKeeper } from './prekey-keeper.ts'
import { RelayPrekeyDirectory } from './relay-directory.ts'
import { Sessions } from './sessions.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { Feature } from '../kernel/feature.ts'
import type { ChatBoxes } from '../kernel/ports/messaging.ts'
import type { GroupBoxesPort, GroupCallBoxesPort, MailboxBoxesPort, PeerBoxesPort, SessionNoticesPort, SessionPinsPort, SessionsPort } from '../kernel/ports/sessions.ts'
import type { SessionCallBoxesComponents } from './call-boxes.ts'
import type { SessionChatBoxesComponents } from './chat-boxes.ts'
import type { DeviceListExchangeComponents } from './device-lists.ts'
import type { PrekeyDirectory } from './directory.ts'
import type { SessionGroupBoxesComponents } from './group-boxes.ts'
import type { SessionNoticesComponents } from './notices.ts'
import type { SessionPinsComponents } from './pins.ts'
import type { OwnBundleServiceComponents } from './own-bundle.ts'
import type { OwnKeysComponents } from './own-keys.ts'
import type { SessionPeerBoxesComponents } from './peer-boxes.ts'
import type { PrekeyKeeperComponents } from './prekey-keeper.ts'
import type { RelayPrekeyDirectoryComponents } from './relay-directory.ts'
import type { SessionsComponents } from './sessions.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type SessionsFeatureComponents = OwnKeysComponents & RelayPrekeyDirectoryComponents & PrekeyKeeperComponents & OwnBundleServiceComponents & SessionsComponents & SessionChatBoxesComponents & SessionGroupBoxesComponents & SessionCallBoxesComponents & SessionNoticesComponents & SessionPinsComponents & DeviceListExchangeComponents & SessionPeerBoxesComponents & {
  events: Pick<ParleyEventTarget, 'addEventListener'>
}

/** What it adds to them. */
export interface SessionsServices {
  ownKeys: Pick<OwnKeys, 'identity'>
  prekeyDirectory: PrekeyDirectory
  /** what the sessions and our own bundle take of the prekeys */
  prekeys: Pick<PrekeyKeeper, 'secretsFor' | 'oneTimeKeys' | 'syncAll' | 'ownBundle'>
  ownBundle: Startable
  /** with what the chat and group boxes do with them */
  sessions: SessionsPort & Pick<Sessions, 'seal' | 'reset' | 'known' | 'hasSession' | 'answered'>
  chatBoxes: ChatBoxes & MailboxBoxesPort
  groupBoxes: GroupBoxesPort
  /** group calls' frames (group-calls/) */
  callBoxes: GroupCallBoxesPort
  /** boxes for our account's other devices (sync/) */
  peerBoxes: PeerBoxesPort
  sessionNotices: SessionNoticesPort
  /** peers pinned to boxes, and what of theirs was refused outside one (and it notes who speaks sessions from identify) */
  sessionPins: SessionPinsPort & Startable
  /** our account's device list to contacts, theirs from them (`/parley/devices/1.0.0`) */
  deviceLists: Startable
}

export const sessionsFeature: Feature<SessionsFeatureComponents, SessionsServices> = {
  name: 'sessions',
  create (components) {
    const deviceLists = new DeviceListExchange(components)
    // a session just formed (a contact's first message since a list changed, say): device-lists.ts gives that device what it may now take
    const sessions = new Sessions(components, { started: (peer) => { void deviceLists.sessionStarted(peer) } })
    // a deleted contact's sessions go with it (a contact added again starts new ones)
    components.events.addEventListener('contact:deleted', ({ detail }) => { detail.waitUntil(sessions.deletePeer(detail.peerId)) })
    return {
      services: {
        ownKeys: new OwnKeys(components),
        // bundles too old to start a session with are refused, and their next source asked
        prekeyDirectory: new FreshPrekeyDirectory(new RelayPrekeyDirectory(components)),
        prekeys: new PrekeyKeeper(components),
        ownBundle: new OwnBundleService(components),
        sessions,
        chatBoxes: new SessionChatBoxes(components),
        groupBoxes: new SessionGroupBoxes(components),
        callBoxes: new SessionCallBoxes(components),
        peerBoxes: new SessionPeerBoxes(components),
        sessionNotices: new SessionNotices(components),
        sessionPins: new SessionPins(components),
        deviceLists
      }
    }
  }
}

export { sessionPeerOf } from './chat-boxes.ts'
export { CallSessionRefusedError } from './call-boxes.ts'
export { SessionUnreadableError } from './sessions.ts'
export { openOrSay } from './unreadable.ts'
export { PrekeysAwaitedError } from './bundles.ts'
