/** The relays feature: the relay list and keeper, closing the relay connections no longer used, our addresses, the Network panel, ICE servers. */
import { IceServers } from './ice-servers.ts'
import { IdleConnections } from './idle-connections.ts'
import { RelayKeeper } from './relay-keeper.ts'
import { RelayList } from './relay-list.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function relaysFeature (components: NodeComponents): Pick<NodeComponents, 'ice' | 'relayList' | 'keeper' | 'idleConnections'> {
  return {
    ice: new IceServers(components),
    relayList: new RelayList(components),
    keeper: new RelayKeeper(components, { onDialResult: (address, result) => { components.relayList.dialed(address, result) } }),
    idleConnections: new IdleConnections(components)
  }
}

export { relayHandlers } from './handlers.ts'
