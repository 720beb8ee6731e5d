/**
 * My own devices stay in step (issue 58, increment 5b; docs/protocols.md,
 * "Own devices in step"): what I do on one device (a message sent, a chat
 * read, a reaction, edit or delete, a contact added, renamed, deleted or
 * verified, my messaging settings) reaches my other devices over
 * `/parley/sync/1.0.0` (sync.ts). It hears what happened from the node's
 * `own:change` news, and tells nothing to the features below it.
 */
import { Sync } from './sync.ts'
import type { Feature } from '../kernel/feature.ts'
import type { SyncComponents } from './sync.ts'
import type { SyncIntakePort } from '../kernel/ports/sync.ts'
import type { Startable } from '@libp2p/interface'

/** What it adds to the node's components. */
export interface SyncServices {
  sync: Startable
  /** a sibling's items from our mailbox (messaging's intake hands them here) */
  syncIntake: SyncIntakePort
}

export const syncFeature: Feature<SyncComponents, SyncServices> = {
  name: 'sync',
  create (components) {
    const sync = new Sync(components)
    return { services: { sync, syncIntake: sync.intake } }
  }
}
