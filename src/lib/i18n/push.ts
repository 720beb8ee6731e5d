/**
 * Adds the strings of "When Parley is closed" (messages/push.ts) to the
 * tables. Imported by the modules that show them (ui/ClosedPushSettings.svelte,
 * state/closed-push.svelte.ts), which load with the Settings section on
 * demand: the strings load with them, not with the app's shell.
 */
import { addArea } from './index.ts'
import * as push from './messages/push.ts'

addArea('push', push)
