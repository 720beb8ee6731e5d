/** This device's account and its devices (issue 58; docs/protocols.md, "Linked devices: the device list"). */
import { method, returns } from '../define.ts'
import { peerIdText, shortText } from '../ids.ts'
import { v } from '../schema.ts'
import type { DevicesView } from '../device-types.ts'

export const devicesMethods = {
  /** the account this device belongs to and the devices of its list (this device marked); what Settings → Linked devices shows */
  getDevices: method({ params: v.none(), result: returns<DevicesView>() }),
  /**
   * names this device (trimmed; at most 64 characters, no control
   * characters); on the device holding the account key, the list is signed
   * again with the new name. Resolves with what getDevices then says.
   */
  renameDevice: method({ params: v.object({ name: shortText() }), result: returns<DevicesView>() }),
  /**
   * on the device holding the account key: signs a new list without the
   * device `peer` (its PeerID; the version grows) and gives it to contacts
   * and the relays as any new list. Errors: notAccountHolder,
   * removeThisDevice, deviceNotListed. Resolves with what getDevices then says.
   */
  removeDevice: method({ params: v.object({ peer: peerIdText() }), result: returns<DevicesView>() }),
  /**
   * on a linked device (removed from the account, or unlinking itself):
   * stops the node, erases this device's database and files, and leaves the
   * app at onboarding (status 'needs-profile'). Error: holderCannotErase.
   * Answered also while the node is stopped as removed.
   */
  eraseDevice: method({ params: v.none(), result: returns<null>(), timeoutMs: 60_000 })
} as const
