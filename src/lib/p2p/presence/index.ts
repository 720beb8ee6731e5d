/** The presence feature: who is connected, greeting and redialling contacts, finding them through the DHT (and being found there: our peer record), direct connections. */
import { ContactFinder } from './contact-finder.ts'
import { DirectUpgrader } from './direct-upgrade.ts'
import { Greeter } from './greeter.ts'
import { Paths } from './paths.ts'
import { RecordPublisher } from './record-publisher.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function presenceFeature (components: NodeComponents): Pick<NodeComponents, 'greeter' | 'dialer' | 'upgrader' | 'recordPublisher'> & { paths: Paths } {
  return {
    // one finder for both dial paths (greeter and outbox): one DHT lookup per contact at a time, one back-off
    dialer: new ContactFinder(components),
    greeter: new Greeter(components),
    upgrader: new DirectUpgrader(components),
    recordPublisher: new RecordPublisher(components),
    paths: new Paths(components)
  }
}
