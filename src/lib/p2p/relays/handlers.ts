import type { NodeHandlers } from '../../contract/index.ts'
import type { IceServers } from './ice-servers.ts'
import type { RelayList } from './relay-list.ts'

export interface RelayHandlerComponents {
  relayList: RelayList
  ice: IceServers
}

export type RelayMethods = 'getNetwork' | 'listRelays' | 'addRelay' | 'testRelay' | 'setRelayActive' | 'removeRelay' | 'addTurnServer' | 'removeTurnServer'

/** The relays' contract methods: the Network panel, the relay list, the user's TURN servers. */
export function relayHandlers (components: RelayHandlerComponents): NodeHandlers<RelayMethods> {
  return {
    getNetwork: async () => components.relayList.network(),
    listRelays: async () => ({ relays: (await components.relayList.network()).relays }),
    // relay addresses are checked, and refused with a code, in db/relays.ts
    addRelay: async ({ multiaddr }) => components.relayList.add(multiaddr),
    testRelay: async ({ multiaddr }, { signal }) => components.relayList.test(multiaddr, signal),
    setRelayActive: async ({ multiaddr, active }) => { await components.relayList.setActive(multiaddr, active); return null },
    removeRelay: async ({ multiaddr }) => ({ outcome: await components.relayList.remove(multiaddr) }),
    // the URL rules are checked in db/turn-servers.ts
    addTurnServer: async (params) => ({ id: await components.ice.add(params) }),
    removeTurnServer: async ({ id }) => { await components.ice.remove(id); return null }
  }
}
