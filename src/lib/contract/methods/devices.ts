/** This device's account and its devices (issue 58; docs/protocols.md, "Linked devices: the device list"). */
import { method, returns } from '../define.ts'
import { shortText } from '../ids.ts'
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
  renameDevice: method({ params: v.object({ name: shortText() }), result: returns<DevicesView>() })
} as const
