/**
 * Adds the strings of linking a device (messages/link.ts) to the tables.
 * Imported by the modules that show them (ui/LinkNewDevice.svelte,
 * ui/LinkDevice.svelte, ui/link-words.ts), which load on demand: the strings
 * load with them, not with the app's shell.
 */
import { addArea } from './index.ts'
import * as link from './messages/link.ts'

addArea('link', link)
