/** The presence feature: who is connected, greeting and redialling contacts, finding them through the DHT (and being found there: our peer record), direct connections. */
import { ContactFinder } from './contact-finder.ts'
import { DeviceListPublisher } from './device-lists.ts'
import { DirectUpgrader } from './direct-upgrade.ts'
import { Greeter } from './greeter.ts'
import { OwnListWatcher } from './own-list.ts'
import { Paths } from './paths.ts'
import { RecordPublisher } from './record-publisher.ts'
import type { Feature } from '../kernel/feature.ts'
import type { ContactDialer, DirectUpgraderPort, GreeterPort } from '../kernel/ports/presence.ts'
import type { ContactFinderComponents } from './contact-finder.ts'
import type { DeviceListPublisherComponents } from './device-lists.ts'
import type { DirectUpgraderComponents } from './direct-upgrade.ts'
import type { GreeterComponents } from './greeter.ts'
import type { OwnListWatcherComponents } from './own-list.ts'
import type { PathsComponents } from './paths.ts'
import type { RecordPublisherComponents } from './record-publisher.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type PresenceFeatureComponents = ContactFinderComponents & GreeterComponents & DirectUpgraderComponents & RecordPublisherComponents & PathsComponents & DeviceListPublisherComponents & OwnListWatcherComponents

/** What it adds to them. */
export interface PresenceServices {
  dialer: ContactDialer
  greeter: GreeterPort
  upgrader: DirectUpgraderPort
  recordPublisher: Startable
  /** our account's device list in the DHT, on the device holding the account key */
  deviceListPublisher: Startable
  /** on a linked device: looks its account's list up, and learns when the account removed it */
  ownListWatcher: Startable & Pick<OwnListWatcher, 'check'>
  paths: Startable
}

export const presenceFeature: Feature<PresenceFeatureComponents, PresenceServices> = {
  name: 'presence',
  create (components) {
    return {
      services: {
        // one finder for both dial paths (greeter and outbox): one DHT lookup per contact at a time, one back-off
        dialer: new ContactFinder(components),
        greeter: new Greeter(components),
        upgrader: new DirectUpgrader(components),
        recordPublisher: new RecordPublisher(components),
        deviceListPublisher: new DeviceListPublisher(components),
        ownListWatcher: new OwnListWatcher(components),
        paths: new Paths(components)
      }
    }
  }
}

// for the new device's state pull (link/), which goes direct as contacts do
export { webRtcAddress } from './direct-upgrade.ts'
export { probeDirect } from './probe-direct.ts'
