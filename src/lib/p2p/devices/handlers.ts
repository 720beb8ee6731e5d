import type { NodeHandlers } from '../../contract/index.ts'
import type { Devices } from './devices.ts'

export interface DevicesHandlerComponents {
  devices: Pick<Devices, 'view' | 'rename'>
}

export type DevicesMethods = 'getDevices' | 'renameDevice'

/** This device's account and its devices (Settings → Linked devices), and naming this device. */
export function devicesHandlers (components: DevicesHandlerComponents): NodeHandlers<DevicesMethods> {
  return {
    getDevices: async () => components.devices.view(),
    renameDevice: async ({ name }) => components.devices.rename(name)
  }
}
