/** The relays feature: the relay list and keeper, closing the relay connections no longer used, our addresses, the Network panel, ICE servers. */
import { IceServers } from './ice-servers.ts'
import { IdleConnections } from './idle-connections.ts'
import { RelayKeeper } from './relay-keeper.ts'
import { RelayList } from './relay-list.ts'
import type { IceServersComponents } from './ice-servers.ts'
import type { RelayListComponents } from './relay-list.ts'
import type { RelayKeeperComponents } from './relay-keeper.ts'
import type { IdleConnectionsComponents } from './idle-connections.ts'

/** What the feature's services read of the node's components. */
export type RelaysFeatureComponents = IceServersComponents & RelayListComponents & RelayKeeperComponents & IdleConnectionsComponents

export function relaysFeature (components: RelaysFeatureComponents) {
  const relayList = new RelayList(components)
  return {
    ice: new IceServers(components),
    relayList,
    keeper: new RelayKeeper(components, { onDialResult: (address, result) => { relayList.dialed(address, result) } }),
    idleConnections: new IdleConnections(components)
  }
}

export { relayHandlers } from './handlers.ts'
export { putValueTo } from './dht.ts'
