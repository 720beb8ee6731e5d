/** The relays feature: the relay list and keeper, closing the relay connections no longer used, our addresses, the Network panel, ICE servers. */
import { relayHandlers } from './handlers.ts'
import { IceServers } from './ice-servers.ts'
import { IdleConnections } from './idle-connections.ts'
import { RelayKeeper } from './relay-keeper.ts'
import { RelayList } from './relay-list.ts'
import type { Feature } from '../kernel/feature.ts'
import type { IceServersPort, RelayKeeperPort, RelayListPort } from '../kernel/ports/relays.ts'
import type { RelayMethods } from './handlers.ts'
import type { IceServersComponents } from './ice-servers.ts'
import type { IdleConnectionsComponents } from './idle-connections.ts'
import type { RelayKeeperComponents } from './relay-keeper.ts'
import type { RelayListComponents } from './relay-list.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type RelaysFeatureComponents = IceServersComponents & RelayListComponents & RelayKeeperComponents & IdleConnectionsComponents

/** What it adds to them. */
export interface RelaysServices {
  ice: IceServersPort
  relayList: RelayListPort
  /** with what the relay list hands it */
  keeper: RelayKeeperPort & Pick<RelayKeeper, 'setRelays' | 'release' | 'state'>
  idleConnections: Startable
}

export const relaysFeature: Feature<RelaysFeatureComponents, RelaysServices, RelayMethods> = {
  name: 'relays',
  create (components) {
    const ice = new IceServers(components)
    const relayList = new RelayList(components)
    return {
      services: {
        ice,
        relayList,
        keeper: new RelayKeeper(components, {
          onDialResult: (address, result) => { relayList.dialed(address, result) },
          dialable: (address) => relayList.dialable(address)
        }),
        idleConnections: new IdleConnections(components)
      },
      handlers: relayHandlers({ relayList, ice })
    }
  }
}

export { parleyDht, putValueTo } from './dht.ts'
export { connectionTo, reservedRelays } from './reserved.ts'
