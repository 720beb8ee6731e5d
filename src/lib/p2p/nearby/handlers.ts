import { encodeInvite } from '../identity/index.ts'
import { NotNearbyError } from './nearby.ts'
import type { NodeHandlers } from '../../contract/index.ts'
import type { ContactsPort } from '../kernel/ports/contacts.ts'
import type { Nearby } from './nearby.ts'

export type NearbyMethod = 'setNearby' | 'listNearby' | 'addNearby'

export interface NearbyHandlerComponents {
  nearby: Nearby
  contacts: ContactsPort
  origin: string
}

/** Nearby's contract methods. */
export function nearbyHandlers (components: NearbyHandlerComponents): NodeHandlers<NearbyMethod> {
  return {
    setNearby: async ({ enabled }) => { await components.nearby.setEnabled(enabled); return null },
    /** empty while Nearby is off or the node is starting */
    listNearby: async () => ({ people: await components.nearby.list() }),
    /**
     * Adds someone the relays listed as nearby exactly as their invite would
     * be added (the same checks, the same contact request, which they accept
     * or not): the invite is made of the PeerID, name and circuit addresses
     * the relay gave.
     */
    addNearby: async ({ peerId }) => {
      const person = components.nearby.find(peerId)
      if (person == null) throw new NotNearbyError('notNearby')
      const invite = encodeInvite({ peerId: person.peerId, name: person.name, addresses: person.addresses }, components.origin)
      return { contactId: await components.contacts.add(invite) }
    }
  }
}
