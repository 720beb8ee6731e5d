import type { NodeHandlers } from '../../contract/index.ts'
import type { Devices } from './devices.ts'

export interface DevicesHandlerComponents {
  devices: Pick<Devices, 'view' | 'rename' | 'removeDevice' | 'erase'>
}

export type DevicesMethods = 'getDevices' | 'renameDevice' | 'removeDevice' | 'eraseDevice'

/** This device's account and its devices (Settings → Linked devices): naming this device, removing another (the holder), erasing this one (a linked device). */
export function devicesHandlers (components: DevicesHandlerComponents): NodeHandlers<DevicesMethods> {
  return {
    getDevices: async () => components.devices.view(),
    renameDevice: async ({ name }) => components.devices.rename(name),
    removeDevice: async ({ peer }) => {
      await components.devices.removeDevice(peer)
      return components.devices.view()
    },
    eraseDevice: async () => {
      await components.devices.erase()
      return null
    }
  }
}
