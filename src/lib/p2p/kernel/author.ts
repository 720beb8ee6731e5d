/**
 * Who our outgoing rows name as their author (`fromPeerId`): the account
 * (issue 58), what contacts know and what the rows a link moved here name,
 * also on a linked device whose own PeerID is another; this device's
 * PeerID only before the devices feature has loaded the account.
 */
import type { DevicesPort } from './ports/devices.ts'
import type { IdentityPort } from './ports/identity.ts'

/** The author of our new rows; throws as `identity.require()` does when there is no profile. */
export function authorOf (identity: Pick<IdentityPort, 'require'>, devices: Pick<DevicesPort, 'account'>): string {
  const profile = identity.require()
  return devices.account ?? profile.peerId
}
