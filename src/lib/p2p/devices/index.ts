/**
 * Linked devices (issue 58), increment 1: the account this device belongs
 * to and its signed device list (devices.ts). Linking and publishing the
 * list come next; they will build on the port (kernel/ports/devices.ts).
 */
import { ownOver } from '../kernel/feature.ts'
import { Devices } from './devices.ts'
import { devicesHandlers } from './handlers.ts'
import type { Feature } from '../kernel/feature.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { DevicesComponents } from './devices.ts'
import type { DevicesMethods } from './handlers.ts'
import type { Startable } from '@libp2p/interface'

/** What it adds to the node's components. */
export interface DevicesServices {
  devices: DevicesPort & Startable
}

export const devicesFeature: Feature<DevicesComponents, DevicesServices, DevicesMethods> = {
  name: 'devices',
  create (components) {
    const devices = new Devices(components)
    return { services: { devices }, handlers: devicesHandlers(ownOver(components, { devices })) }
  }
}

export { checkDeviceName, InvalidDeviceNameError } from './devices.ts'
