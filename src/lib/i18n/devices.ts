/**
 * Adds the strings of Settings' "Linked devices" section (messages/devices.ts)
 * to the tables. Imported by the section's widget (ui/LinkedDevices.svelte),
 * which loads with the Settings screen: the strings load with it, not with
 * the app's shell.
 */
import { addArea } from './index.ts'
import * as devices from './messages/devices.ts'

addArea('devices', devices)
