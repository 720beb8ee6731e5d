/** Nearby: people on the same network using the same relay. */
import { method, returns } from '../define.ts'
import { peerIdText } from '../ids.ts'
import { v } from '../schema.ts'
import type { ContactId } from '../rows.ts'
import type { NearbyPerson } from '../types.ts'

export const nearbyMethods = {
  /**
   * opt this device in to Nearby (our name shown to people on the same network
   * connected to the same relay, theirs to us) or out of it; remembered in the
   * `settings` table, which tabs read
   */
  setNearby: method({ params: v.object({ enabled: v.boolean() }), result: returns<null>() }),
  /** the people nearby now (empty while Nearby is off); the Nearby screen asks every few seconds while open */
  listNearby: method({ params: v.none(), result: returns<{ people: NearbyPerson[] }>() }),
  /** add someone listed as nearby: the same contact request an invite sends, which they accept or not */
  addNearby: method({ params: v.object({ peerId: peerIdText() }), result: returns<{ contactId: ContactId }>() })
} as const
