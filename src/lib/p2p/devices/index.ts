/**
 * Linked devices (issue 58): the account this device belongs to and its
 * signed device list (devices.ts): signing it on the holder (a rename, a
 * device linked or removed), a linked device taking a newer one of its
 * account and learning it was removed, erasing a linked device. Linking
 * (link/) and publishing the list (sessions/, presence/) use the port
 * (kernel/ports/devices.ts).
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

export { checkDeviceName, DeviceRemovalError, InvalidDeviceNameError } from './devices.ts'
